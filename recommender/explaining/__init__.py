"""Where an explanation is worded: evidence read from the data, styles and their bandit,
composition into cards, readers' thumbs feedback, and what we believe a reader likes."""
