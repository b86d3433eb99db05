"""The experiment running on each surface, as serving reads it on every request
(``rec:experiment:<surface>``): one cache read, no SQL query on a hit.

Starting, pausing or stopping an experiment forgets the key once the change has committed; the
timeout is a safety net for a cache that missed the delete (a local-memory cache of another
process), as for the active versions (recommender.cache.lists)."""

from typing import NamedTuple

from django.core.cache import cache

from .. import selectors
from ..outbox import cache_forget
from ..privacy import EXPERIMENT

RUNNING_TTL_SECONDS = 60
NONE_RUNNING = (0,)


class ArmRef(NamedTuple):
    id: int
    label: str
    style: str  # "" for model arms and for the bandit policy
    version_id: int | None  # None for explanation-style arms
    kind: str | None
    mf_id: int | None  # the MF version the arm's list is folded in against
    mf_path: str | None
    artifact_path: str | None


class RunningExperiment(NamedTuple):
    id: int
    method: str
    traffic_share: float
    arms: tuple[ArmRef, ...]


def experiment_key(surface: str) -> str:
    return EXPERIMENT.key(surface=surface)


def running_experiment(*, surface: str) -> RunningExperiment | None:
    cached = cache.get(experiment_key(surface))
    if cached is None:
        cached = selectors.experiment_running_ref(surface=surface) or NONE_RUNNING
        cache.set(experiment_key(surface), cached, timeout=RUNNING_TTL_SECONDS)
    return running_from_cached(cached)


def running_from_cached(cached: tuple | None) -> RunningExperiment | None:
    """The experiment from the value stored under ``experiment_key`` (None: none runs)."""
    if cached is None or cached == NONE_RUNNING:
        return None
    experiment_id, method, share, arms = cached
    return RunningExperiment(experiment_id, method, share, tuple(ArmRef(*arm) for arm in arms))


def running_experiment_forget(*, surface: str) -> None:
    cache_forget(keys=[experiment_key(surface)])
