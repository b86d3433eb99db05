"""The active MF model as a web process holds it: memory-mapped artifacts, numpy only; with
its text adapter and the adapted factors of the articles it has never seen (cold start).

Each process keeps the versions it serves (the active one and the arms of a running
experiment; at most settings.RECSITE_LOADED_VERSIONS), keyed by version id and artifact
directory; the factor matrices are mapped read-only, so every gunicorn worker shares one copy
through the page cache. Importing this module never imports torch (recommender.ml.mf imports it
only to fit).
"""

import logging
import threading
from dataclasses import dataclass

import numpy as np

from recommender.ml.adapter import TextAdapter
from recommender.ml.base import fitted
from recommender.ml.mf import ImplicitALS

from ..cache.lists import ActiveVersion
from .artifacts import artifact_directory, keep_loaded
from .embeddings import embedding_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedMF:
    version_id: int
    model: ImplicitALS
    item_ids: np.ndarray  # int64 (n_items,): column -> article id
    column_of: dict[int, int]  # article id -> column


_lock = threading.Lock()
_loaded: dict[tuple[int, str], LoadedMF] = {}


def loaded_mf(*, version: ActiveVersion) -> LoadedMF | None:
    """The model of ``version``, loaded once per process; None (logged) if its artifacts are
    unreadable, so that serving falls back to the cold-start list instead of failing."""
    directory = artifact_directory(version.artifact_path)
    key = (version.id, str(directory))
    with _lock:
        if key not in _loaded:
            try:
                model = ImplicitALS.load(directory, mmap=True)
            except (OSError, ValueError, KeyError):
                logger.exception("Cannot load model version %s from %s", version.id, directory)
                return None
            item_ids = np.asarray(model.item_ids).astype(np.int64)
            keep_loaded(
                _loaded,
                key,
                LoadedMF(
                    version_id=version.id,
                    model=model,
                    item_ids=item_ids,
                    column_of={article_id: col for col, article_id in enumerate(item_ids.tolist())},
                ),
            )
        return _loaded[key]


# ---------------------------------------------------------------------------- cold start


@dataclass(frozen=True)
class ColdItems:
    """Articles with an embedding that the MF model does not know, with adapted factors."""

    article_ids: np.ndarray  # int64 (m,)
    factors: np.ndarray  # float32 (m, f)


_cold: dict[tuple, ColdItems] = {}
_adapters: dict[tuple, TextAdapter | None] = {}


def adapter_of(loaded: LoadedMF, artifact_path: str) -> TextAdapter | None:
    """The text adapter trained with an MF version (None if it has none), loaded once."""
    directory = artifact_directory(artifact_path)
    key = (loaded.version_id, str(directory))
    with _lock:
        if key not in _adapters:
            keep_loaded(
                _adapters,
                key,
                TextAdapter.load(directory, mmap=True) if TextAdapter.exists(directory) else None,
            )
        return _adapters[key]


def cold_items(*, loaded: LoadedMF, artifact_path: str) -> ColdItems | None:
    """The adapted factors of every embedded article outside ``loaded``'s catalogue (unpublished
    ones included: lists filter those when they are rendered); computed once per change of the
    model or of the embeddings."""
    adapter = adapter_of(loaded, artifact_path)
    index = embedding_index()
    if adapter is None or index is None:
        return None
    key = (loaded.version_id, artifact_path, index.stamp)
    with _lock:
        if key not in _cold:
            unknown = [aid for aid in index.row_of if aid not in loaded.column_of]
            found, vectors = index.vectors_of(unknown)
            # Entries of an older embedding index are never asked for again: drop them.
            for old in [old for old in _cold if old[:2] == key[:2]]:
                del _cold[old]
            keep_loaded(
                _cold,
                key,
                ColdItems(
                    np.asarray(found, dtype=np.int64),
                    adapter.predict(vectors)
                    if found
                    else np.zeros((0, len(fitted(adapter.y_mean))), "f4"),
                ),
            )
        return _cold[key]
