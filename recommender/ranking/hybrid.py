"""The active hybrid as a web process holds it (numpy/scipy only, memory-mapped artifacts), and
its scores for one reader: recommender.ml.hybrid.HybridRecommender.reader_scores, the function
offline evaluation ranks with, on the reader's current history and, when the hybrid learnt a
weight for it, the sequence LM's scores from the state a worker stored for the reader
(recommender.runtime.sequences: numpy, no torch).

The hybrid serves only over the MF version it was trained on: that version's full-data model
and text adapter are its MF base, so fold-in vectors, adapter factors of new articles and the
explanations' MF evidence all come from the same model. The registry deactivates a hybrid
whose MF base stops serving (recommender.training.registry).
"""

import numpy as np

from ..runtime.embeddings import EmbeddingIndex
from ..runtime.hybrid import LoadedHybrid, hybrid_new_items
from ..runtime.mf import ColdItems


def hybrid_scores(
    hybrid: LoadedHybrid,
    *,
    columns: np.ndarray,
    weights: np.ndarray,
    seen: np.ndarray,
    cold: ColdItems | None,
    index: EmbeddingIndex | None,
    lm_scores: np.ndarray | None = None,
) -> np.ndarray:
    """float32 (n,): the hybrid's scores of its catalogue's columns followed by
    ``cold.article_ids`` (articles newer than the model, with the MF base's adapter factors),
    for the reader whose positive history is ``columns`` with event weights ``weights``;
    ``seen`` int64 (columns in the same numbering) stay out of the candidate pool;
    ``lm_scores`` float32 in the same numbering (``sequence_scores``), None without a state."""
    new = (
        hybrid_new_items(hybrid, cold, index)
        if cold is not None and len(cold.article_ids)
        else None
    )
    return hybrid.model.reader_scores(columns, weights, seen, new, lm_scores)
