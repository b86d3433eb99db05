"""Model selection on validation data carved from the training interactions (DESIGN §5).

A bounded random search, as Gorse's model search does: the settings a deployment starts from
are tried first, then other points of a small grid in a seeded random order, each once, until
the budget is spent. The budget is a number of trials (fits), which makes a search reproducible
whatever the machine's load, and a deadline in seconds, which bounds it on a slow machine: no
trial starts after the deadline (one that started runs to its end). The best validation score
wins; ties go to the earlier trial, so the starting settings are kept unless something beats
them.

Every score comes from ``search_split``: per reader, a seeded part of the *training*
interactions is held out for validation and the candidate is fitted on the rest. Nothing here
ever sees a test split. ``search_mf`` and ``search_hybrid`` are the two searches a retrain and
``evaluate_offline`` run; pure numpy (ALS trains in torch inside ImplicitALS.fit).
"""

from __future__ import annotations

import copy
import itertools
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.hybrid_features import FEATURES
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.splits import warm_split

METRIC = "ndcg@10"
VALIDATION_FRACTION = 0.2
# Readers whose held-out items score a trial (a seeded sample): enough for differences of a
# few thousandths in NDCG@10 on citeulike-a, and it keeps a trial's scoring to seconds.
VALIDATION_READERS = 2000
# Where a search starts when a deployment pins nothing else (the settings' MF parameters and
# the hybrid's constructor defaults), and the values it may try instead.
MF_SPACE: dict[str, tuple[Any, ...]] = {
    "factors": (64, 128, 256, 400, 600),
    "regularization": (0.01, 0.1, 1.0),
    "alpha": (10.0, 20.0, 40.0),
    "iterations": (15, 25),
}
HYBRID_SPACE: dict[str, tuple[Any, ...]] = {"pool": (30, 15, 60), "unread_negatives": (True, False)}
# Features of items without training readers: a warm validation split cannot judge them.
COLD_FEATURES = frozenset(name for name in FEATURES if name.startswith("cold"))


@dataclass(frozen=True)
class Budget:
    """At most ``trials`` trials, none started after ``deadline`` (a ``clock`` reading)."""

    trials: int
    deadline: float = float("inf")


@dataclass(frozen=True)
class Trial:
    """One scored setting; an ``ablation`` was scored without a refit and is never chosen."""

    settings: dict[str, Any]
    score: float
    seconds: float
    ablation: bool = False


@dataclass
class SearchResult:
    """The trials in the order they ran; ``stopped_by`` is "trials", "deadline" or "space"
    (every point tried)."""

    trials: list[Trial]
    seconds: float
    stopped_by: str
    pinned: dict[str, Any] = field(default_factory=dict)

    @property
    def best(self) -> Trial:
        fitted = [trial for trial in self.trials if not trial.ablation]
        return max(fitted, key=lambda trial: trial.score)  # the first of equal scores

    def record(self) -> dict[str, Any]:
        """JSON for ModelVersion.metrics["search"] and evaluate_offline's output."""
        return {
            "metric": f"validation {METRIC}",
            "chosen": self.best.settings,
            "score": round(self.best.score, 5),
            "tried": [
                {
                    "settings": t.settings,
                    "score": round(t.score, 5),
                    "seconds": round(t.seconds, 2),
                    **({"ablation": True} if t.ablation else {}),
                }
                for t in self.trials
            ],
            "seconds": round(self.seconds, 1),
            "stopped_by": self.stopped_by,
            "pinned": self.pinned,
        }


def grid(
    space: Mapping[str, Sequence[Any]], *, first: Mapping[str, Any], seed: int
) -> Iterator[dict[str, Any]]:
    """``first`` (dict), then every other point of the grid ``space`` once, in a seeded random
    order. ``first`` must hold a value for each name of ``space``."""
    names = list(space)
    start = {name: first[name] for name in names}
    yield start
    points = [
        dict(zip(names, values, strict=True)) for values in itertools.product(*space.values())
    ]
    points = [point for point in points if point != start]
    for index in np.random.default_rng(seed).permutation(len(points)):
        yield points[index]


