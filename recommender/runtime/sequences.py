"""The active sequence LM as a web process holds it (numpy only, memory-mapped artifacts), and
a reader's next-article scores from the sequence state a worker stored.

A worker computes the state (the network's last hidden state after the reader's history, torch)
in the same refresh that recomputes the reader's list after an interaction
(recommender.ranking.sequence), under the active LM version and under the one each serving
hybrid was fitted with, and stores it under ``rec:seq:<LM version>:<user>``; here it is
one dot product per article with the version's output embeddings. Articles published after the
LM's training get their output row from their text (the version's output projection of their
embedding), so they are scored too; one without an embedding yet scores -inf.
"""

import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.core.cache import cache

from recommender.ml.artifacts import load_array
from recommender.ml.lm.model import project_new_items

from ..cache import lists
from ..models import ModelVersion
from ..privacy import SEQUENCE_STATE
from .artifacts import artifact_directory, keep_loaded
from .embeddings import embedding_index

logger = logging.getLogger(__name__)

LM = ModelVersion.Kind.LM


@dataclass(frozen=True)
class SequenceOutputs:
    """What a process needs to score with an LM version: ``outputs`` float32 (n, dim + 1)
    memory-mapped, ``column_of`` article id -> row, ``projection`` float32 (text_dim + 1, dim)."""

    version_id: int
    outputs: np.ndarray
    column_of: dict[int, int]
    projection: np.ndarray


_lock = threading.Lock()
# The active version and, while an experiment runs, its arms (bounded by keep_loaded).
_loaded: dict[tuple[int, str], SequenceOutputs | None] = {}


def sequence_outputs(version: lists.ActiveVersion | None = None) -> SequenceOutputs | None:
    """LM ``version``'s output embeddings (default: the active version's; None without one, or
    when its files cannot be read); loaded once per process and version."""
    active = version or lists.active_version(kind=LM)
    if active is None:
        return None
    key = (active.id, active.artifact_path)
    with _lock:
        if key not in _loaded:
            keep_loaded(_loaded, key, _load(active))
        return _loaded[key]


def _load(active: lists.ActiveVersion) -> SequenceOutputs | None:
    directory = artifact_directory(active.artifact_path)
    try:
        item_ids = load_array(directory / "item_ids.npy", mmap=False)
        outputs = load_array(directory / "output_embeddings.npy", mmap=True)
        projection = load_array(directory / "output_projection.npy", mmap=False)
    except (OSError, ValueError):
        logger.exception("Cannot load LM version %s from %s", active.id, directory)
        return None
    column_of = {int(article_id): row for row, article_id in enumerate(item_ids.tolist())}
    return SequenceOutputs(active.id, outputs, column_of, projection)


def sequence_state_key(*, version_id: int, user_id: int) -> str:
    return SEQUENCE_STATE.key(version=version_id, user=user_id)


def sequence_state_set(*, version_id: int, user_id: int, state: np.ndarray) -> None:
    """Store a reader's state float32 (dim + 1,) as bytes (a few hundred per reader)."""
    cache.set(
        sequence_state_key(version_id=version_id, user_id=user_id),
        np.asarray(state, dtype=np.float32).tobytes(),
        timeout=settings.RECSITE_LM_STATE_TTL_SECONDS,
    )


def sequence_state_get(*, version_id: int, user_id: int) -> np.ndarray | None:
    raw = cache.get(sequence_state_key(version_id=version_id, user_id=user_id))
    return None if raw is None else np.frombuffer(raw, dtype=np.float32)


def scores_for_state(
    loaded: SequenceOutputs, state: np.ndarray, article_ids: np.ndarray
) -> np.ndarray:
    """float32 (len(article_ids),): ``state . output row`` of each article; articles newer
    than the version through their text's projected row, -inf without an embedding."""
    ids = np.asarray(article_ids, dtype=np.int64)
    rows = np.array([loaded.column_of.get(int(pk), -1) for pk in ids.tolist()], dtype=np.int64)
    scores = np.full(len(ids), -np.inf, dtype=np.float32)
    known = rows >= 0
    if known.any():
        scores[known] = np.asarray(loaded.outputs[rows[known]]) @ state
    unknown = np.flatnonzero(~known)
    index = embedding_index() if len(unknown) else None
    if index is not None:
        found, vectors = index.vectors_of(ids[unknown].tolist())
        if found:
            position = {pk: at for at, pk in enumerate(ids.tolist())}
            new_rows = project_new_items(loaded.projection, vectors)
            scores[[position[pk] for pk in found]] = new_rows @ state
    return scores


def sequence_scores(
    user_id: int, article_ids: np.ndarray, version: lists.ActiveVersion | None = None
) -> np.ndarray | None:
    """float32 (len(article_ids),): LM ``version``'s next-article scores (higher: more likely
    next) of ``article_ids`` for ``user_id``, from the state the worker stored (default: the
    active LM; a hybrid passes the LM version it was fitted with); None without that LM (or
    its files) or when the reader has no state under it yet."""
    loaded = sequence_outputs(version)
    if loaded is None:
        return None
    state = sequence_state_get(version_id=loaded.version_id, user_id=user_id)
    if state is None or len(state) != loaded.outputs.shape[1]:
        return None
    return scores_for_state(loaded, state, article_ids)


def sequence_outputs_forget() -> None:
    """Drop the output embeddings this process holds (the next use loads the active ones)."""
    with _lock:
        _loaded.clear()
