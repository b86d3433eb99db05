"""Online experiments, the editors' side: checking an experiment's design, starting, pausing
and stopping it, and making its winner the active version. Serving a reader their arm is
recommender.ranking.experiments; the analysis is recommender.dashboard (its statistics
recommender.ml.experiments)."""