def random_search(
    candidates: Iterator[dict[str, Any]],
    score: Callable[[dict[str, Any]], float],
    *,
    budget: Budget,
    clock: Callable[[], float] = time.perf_counter,
) -> SearchResult:
    """Score ``candidates`` in order within ``budget``; at least the first is always scored."""
    started = clock()
    trials: list[Trial] = []
    stopped_by = "space"
    for settings in candidates:
        if trials and len(trials) >= budget.trials:
            stopped_by = "trials"
            break
        if trials and clock() >= budget.deadline:
            stopped_by = "deadline"
            break
        begun = clock()
        value = float(score(settings))
        trials.append(Trial(settings, value, clock() - begun))
    return SearchResult(trials, clock() - started, stopped_by)


def search_split(
    matrix: InteractionMatrix, *, seed: int, readers: int = VALIDATION_READERS
) -> tuple[InteractionMatrix, InteractionMatrix]:
    """(fit, validation): per reader a seeded 20 % of ``matrix``'s items held out (a warm
    split), the held-out part kept for a seeded sample of at most ``readers`` readers."""
    fit, validation = warm_split(matrix, test_fraction=VALIDATION_FRACTION, seed=seed)
    with_items = np.flatnonzero(np.diff(validation.positives.indptr))
    if len(with_items) > readers:
        keep = np.random.default_rng(seed).choice(with_items, size=readers, replace=False)
        mask = np.zeros(matrix.shape[0], dtype=np.float32)
        mask[keep] = 1.0
        validation.positives = sp.csr_matrix(sp.diags(mask) @ validation.positives)
        validation.positives.eliminate_zeros()
    return fit, validation


def _space_for(
    space: Mapping[str, Sequence[Any]], pinned: Mapping[str, Any]
) -> dict[str, tuple[Any, ...]]:
    return {name: tuple(values) for name, values in space.items() if name not in pinned}


def search_mf(
    matrix: InteractionMatrix,
    *,
    params: Mapping[str, Any],
    pinned: Mapping[str, Any] | None = None,
    space: Mapping[str, Sequence[Any]] = MF_SPACE,
    budget: Budget,
    seed: int = 0,
) -> SearchResult:
    """ImplicitALS settings for ``matrix`` (training interactions only): ``params`` (keyword
    arguments, e.g. settings.RECSITE_MF_PARAMS) are tried first; ``pinned`` settings are never
    changed. Factor counts above the smaller side of the matrix are not tried. The chosen
    settings are ``result.best.settings`` (merge them over ``params``)."""
    pinned = dict(pinned or {})
    fixed = {**params, **pinned}
    rank = min(matrix.shape)
    space = _space_for(space, pinned)
    if "factors" in space:
        space["factors"] = tuple(f for f in space["factors"] if f <= rank) or (fixed["factors"],)
    fit, validation = search_split(matrix, seed=seed)

    def score(settings: dict[str, Any]) -> float:
        model = ImplicitALS(**{**fixed, **settings}).fit(fit)
        return evaluate(model, fit, validation, ks=(10,))[METRIC]

    result = random_search(grid(space, first=fixed, seed=seed), score, budget=budget)
    result.pinned = pinned
    return result


