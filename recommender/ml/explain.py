"""Why MF recommended an item: the reader's own items, weighted by how much each one adds to it.

Hu, Koren & Volinsky (2008, §5) observe that the fold-in user vector of weighted implicit ALS is
linear in the reader's confidences: with W = Y^T Y + Y^T (C - I) Y + reg I (the user's own
system, C the diagonal of confidences c_j = 1 + alpha w_j over their items),

    x = W^-1 Y^T C p    so    score(i) = y_i^T x = sum_j s_ij c_j p_j,   s_ij = y_i^T W^-1 y_j

(p_j = 1 on the reader's items). ``s_ij c_j`` is item j's contribution to item i's score; the
contributions add up exactly to the score that served it, so the largest ones are the evidence.
W depends on the whole history, so removing an item changes every contribution: whether a
citation is faithful is checked by ablation (``ablation_lowers_score``), re-solving the fold-in
without the cited items. The citation choice (``faithful_citation``, ``supported_citation``) takes
the ablation test as a function, so the hybrid's lists are explained by the same rules against
their own score (recommender.ml.explain_hybrid). Pure numpy over a fitted or loaded ImplicitALS.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from .base import fitted, top_n
from .mf import ImplicitALS

# Whether removing the given history positions lowers one target's score (the ranker's own
# ablation test: a citation is faithful when it does).
Lowers = Callable[[Sequence[int]], bool]

# "Close in subject": the cosine of two all-MiniLM-L6-v2 title + summary embeddings at least
# this (unrelated scientific abstracts sit around 0.1-0.3, same-subject ones above 0.5).
SIMILAR_TEXT_MIN = 0.5

# Candidates for the "and N more on <topic>" part: the strongest contributors after the lead.
EXTRA_POOL = 10


def user_system(
    model: ImplicitALS, item_indices: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, ...]:
    """(confidence float64 (k,), W float64 (f, f)) of one reader's fold-in.

    item_indices int64 (k,) distinct columns; weights float (k,) > 0, as ``fold_in_weights``
    returns them (``fold_in`` would ignore weights <= 0, which would misalign positions here).
    """
    weights = np.asarray(weights, dtype=np.float64)
    if (weights <= 0).any():
        raise ValueError("weights must be positive (as fold_in_weights returns them)")
    extra = model.alpha * weights  # c_j - 1
    y = np.asarray(
        fitted(model.item_factors)[np.asarray(item_indices, dtype=np.int64)], dtype=np.float64
    )
    system = np.array(model.gramian, dtype=np.float64) + (y.T * extra) @ y
    system[np.diag_indices_from(system)] += model.regularization
    return 1.0 + extra, system


def mf_contributions(
    model: ImplicitALS, item_indices: np.ndarray, weights: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Item-item contributions of a reader's items to the scores of ``targets``.

    item_indices int64 (k,), weights float (k,) > 0 (see ``user_system``); targets int64 (t,).
    Returns float64 (t, k): entry (r, j) is history item j's contribution to ``targets[r]``;
    row r sums to the fold-in score of ``targets[r]`` (up to rounding).
    """
    targets = np.asarray(targets, dtype=np.int64)
    if len(item_indices) == 0:
        return np.zeros((len(targets), 0))
    confidence, system = user_system(model, item_indices, weights)
    factors = fitted(model.item_factors)
    history = np.asarray(factors[np.asarray(item_indices, dtype=np.int64)], np.float64)
    solved = np.linalg.solve(system, history.T)  # W^-1 y_j for every history item, (f, k)
    similarity = np.asarray(factors[targets], dtype=np.float64) @ solved
    contributions: np.ndarray = similarity * confidence
    return contributions


@dataclass(frozen=True)
class Citation:
    """Positions into the history arrays: ``lead`` is named, ``extra`` counted "and N more";
    ``topic`` (when given) is shared by the target, the lead and every extra."""

    lead: int
    extra: tuple[int, ...]
    topic: str | None

    @property
    def positions(self) -> tuple[int, ...]:
        return (self.lead, *self.extra)


