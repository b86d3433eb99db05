"""The generative recommender (DESIGN §4): a small GPT-2 trained on readers' histories written as
text, recommending by beam search constrained to the catalogue's titles.

Pure Python + torch/transformers/tokenizers, no Django. Modules: ``tokenizer`` (BPE over the
catalogue, special tokens), ``histories`` (histories as token sequences, the validation split),
``model`` (GPT-2 config, base checkpoint), ``train`` (time-budgeted loop, perplexity), ``trie``
(prefix trie of candidate titles), ``generate`` (constrained beam search, candidate scoring),
``recommender`` (``LMRecommender``: fit / recommend / save / load).
"""
