"""Where a reader's list is ranked: serving (strategies MF, hybrid, content, cold start,
non-personal), the LM's generated lists, editorial boosts and diversity, the hidden-interest
filter and the personalisation switch."""
