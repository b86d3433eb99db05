"""The hybrid ranker: a linear blend of MF, text, co-reading, popularity, recency (and the LM),
with weights learned on held-out interactions.

Training (``fit``):

1. The training interactions are split again: a random ``cold_fraction`` of the items is held
   out entirely (as if newly published), then ``validation_fraction`` of each reader's remaining
   items. The base models (hybrid_features.BaseModels) are fitted on what is left.
2. Every held-out (reader, item) pair is a positive; it is paired with ``negatives`` items the
   reader did not read, drawn from the reader's candidates — the union of the top ``pool`` items
   by MF, by content similarity and by co-reading, plus popular ones (a held-out cold item is
   paired with other cold items, which is how a new article must win). A pairwise logistic
   (BPR-style) model, L2-regularised and solved by Newton's method, learns one weight per
   feature from the feature differences (positive - negative).
3. The base models are refitted on all the training interactions; the weights are kept.

Scoring ranks the whole catalogue (every candidate source is thereby covered); with an LM,
its log-likelihood (standardised over the shortlist) is added for each reader's top
``lm_shortlist`` items only, because the LM scores a title in milliseconds, not microseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Self

import numpy as np

from recommender.ml.artifacts import load_json, save_json
from recommender.ml.base import Recommender
from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid_features import FEATURES, BaseModels, standardize
from recommender.ml.splits import cold_split, warm_split

ARTIFACT_FORMAT = 1
BATCH_USERS = 512
L2 = 1e-3
NEWTON_STEPS = 25

# (history column indices, candidate column indices) -> float (len(candidates),) log-likelihoods
LMScorer = Callable[[Sequence[int], np.ndarray], np.ndarray]


def fit_pairwise(differences: np.ndarray, *, l2: float = L2) -> np.ndarray:
    """Weights w float64 (f,) minimising mean log(1 + exp(-d.w)) + l2 |w|^2 over the rows d of
    ``differences`` (positive minus negative features); Newton's method with step halving."""
    d = np.asarray(differences, dtype=np.float64)
    w = np.zeros(d.shape[1])

    def loss(weights):
        return np.mean(np.logaddexp(0.0, -(d @ weights))) + l2 * weights @ weights

    for _ in range(NEWTON_STEPS):
        p = 1.0 / (1.0 + np.exp(np.clip(d @ w, -50, 50)))  # sigma(-d.w)
        gradient = -(d.T @ p) / len(d) + 2 * l2 * w
        hessian = (d.T * (p * (1 - p))) @ d / len(d) + 2 * l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        current, scale = loss(w), 1.0
        while loss(w - scale * step) > current and scale > 1e-4:
            scale /= 2
        w = w - scale * step
        if np.abs(scale * step).max() < 1e-6:
            break
    return w