def search_hybrid(
    matrix: InteractionMatrix,
    item_embeddings: np.ndarray,
    *,
    params: Mapping[str, Any],
    pinned: Mapping[str, Any] | None = None,
    space: Mapping[str, Sequence[Any]] = HYBRID_SPACE,
    budget: Budget,
    seed: int = 0,
    clock: Callable[[], float] = time.perf_counter,
) -> SearchResult:
    """HybridRecommender settings for ``matrix`` (training interactions only). ``params`` are
    its keyword arguments (MF settings included); ``space`` names not in ``params`` start from
    the constructor's defaults. The hybrid's MF base is fitted once on the fit part and shared
    by the trials. After the grid, each feature the best trial weighs is ablated (its weight
    set to 0, no refit; the cold-item features excepted, see COLD_FEATURES). The features whose
    ablation *raised* the validation score are then dropped together in one more trial, a
    refit (``dropped_features``: the other weights are learned without them), which counts
    against ``budget.trials`` and is chosen only if it beats every other fitted trial: a
    feature is dropped only when validation says the model is better without it. Ablations
    are not fits: they do not count against ``budget.trials``, but respect its deadline."""
    pinned = dict(pinned or {})
    fixed = {**params, **pinned}
    defaults = HybridRecommender(item_embeddings).settings
    space = _space_for(space, pinned)
    fit, validation = search_split(matrix, seed=seed)
    mf_params = {name: value for name, value in fixed.items() if name not in defaults}
    mf = ImplicitALS(**{**mf_params, "seed": seed}).fit(fit)
    models: list[HybridRecommender] = []

    def score(settings: dict[str, Any]) -> float:
        model = HybridRecommender(item_embeddings, **{**fixed, "seed": seed, **settings})
        model.fit(fit, mf=mf)
        models.append(model)
        return evaluate(model, fit, validation, ks=(10,))[METRIC]

    started = clock()
    first = {**defaults, **fixed}
    result = random_search(grid(space, first=first, seed=seed), score, budget=budget, clock=clock)
    result.pinned = pinned
    if "dropped_features" in pinned:
        return result
    best, best_model = result.best, models[result.trials.index(result.best)]

    helpful = [name for name, weight in best_model.weights.items() if weight]
    dropped = []
    for name in (name for name in helpful if name not in COLD_FEATURES):
        if clock() >= budget.deadline:
            result.stopped_by = "deadline"
            break
        begun = clock()
        value = evaluate(_without(best_model, [name]), fit, validation, ks=(10,))[METRIC]
        settings = {**best.settings, "dropped_features": [name]}
        result.trials.append(Trial(settings, value, clock() - begun, ablation=True))
        if value > best.score:
            dropped.append(name)
    fits = sum(not trial.ablation for trial in result.trials)
    if dropped and fits < budget.trials and clock() < budget.deadline:
        settings = {**best.settings, "dropped_features": dropped}
        begun = clock()
        value = score(settings)
        result.trials.append(Trial(settings, value, clock() - begun))
    elif dropped:
        result.stopped_by = "trials" if fits >= budget.trials else "deadline"
    result.seconds = clock() - started
    return result


def _without(model: HybridRecommender, names: Sequence[str]) -> HybridRecommender:
    """A shallow copy of ``model`` that gives the features ``names`` no weight."""
    ablated = copy.copy(model)
    ablated.weights = {name: 0.0 if name in names else w for name, w in model.weights.items()}
    return ablated


def tuned_mf(
    matrix: InteractionMatrix,
    *,
    params: Mapping[str, Any],
    pinned: Mapping[str, Any],
    budget: Budget,
    seed: int = 0,
) -> tuple[ImplicitALS, dict[str, Any]]:
    """(ImplicitALS with the searched settings fitted on all of ``matrix``, {"mf": the search's
    record}): what ``evaluate_offline --model mf`` trains."""
    result = search_mf(matrix, params=params, pinned=pinned, budget=budget, seed=seed)
    chosen = {**params, **pinned, **result.best.settings, "seed": seed}
    return ImplicitALS(**chosen).fit(matrix), {"mf": result.record()}


def tuned_hybrid(
    matrix: InteractionMatrix,
    item_embeddings: np.ndarray,
    *,
    params: Mapping[str, Any],
    pinned: Mapping[str, Any],
    mf_budget: Budget,
    hybrid_budget: Budget,
    seed: int = 0,
) -> tuple[HybridRecommender, dict[str, Any]]:
    """(HybridRecommender fitted on all of ``matrix`` with searched MF settings, then searched
    hybrid settings over them; {"mf": record, "hybrid": record}): what ``evaluate_offline
    --model hybrid`` trains. ``pinned`` may hold either model's settings."""
    hybrid_names = set(HybridRecommender(item_embeddings).settings)
    mf_pinned = {name: value for name, value in pinned.items() if name not in hybrid_names}
    hybrid_pinned = {name: value for name, value in pinned.items() if name in hybrid_names}
    mf = search_mf(matrix, params=params, pinned=mf_pinned, budget=mf_budget, seed=seed)
    mf_chosen = {**params, **mf_pinned, **mf.best.settings}
    mf_chosen.pop("seed", None)
    hybrid = search_hybrid(
        matrix,
        item_embeddings,
        params=mf_chosen,
        pinned=hybrid_pinned,
        budget=hybrid_budget,
        seed=seed,
    )
    chosen = {**mf_chosen, **hybrid_pinned, **hybrid.best.settings, "seed": seed}
    model = HybridRecommender(item_embeddings, **chosen).fit(matrix)
    return model, {"mf": mf.record(), "hybrid": hybrid.record()}
