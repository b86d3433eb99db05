"""Which arm of a running experiment a reader is served, and the team-draft interleaved list.

Assignment is a stable hash of (experiment id, reader id) mapped to [0, 1): the same reader
always lands in the same place for one experiment (so cached lists and pages stay theirs), and
two experiments split readers independently. Below the traffic share the reader is in the
experiment: A/B gives them the arm their hash falls in, interleaving gives them one list merged
from every arm's ranking (recommender.ml.experiments.interleaving.team_draft), each position
remembering the arm that contributed it so a click credits that arm.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from recommender.ml.experiments import interleaving

from ..cache import lists
from ..cache.experiments import ArmRef, RunningExperiment
from ..models import Experiment
from ..runtime.hybrid import LoadedHybrid, loaded_hybrid, loaded_hybrid_version

INTERLEAVING = Experiment.Method.INTERLEAVING


@dataclass(frozen=True)
class Assignment:
    experiment: RunningExperiment
    arm: ArmRef | None  # None: the reader sees every arm interleaved


class Ranker(NamedTuple):
    """What ranks a list: the MF version folded in against, the hybrid over it (or None), and
    the version id the reader's list is cached under (the hybrid's, else the MF version's, 0
    without a model)."""

    list_version_id: int
    mf: lists.ActiveVersion | None
    hybrid: LoadedHybrid | None


def reader_bucket(*, experiment_id: int, user_id: int) -> float:
    """The reader's stable place in [0, 1) for this experiment."""
    digest = hashlib.sha256(f"{experiment_id}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8]) / 2**64


def reader_assignment(*, experiment: RunningExperiment | None, user_id: int) -> Assignment | None:
    """The reader's arm (or the interleaved list) in ``experiment``; None outside it (the
    active versions serve them)."""
    if experiment is None or not experiment.arms:
        return None
    bucket = reader_bucket(experiment_id=experiment.id, user_id=user_id)
    if bucket >= experiment.traffic_share:
        return None
    if experiment.method == INTERLEAVING:
        return Assignment(experiment, None)
    # Inside the share the bucket is uniform again: split it evenly between the arms.
    index = int(bucket / experiment.traffic_share * len(experiment.arms))
    return Assignment(experiment, experiment.arms[min(index, len(experiment.arms) - 1)])


def active_ranker() -> Ranker:
    mf = lists.active_version(kind="mf")
    hybrid = loaded_hybrid(mf=mf)
    if hybrid is not None:
        return Ranker(hybrid.version_id, mf, hybrid)
    return Ranker(mf.id if mf is not None else 0, mf, None)


def arm_ranker(arm: ArmRef) -> Ranker:
    """An MF arm ranks with its MF version alone; a hybrid arm with the hybrid over its MF base
    (a hybrid whose files cannot be read falls back to that base, logged by the loader)."""
    assert arm.version_id is not None and arm.mf_id is not None, "a model arm"
    mf = lists.ActiveVersion(arm.mf_id, arm.mf_path or "")
    if arm.kind == "hybrid":
        hybrid = loaded_hybrid_version(
            version=lists.ActiveVersion(arm.version_id, arm.artifact_path or "")
        )
        if hybrid is not None:
            return Ranker(hybrid.version_id, mf, hybrid)
    return Ranker(mf.id, mf, None)


def interleaved(
    *, experiment: RunningExperiment, user_id: int, arm_lists: list[lists.ReaderList]
) -> tuple[lists.ReaderList, dict[int, ArmRef]]:
    """The team-draft merge of the arms' lists (in ``experiment.arms`` order) and the arm that
    contributed each article. The draw is seeded by the experiment, the reader and the lists,
    so the merged list is the same on every request until one of the lists changes (which
    keeps the reader's cached pages valid) and new again after it."""
    rankings = [[article_id for article_id, _, _ in ranked.items] for ranked in arm_lists]
    length = len({article_id for ranking in rankings for article_id in ranking})
    drawn = hashlib.sha256(repr((experiment.id, user_id, rankings)).encode()).digest()
    items, teams = interleaving.team_draft(
        rankings, length, np.random.default_rng(int.from_bytes(drawn[:8]))
    )
    # Each article keeps the score and topics its contributing arm gave it.
    entries = [{item[0]: item for item in ranked.items} for ranked in arm_lists]
    strategies = {ranked.strategy for ranked in arm_lists}
    strategy = strategies.pop() if len(strategies) == 1 else arm_lists[0].strategy
    merged = lists.ReaderList(
        strategy,
        tuple(entries[team][article_id] for article_id, team in zip(items, teams, strict=True)),
    )
    contributed = {
        article_id: experiment.arms[team] for article_id, team in zip(items, teams, strict=True)
    }
    return merged, contributed
