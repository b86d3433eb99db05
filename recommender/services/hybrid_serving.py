"""The active hybrid as a web process holds it (numpy only), and its scores for one reader.

The hybrid serves only over the MF version it was trained on: its weights were learned on that
version's scores, and its item embeddings and popularity are aligned with that version's
columns. After an MF activation without a better hybrid, readers get MF alone.
"""

import logging
import threading
from dataclasses import dataclass

import numpy as np

from recommender.ml.artifacts import load_array, load_json
from recommender.ml.content import normalize_rows
from recommender.ml.served_hybrid import (
    FEATURES,
    content_profile,
    ranking_scores,
    reader_features,
)

from ..models import ModelVersion
from . import lists
from .embeddings import EmbeddingIndex
from .loading import artifact_directory

logger = logging.getLogger(__name__)

HYBRID = ModelVersion.Kind.HYBRID


@dataclass(frozen=True)
class LoadedHybrid:
    version_id: int
    mf_version_id: int
    weights: np.ndarray  # float32 (len(FEATURES),)
    popularity: np.ndarray  # float32 (n_mf_items,)
    item_vectors: np.ndarray  # float32 (n_mf_items, d) unit rows, zero without text


_lock = threading.Lock()
_loaded: dict[tuple[int, str], LoadedHybrid | None] = {}


def serving_hybrid(*, mf: lists.ActiveVersion | None) -> LoadedHybrid | None:
    """The active hybrid if it was trained over the active MF version ``mf``; else None.
    Cached per process (a cache hit of the reader's list reads no file and no row)."""
    active = lists.active_version(kind=HYBRID) if mf is not None else None
    if active is None:
        return None
    key = (active.id, active.artifact_path)
    with _lock:
        if key not in _loaded:
            _loaded.clear()  # only the active version is served
            _loaded[key] = _load(active)
        loaded = _loaded[key]
    return loaded if loaded is not None and loaded.mf_version_id == mf.id else None


def _load(active: lists.ActiveVersion) -> LoadedHybrid | None:
    directory = artifact_directory(active.artifact_path)
    try:
        meta = load_json(directory / "hybrid.json")
        if tuple(meta["features"]) != FEATURES:
            raise ValueError(f"{directory} blends {meta['features']}, not {FEATURES}")
        return LoadedHybrid(
            version_id=active.id,
            mf_version_id=int(meta["mf_version"]),
            weights=load_array(directory / "weights.npy", True),
            popularity=load_array(directory / "popularity.npy", True),
            item_vectors=load_array(directory / "item_vectors.npy", True),
        )
    except (OSError, ValueError, KeyError):
        logger.exception("Cannot load hybrid version %s from %s", active.id, directory)
        return None


def hybrid_scores(
    hybrid: LoadedHybrid,
    *,
    mf_scores: np.ndarray,
    seen: np.ndarray,
    positive_columns: np.ndarray,
    cold_article_ids: np.ndarray,
    index: EmbeddingIndex | None,
) -> np.ndarray:
    """float32 (n,) hybrid scores for MF's columns followed by ``cold_article_ids`` (articles
    newer than the model), from their unmasked MF scores float32 (n,); ``seen`` bool (n,) are
    left out of the candidate pool (recommender.ml.served_hybrid.ranking_scores)."""
    vectors = hybrid.item_vectors
    popularity = hybrid.popularity
    if len(cold_article_ids):
        cold_vectors = np.zeros((len(cold_article_ids), vectors.shape[1]), dtype=np.float32)
        if index is not None:
            found, found_vectors = index.vectors_of(cold_article_ids.tolist())
            row_of = {article_id: row for row, article_id in enumerate(cold_article_ids.tolist())}
            cold_vectors[[row_of[article_id] for article_id in found]] = normalize_rows(
                found_vectors
            )
        vectors = np.concatenate([vectors, cold_vectors])
        # Nobody had read them when the model was trained.
        popularity = np.concatenate([popularity, np.zeros(len(cold_article_ids), np.float32)])
    profile = content_profile(hybrid.item_vectors, positive_columns)
    features = reader_features(mf_scores, vectors @ profile, popularity)
    return ranking_scores(features, hybrid.weights, seen)