def select_citation(
    contributions: np.ndarray,
    *,
    trust: np.ndarray | None = None,
    topics_of: Callable[[int], Collection[str]] | None = None,
    target_topics: Collection[str] = (),
    max_extra: int = 3,
) -> Citation | None:
    """The history items to cite for one target, or None when nothing contributes positively.

    contributions float64 (k,) (one row of ``mf_contributions``); trust float (k,) in [0, 1]
    multiplies them for ranking (1 - the reader's penalty on that evidence; 0 never cites it).
    Only positive contributors are cited: the lead is the strongest, the extras are further
    strong contributors sharing a topic with the target and the lead (``topics_of(position)``).
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    ranking = contributions * (np.ones_like(contributions) if trust is None else trust)
    eligible = np.flatnonzero((contributions > 0) & (ranking > 0))
    if len(eligible) == 0:
        return None
    ordered = eligible[top_n(ranking[eligible], 1 + EXTRA_POOL)]
    lead = int(ordered[0])
    if topics_of is None or not target_topics:
        return Citation(lead, (), None)
    pool = [int(position) for position in ordered[1 : 1 + EXTRA_POOL]]
    shared = [topic for topic in sorted(target_topics) if topic in set(topics_of(lead))]
    best_topic: str | None = None
    best_extra: tuple[int, ...] = ()
    for topic in shared:
        extra = tuple(p for p in pool if topic in set(topics_of(p)))[:max_extra]
        if best_topic is None or len(extra) > len(best_extra):
            best_topic, best_extra = topic, extra
    return Citation(lead, best_extra, best_topic)


def ablated_score(
    model: ImplicitALS,
    item_indices: np.ndarray,
    weights: np.ndarray,
    target: int,
    removed: Collection[int],
) -> float:
    """The fold-in score of ``target`` once the item columns ``removed`` leave the history."""
    item_indices = np.asarray(item_indices, dtype=np.int64)
    keep = ~np.isin(item_indices, np.asarray(list(removed), dtype=np.int64))
    vector = model.fold_in(item_indices[keep], np.asarray(weights)[keep])
    return float(np.asarray(fitted(model.item_factors)[target], dtype=np.float64) @ vector)


def ablation_lowers_score(
    model: ImplicitALS,
    item_indices: np.ndarray,
    weights: np.ndarray,
    target: int,
    removed: Collection[int],
    *,
    baseline: float | None = None,
) -> bool:
    """Faithfulness of a citation: does removing the cited columns lower ``target``'s score?

    ``baseline``: ``ablated_score(..., removed=())``, when the caller already computed it.
    """
    if baseline is None:
        baseline = ablated_score(model, item_indices, weights, target, ())
    return ablated_score(model, item_indices, weights, target, removed) < baseline


def mf_lowers(
    model: ImplicitALS,
    item_indices: np.ndarray,
    weights: np.ndarray,
    target: int,
    *,
    baseline: float | None = None,
) -> Lowers:
    """The ablation test of MF citations of ``target``: history positions -> does removing
    them from the fold-in (re-solved) lower ``target``'s score?"""
    item_indices = np.asarray(item_indices, dtype=np.int64)
    if baseline is None:
        baseline = ablated_score(model, item_indices, weights, target, ())

    def lowers(positions: Sequence[int]) -> bool:
        removed = item_indices[list(positions)]
        return ablation_lowers_score(
            model, item_indices, weights, target, removed, baseline=baseline
        )

    return lowers


def faithful_citation(
    contributions: np.ndarray,
    lowers: Lowers,
    *,
    trust: np.ndarray | None = None,
    topics_of: Callable[[int], Collection[str]] | None = None,
    target_topics: Collection[str] = (),
    max_extra: int = 3,
    attempts: int = 3,
) -> Citation | None:
    """``select_citation``, kept only if removing the cited items lowers the target's score
    (``lowers``: the ranker's own ablation test, ``mf_lowers`` or
    recommender.ml.explain_hybrid's).

    Contributions only estimate what removing an item does (MF: exact for the full history,
    but W changes when items leave it), so a positive contributor can fail the ablation: then
    the extras are dropped, and if the lead alone fails it is passed over for the next one (at
    most ``attempts`` leads).
    """
    trust = np.ones(len(contributions)) if trust is None else np.array(trust, dtype=np.float64)
    for _ in range(attempts):
        citation = select_citation(
            contributions,
            trust=trust,
            topics_of=topics_of,
            target_topics=target_topics,
            max_extra=max_extra,
        )
        if citation is None:
            return None
        tries = [citation, Citation(citation.lead, (), None)] if citation.extra else [citation]
        for candidate in tries:
            if lowers(candidate.positions):
                return candidate
        trust[citation.lead] = 0.0
    return None


def supported_citation(
    contributions: np.ndarray,
    support: np.ndarray,
    lowers: Lowers,
    *,
    minimum: float,
    trust: np.ndarray | None = None,
) -> int | None:
    """Position of the history item to cite for a second kind of reason, or None.

    support float (k,): how strongly each history item supports that reason (co-readers with
    the target: "readers of X also read this"; text similarity: "close in subject to X"; NaN
    where unknown). Among the strongest positive contributors (so that the citation is also a
    reason of the score), the best supported one with support >= ``minimum`` whose removal
    lowers the score (``lowers``, as in ``faithful_citation``).
    """
    contributions = np.asarray(contributions, dtype=np.float64)
    support = np.nan_to_num(np.asarray(support, dtype=np.float64), nan=-np.inf)
    trust = np.ones(len(contributions)) if trust is None else np.asarray(trust, dtype=np.float64)
    ranking = contributions * trust
    eligible = np.flatnonzero((contributions > 0) & (ranking > 0) & (support >= minimum))
    pool = eligible[top_n(ranking[eligible], EXTRA_POOL)]
    for position in sorted(pool.tolist(), key=lambda p: (-support[p], -ranking[p])):
        if lowers((position,)):
            return int(position)
    return None
