"""The sequence LM in workers: a reader's sequence state, and their next articles.

Loading the model imports torch (lazily, in recommender.ml.lm), so only workers and commands
call this module: ``refresh_user_lists`` stores each reader's states (under the LM versions
the served hybrids were fitted with, and the active one) before it recomputes the list (the web
process then scores with numpy, recommender.runtime.sequences), and
``next_articles`` answers "what next?" for the generative endpoint. Every answer is a real,
published article the reader has not interacted with: the scores are computed for the current
published catalogue only, never generated as free tokens.
"""

import logging
import threading

import numpy as np
from django.conf import settings

from articles.selectors import published_titles, reading_orders
from recommender.ml.base import top_n as best_indices
from recommender.ml.lm.model import SequenceLM

from .. import selectors
from ..cache import lists
from ..cache.experiments import running_experiment
from ..models import Experiment, ModelVersion
from ..runtime.artifacts import artifact_directory, keep_loaded
from ..runtime.history import positive_events
from ..runtime.sequences import (
    scores_for_state,
    sequence_outputs,
    sequence_outputs_forget,
    sequence_state_set,
)
from . import experiments

logger = logging.getLogger(__name__)

LM = ModelVersion.Kind.LM

_lock = threading.Lock()
_loaded: dict[tuple[int, str], SequenceLM | None] = {}


def loaded_sequence_lm(
    version: lists.ActiveVersion | None = None,
) -> tuple[int, SequenceLM] | None:
    """(version id, model) of LM ``version`` (default: the active one), loaded once per process
    and version (torch); None without one or when its files cannot be read."""
    active = version or lists.active_version(kind=LM)
    if active is None:
        return None
    key = (active.id, active.artifact_path)
    with _lock:
        if key not in _loaded:
            model: SequenceLM | None = None
            try:
                model = SequenceLM.load(
                    artifact_directory(active.artifact_path), threads=settings.RECSITE_LM_THREADS
                )
            except (OSError, ValueError, KeyError):
                logger.exception("Cannot load LM version %s", active.id)
            keep_loaded(_loaded, key, model)
        loaded = _loaded[key]
    return None if loaded is None else (active.id, loaded)


def sequence_state_compute(
    *, user_id: int, version: lists.ActiveVersion | None = None
) -> tuple[int, np.ndarray] | None:
    """(LM version id, the reader's state float32 (dim + 1,)) from their reading order now,
    under LM ``version`` (default: the active one); articles the version does not know are
    left out of the history. None without an LM."""
    loaded = loaded_sequence_lm(version)
    if loaded is None:
        return None
    version_id, model = loaded
    column_of = {int(pk): column for column, pk in enumerate(np.asarray(model.item_ids).tolist())}
    order = reading_orders(events=positive_events(), user_id=user_id).get(user_id, [])
    history = [column_of[pk] for pk in order if pk in column_of]
    return version_id, model.states([history])[0]


def sequence_state_refresh(*, user_id: int) -> list[int]:
    """Compute and store the reader's state under every LM version a list may need: the
    LM version each serving hybrid was fitted with (it scores with that version's states until
    the next retrain, recommender.training.hybrid_lm) and the active one (the next retrain's
    hybrid will score with it). Returns the LM version ids stored under ([] without an LM)."""
    stored = []
    for version in _lm_versions_in_use():
        computed = sequence_state_compute(user_id=user_id, version=version)
        if computed is None:
            continue
        version_id, state = computed
        sequence_state_set(version_id=version_id, user_id=user_id, state=state)
        stored.append(version_id)
    return stored


def _lm_versions_in_use() -> list[lists.ActiveVersion | None]:
    """None for the active LM, then the LM versions of the hybrids that rank lists (the active
    one, a running experiment's arms) when another."""
    rankers = [experiments.active_ranker()]
    running = running_experiment(surface=Experiment.Surface.LIST)
    if running is not None:
        rankers += [
            experiments.arm_ranker(arm)
            for arm in running.arms
            if arm.version_id is not None and arm.mf_id is not None
        ]
    active = lists.active_version(kind=LM)
    versions: list[lists.ActiveVersion | None] = [None] if active is not None else []
    for ranker in rankers:
        lm = ranker.hybrid.lm_version if ranker.hybrid is not None else None
        if lm is not None and lm != active and lm not in versions:
            versions.append(lm)
    return versions


def next_articles(
    user_id: int, top_n: int, version: lists.ActiveVersion | None = None
) -> list[tuple[int, float]]:
    """Up to ``top_n`` (article id, score) the LM expects ``user_id`` to read next,
    best first: published articles they have not interacted with (read, dismissed, ...). A
    reader without history gets the articles the model finds likeliest for anyone (their
    biases). ``version``: an experiment arm's LM instead of the active one. [] without an
    LM."""
    computed = sequence_state_compute(user_id=user_id, version=version)
    outputs = sequence_outputs(version)
    if computed is None or outputs is None or outputs.version_id != computed[0]:
        return []
    seen = {article_id for article_id, _, _ in selectors.interaction_events_of(user_id=user_id)}
    candidates = np.array(
        [pk for pk, _title in published_titles() if pk not in seen],
        dtype=np.int64,
    )
    if not len(candidates):
        return []
    scores = scores_for_state(outputs, computed[1], candidates)
    top = [row for row in best_indices(scores, top_n) if np.isfinite(scores[row])]
    return [(int(candidates[row]), float(scores[row])) for row in top]


class NoLanguageModel(Exception):
    """No LM version is active (or its artifacts cannot be read)."""


def lm_recommend(
    *,
    user_id: int | None,
    user_input: str = "",
    top_n: int = 5,
    version: lists.ActiveVersion | None = None,
) -> dict:
    """{"model_version": id, "results": [{"article_id", "score"}]}: the reader's next articles
    (``next_articles``; none for an anonymous caller) under LM ``version`` (default: the active
    one). ``user_input`` is not read here: the request path ranks requests in words. Raises
    NoLanguageModel when there is no such LM."""
    loaded = loaded_sequence_lm(version)
    if loaded is None:
        raise NoLanguageModel("no language model trained yet")
    found = [] if user_id is None else next_articles(user_id, top_n, version)
    return {
        "model_version": loaded[0],
        "results": [{"article_id": pk, "score": score} for pk, score in found],
    }


def lm_forget_loaded() -> None:
    """Drop the LM this process holds, and its output embeddings (the next use loads the
    active version afresh)."""
    with _lock:
        _loaded.clear()
    sequence_outputs_forget()
