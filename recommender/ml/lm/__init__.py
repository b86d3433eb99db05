"""The sequence LM (DESIGN §4): a causal language model whose tokens are articles, trained on
readers' histories in reading order to predict the next article.

Pure Python + numpy, torch/transformers loaded lazily, no Django. Modules: ``sequences``
(histories in order, the held-out last item, training chunks), ``network`` (the GPT-2 over
projected text embeddings; torch-bearing), ``train`` (next-item cross-entropy, early stopping,
time budget), ``model`` (``SequenceLM``: fit / score_users / states / output embeddings / save
/ load, and the numpy projection of a new article's text), ``threads``.
"""
