"""The active MF model as a web process holds it: memory-mapped artifacts, numpy only.

Each process keeps the one version it serves, keyed by version id and artifact directory; the
factor matrices are mapped read-only, so every gunicorn worker shares one copy through the page
cache. Importing this module never imports torch (recommender.ml.mf imports it only to fit).
"""

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from recommender.ml.mf import ImplicitALS

from ..cache.lists import ActiveVersion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    version_id: int
    model: ImplicitALS
    item_ids: np.ndarray  # int64 (n_items,): column -> article id
    column_of: dict[int, int]  # article id -> column


_lock = threading.Lock()
_loaded: dict[tuple[int, str], LoadedModel] = {}


def artifact_directory(artifact_path: str) -> Path:
    return Path(settings.RECSITE_ARTIFACT_DIR) / artifact_path


def loaded_model(*, version: ActiveVersion) -> LoadedModel | None:
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
            # Only the active version is served: drop the one it replaces.
            _loaded.clear()
            _loaded[key] = LoadedModel(
                version_id=version.id,
                model=model,
                item_ids=item_ids,
                column_of={article_id: col for col, article_id in enumerate(item_ids.tolist())},
            )
        return _loaded[key]
