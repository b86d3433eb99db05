"""A reader's personalised list over a large catalogue without a pass over it: candidates from
the serving versions' nearest-neighbour indexes (recommender.runtime.ann), then the exact
scores of those candidates (recommender.ml.hybrid_ann for the hybrid; MF's inner products
when MF ranks alone). Articles newer than the model (few between two trainings) are scored
exactly, as in the full ranking. Nothing here allocates or visits catalogue-sized arrays.
"""

import numpy as np

from recommender.ml.base import top_n
from recommender.ml.hybrid_ann import candidate_scores

from ..runtime.ann import hybrid_index, mf_index, moments_with
from ..runtime.embeddings import EmbeddingIndex
from ..runtime.hybrid import LoadedHybrid, hybrid_new_items
from ..runtime.mf import ColdItems, LoadedMF


def approximate_top(
    loaded: LoadedMF,
    *,
    artifact_path: str,
    hybrid: LoadedHybrid | None,
    columns: np.ndarray,
    weights: np.ndarray,
    seen_columns: list[int],
    seen_article_ids: set[int],
    cold: ColdItems | None,
    index: EmbeddingIndex | None,
    k: int,
) -> tuple[list[int], list[float]] | None:
    """(article ids, scores) of the reader's best ``k`` unseen articles, best first; None when
    the serving version has no index (a small catalogue): the caller scores every article.
    ``columns``/``weights``: their positive history in the model (runtime.history);
    ``seen_columns``: the model columns of everything they interacted with."""
    new_count = 0 if cold is None else len(cold.article_ids)
    n = len(loaded.item_ids)
    seen = np.asarray(seen_columns, dtype=np.int64)
    if new_count and cold is not None:
        new_seen = np.flatnonzero(np.isin(cold.article_ids, list(seen_article_ids)))
        seen = np.concatenate([seen, n + new_seen])
    if hybrid is not None:
        ann = hybrid_index(hybrid=hybrid)
        if ann is None:
            return None
        new, moments = None, None
        if new_count and cold is not None:
            new = hybrid_new_items(hybrid, cold, index)
            stamp = None if index is None else index.stamp
            moments = moments_with(ann, new, new_key=(hybrid.version_id, stamp, new_count))
        picked, scores = candidate_scores(
            hybrid.model,
            ann,
            columns=columns,
            weights=weights,
            seen=seen,
            new=new,
            moments=moments,
            extra=k,
        )
    else:
        mf = mf_index(loaded=loaded, artifact_path=artifact_path)
        if mf is None:
            return None
        vector = loaded.model.fold_in(columns, weights)
        picked, scores = mf.search(vector, k + len(seen))
        if new_count and cold is not None:
            picked = np.concatenate([picked, np.arange(n, n + new_count)])
            scores = np.concatenate([scores, cold.factors @ vector])
        unseen = ~np.isin(picked, seen)
        picked, scores = picked[unseen], scores[unseen].astype(np.float32)
    top = top_n(scores, k)
    chosen = picked[top]
    old = chosen < n
    ids = np.zeros(len(chosen), dtype=np.int64)
    ids[old] = loaded.item_ids[chosen[old]]
    if cold is not None:
        ids[~old] = cold.article_ids[chosen[~old] - n]
    return ids.tolist(), scores[top].tolist()