class HybridRecommender(Recommender):
    """See the module docstring. ``item_embeddings`` float32 (n_items, d) aligned with the
    matrix columns (zero rows: no text); ``item_ages_days`` (n_items,) optional article ages;
    ``lm_scorer`` optional (e.g. ``LMRecommender.score_history``); ``mf_params`` go to
    ImplicitALS."""

    name = "hybrid"

    def __init__(
        self,
        item_embeddings: np.ndarray,
        *,
        item_ages_days: np.ndarray | None = None,
        lm_scorer: LMScorer | None = None,
        validation_fraction: float = 0.2,
        cold_fraction: float = 0.05,
        negatives: int = 20,
        pool: int = 100,
        lm_shortlist: int = 50,
        seed: int = 0,
        **mf_params,
    ) -> None:
        self.item_embeddings = item_embeddings
        self.item_ages_days = item_ages_days
        self.lm_scorer = lm_scorer
        self.settings = {
            "validation_fraction": validation_fraction,
            "cold_fraction": cold_fraction,
            "negatives": negatives,
            "pool": pool,
            "lm_shortlist": lm_shortlist,
            "seed": seed,
        }
        self.mf_params = {"seed": seed, **mf_params}
        self.weights: dict[str, float] = {}
        self.validation: dict = {}
        self.base: BaseModels | None = None
        self.item_ids: np.ndarray | None = None
        self.train_seconds = 0.0

    @property
    def params(self) -> dict:
        return {
            **(self.base.mf.params if self.base else self.mf_params),
            **self.settings,
            "weights": {name: round(value, 5) for name, value in self.weights.items()},
            **self.validation,
        }

    def _base(self) -> BaseModels:
        return BaseModels(
            self.item_embeddings, item_ages_days=self.item_ages_days, mf_params=self.mf_params
        )

    def fit(self, matrix: InteractionMatrix) -> Self:
        started = time.perf_counter()
        seed = self.settings["seed"]
        outer, cold_held, cold_items = cold_split(
            matrix, item_fraction=self.settings["cold_fraction"], seed=seed
        )
        inner, warm_held = warm_split(
            outer, test_fraction=self.settings["validation_fraction"], seed=seed
        )
        base = self._base().fit(inner)
        differences = self._pairs(base, inner, warm_held, cold_held, cold_items)
        self.weights = dict(zip(FEATURES, fit_pairwise(differences).tolist(), strict=True))
        self.validation = {
            "validation_pairs": len(differences),
            "validation_pair_accuracy": round(
                float(np.mean(differences @ np.array(list(self.weights.values())) > 0)), 4
            ),
        }
        self.base = self._base().fit(matrix)
        self.item_ids = np.asarray(matrix.item_ids, dtype=str)
        self.train_seconds = time.perf_counter() - started
        return self

    def _pairs(self, base, inner, warm_held, cold_held, cold_items) -> np.ndarray:
        """float32 (pairs, len(FEATURES)): positive minus negative features (see module doc)."""
        rng = np.random.default_rng(self.settings["seed"])
        held = (warm_held.positives + cold_held.positives).tocsr()
        users = np.flatnonzero(np.diff(held.indptr) > 0)
        is_cold = np.zeros(inner.shape[1], dtype=bool)
        is_cold[cold_items] = True
        popular = np.argsort(-base.popularity, kind="stable")[: self.settings["pool"]]
        chunks = []
        for start in range(0, len(users), BATCH_USERS):
            batch = users[start : start + BATCH_USERS]
            blocks = dict(base.features(batch, inner))
            shortlist = {name: blocks[name] for name in ("mf", "content", "neighbours")}
            for row, user in enumerate(batch):
                positives = held.indices[held.indptr[user] : held.indptr[user + 1]]
                excluded = np.union1d(positives, inner.seen(user))
                warm_pool = np.union1d(
                    np.concatenate(
                        [_top(s[row], self.settings["pool"]) for s in shortlist.values()]
                        + [popular]
                    ),
                    [],
                ).astype(np.int64)
                cold_pool = np.union1d(
                    _top(np.where(is_cold, blocks["content"][row], -np.inf), self.settings["pool"]),
                    [],
                ).astype(np.int64)
                for item in positives:
                    pool = cold_pool if is_cold[item] else warm_pool
                    pool = np.setdiff1d(pool, excluded, assume_unique=True)
                    if len(pool) == 0:
                        continue
                    negatives = rng.choice(pool, size=self.settings["negatives"])
                    pos = np.array([self._column(blocks, name, row, [item]) for name in FEATURES])
                    neg = np.array([self._column(blocks, name, row, negatives) for name in FEATURES])
                    lm = self._lm_pair(inner, user, item, negatives)
                    if lm is not None:
                        pos[-1], neg[-1] = lm
                    chunks.append((pos - neg).T)
        return np.concatenate(chunks).astype(np.float32)

    @staticmethod
    def _column(blocks, name, row, items) -> np.ndarray:
        if name == "lm":
            return np.zeros(len(items), dtype=np.float32)
        return np.asarray(blocks[name][row, items], dtype=np.float32)

    def _lm_pair(self, inner, user, item, negatives):
        """(positive, negatives) LM features standardised together, or None without an LM."""
        if self.lm_scorer is None:
            return None
        history = inner.positives.indices[inner.positives.indptr[user] : inner.positives.indptr[user + 1]]
        scored = standardize(
            np.asarray(self.lm_scorer(history.tolist(), np.concatenate([[item], negatives])))[None]
        )[0]
        return scored[:1], scored[1:]

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        users = np.asarray(user_indices, dtype=np.int64)
        scores = np.zeros((len(users), matrix.shape[1]), dtype=np.float32)
        for name, block in self.base.features(users, matrix):
            if self.weights.get(name):
                scores += np.float32(self.weights[name]) * block
        if self.lm_scorer is not None and self.weights.get("lm"):
            self._add_lm(scores, users, matrix)
        return scores

    def _add_lm(self, scores: np.ndarray, users: np.ndarray, matrix: InteractionMatrix) -> None:
        """Adds weight * standardised LM log-likelihood to each reader's shortlist, in place."""
        shortlist = self.settings["lm_shortlist"]
        for row, user in enumerate(users):
            ranked = scores[row].copy()
            ranked[matrix.seen(user)] = -np.inf
            items = _top(ranked, shortlist)
            history = matrix.positives.indices[
                matrix.positives.indptr[user] : matrix.positives.indptr[user + 1]
            ]
            likelihoods = np.asarray(self.lm_scorer(history.tolist(), items), dtype=np.float32)
            scores[row, items] += np.float32(self.weights["lm"]) * standardize(likelihoods[None])[0]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        self.base.save(directory)
        save_json(
            directory / "hybrid.json",
            {
                "model": self.name,
                "format": ARTIFACT_FORMAT,
                "settings": self.settings,
                "weights": self.weights,
                "validation": self.validation,
                "train_seconds": self.train_seconds,
            },
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        meta = load_json(directory / "hybrid.json")
        if meta.get("model") != cls.name or meta.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"{directory} does not hold a format-{ARTIFACT_FORMAT} hybrid model")
        base = BaseModels.load(directory, mmap=mmap)
        model = cls(base.item_embeddings, item_ages_days=base.item_ages_days, **meta["settings"])
        model.base, model.item_ids = base, base.mf.item_ids
        model.mf_params = base.mf.params
        model.weights, model.validation = meta["weights"], meta["validation"]
        model.train_seconds = meta["train_seconds"]
        return model


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` largest finite entries of ``scores`` (any order)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) <= n:
        return finite
    return finite[np.argpartition(-scores[finite], n - 1)[:n]]
