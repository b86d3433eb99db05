"""The statistics of online experiments, pure numpy/scipy: team-draft interleaving of rankers'
lists (interleaving.py) and decision rules that stay valid when editors look at the running
result every day (sequential.py). The Django side records impressions and clicks and calls
these; nothing here knows about models, readers or the database."""
