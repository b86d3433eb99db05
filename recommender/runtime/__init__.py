"""What a process holds in memory to serve, numpy only (no torch), one naming scheme:
``loaded_<kind>(...)`` returns the active ``Loaded<Kind>`` of that model kind (mf.py, hybrid.py;
the sequence LM, which needs torch, is loaded by recommender.ranking.sequence in workers), and
``embedding_index()`` the article embeddings; each is loaded once per process and replaced when
another version becomes active. history.py folds a reader's behaviour into a model."""
