"""Hybrid versions as a process holds them (numpy/scipy only, memory-mapped artifacts): the
active one, served only over the MF version it was trained on, and those that are arms of a
running experiment (recommender.ranking.hybrid scores with them)."""

import logging
import threading
from dataclasses import dataclass

import numpy as np

from recommender.ml.artifacts import load_json
from recommender.ml.base import fitted
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.hybrid_features import NewItems

from ..cache import lists
from ..models import ModelVersion
from .artifacts import artifact_directory, keep_loaded
from .embeddings import EmbeddingIndex
from .mf import ColdItems

logger = logging.getLogger(__name__)

HYBRID = ModelVersion.Kind.HYBRID


@dataclass(frozen=True)
class LoadedHybrid:
    version_id: int
    mf_version_id: int
    model: HybridRecommender
    # The LM version whose reader states its "lm" feature scores with (None: no LM feature),
    # the one it was fitted with, active or not (recommender.training.hybrid_lm).
    lm_version: lists.ActiveVersion | None = None


_lock = threading.Lock()
_loaded: dict[tuple[int, str], LoadedHybrid | None] = {}
_new_items: dict[tuple, NewItems] = {}


def loaded_hybrid(*, mf: lists.ActiveVersion | None) -> LoadedHybrid | None:
    """The active hybrid if it was trained over the active MF version ``mf``; else None.
    Cached per process (a cache hit of the reader's list reads no file and no row)."""
    if mf is None:
        return None
    active = lists.active_version(kind=HYBRID)
    if active is None:
        return None
    loaded = loaded_hybrid_version(version=active)
    return loaded if loaded is not None and loaded.mf_version_id == mf.id else None


def loaded_hybrid_version(*, version: lists.ActiveVersion) -> LoadedHybrid | None:
    """Hybrid ``version``, loaded once per process (None, logged, if its artifacts are
    unreadable)."""
    key = (version.id, version.artifact_path)
    with _lock:
        if key not in _loaded:
            keep_loaded(_loaded, key, _load(version))
        return _loaded[key]


def _load(active: lists.ActiveVersion) -> LoadedHybrid | None:
    directory = artifact_directory(active.artifact_path)
    try:
        model = HybridRecommender.load(directory, mmap=True)
        recorded = load_json(directory / "version.json")
        mf_version_id = int(recorded["mf_version"])
        lm = recorded.get("lm_version")
        lm_version = lists.ActiveVersion(int(lm["id"]), str(lm["artifact_path"])) if lm else None
    except (OSError, ValueError, KeyError, TypeError):
        logger.exception("Cannot load hybrid version %s from %s", active.id, directory)
        return None
    return LoadedHybrid(active.id, mf_version_id, model, lm_version)


def hybrid_new_items(
    hybrid: LoadedHybrid, cold: ColdItems, index: EmbeddingIndex | None
) -> NewItems:
    """The new articles' features that do not depend on the reader (their text neighbours take
    one catalogue-sized product each), computed once per model and embedding index."""
    key = (hybrid.version_id, None if index is None else index.stamp, len(cold.article_ids))
    with _lock:
        if key not in _new_items:
            base = fitted(hybrid.model.base)
            embeddings = np.zeros((len(cold.article_ids), base.item_embeddings.shape[1]), "f4")
            if index is not None:
                found, vectors = index.vectors_of(cold.article_ids.tolist())
                row_of = {pk: row for row, pk in enumerate(cold.article_ids.tolist())}
                embeddings[[row_of[pk] for pk in found]] = vectors
            keep_loaded(_new_items, key, base.new_items(cold.factors, embeddings))
        return _new_items[key]
