"""How models are (re)trained: one versioned-training lifecycle (lifecycle.py) for MF, its
hybrid stage and the LM, article embeddings and their snapshots, the registry that activates and
rolls back versions, and the training lock."""
