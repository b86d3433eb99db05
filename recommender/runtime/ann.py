"""The approximate nearest-neighbour indexes of the serving versions, as web processes hold them:
faiss files memory-mapped from the version's artifact directory (numpy + faiss, no torch).

recommender.training builds them with each MF and hybrid version whose catalogue has at least
settings.RECSITE_ANN_MIN_ARTICLES articles; below that size (or for a version trained without
them) these return None and lists are scored over the whole catalogue.
"""

import logging
import threading
from pathlib import Path

from django.conf import settings

from recommender.ml.ann import MF_INDEX, InnerProductIndex
from recommender.ml.hybrid_ann import HybridANN, Moments
from recommender.ml.hybrid_features import NewItems

from ..models import ModelVersion
from .artifacts import artifact_directory
from .hybrid import LoadedHybrid
from .mf import LoadedMF

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_loaded: dict[tuple, object] = {}
_moments: dict[tuple, Moments] = {}


def _cached(key: tuple, load):
    with _lock:
        if key not in _loaded:
            # One index per kind and process: the serving version's.
            for stale in [old for old in _loaded if old[0] == key[0]]:
                del _loaded[stale]
            try:
                _loaded[key] = load()
            except (OSError, RuntimeError, ValueError):
                logger.exception("Cannot load the ANN index %s", key)
                _loaded[key] = None
        return _loaded[key]


def _large(n_items: int) -> bool:
    return n_items >= settings.RECSITE_ANN_MIN_ARTICLES


def mf_index(*, loaded: LoadedMF, artifact_path: str) -> InnerProductIndex | None:
    """The MF version's index over its item factors, if its catalogue is large."""
    if not _large(len(loaded.item_ids)):
        return None
    directory = artifact_directory(artifact_path)
    if not InnerProductIndex.exists(directory, MF_INDEX):
        return None
    return _cached(
        ("mf", loaded.version_id, str(directory)),
        lambda: InnerProductIndex.load(directory, MF_INDEX),
    )


def hybrid_index(*, hybrid: LoadedHybrid) -> HybridANN | None:
    """The candidate indexes and moments of a serving hybrid (the active one, or an
    experiment arm's), if its catalogue is large."""
    if hybrid.model.item_ids is None or not _large(len(hybrid.model.item_ids)):
        return None
    directory = _directory_of(hybrid.version_id)
    if directory is None or not HybridANN.exists(directory):
        return None
    return _cached(("hybrid", hybrid.version_id, str(directory)), lambda: HybridANN.load(directory))


_directories: dict[int, Path | None] = {}


def _directory_of(version_id: int) -> Path | None:
    """A version's artifact directory, read once per process (a version never moves)."""
    if version_id not in _directories:
        path = (
            ModelVersion.objects.filter(pk=version_id)
            .values_list("artifact_path", flat=True)
            .first()
        )
        _directories[version_id] = artifact_directory(path) if path else None
    return _directories[version_id]


def moments_with(ann: HybridANN, new: NewItems, *, new_key: tuple) -> Moments:
    """``ann.moments.plus(new)``, computed once per set of new items, named by ``new_key``
    (they change with the model and the embeddings, not per request)."""
    key = (id(ann), new_key)
    with _lock:
        if key not in _moments:
            _moments.clear()
            _moments[key] = ann.moments.plus(new)
        return _moments[key]
