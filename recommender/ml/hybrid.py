"""The hybrid ranker: a linear blend of MF, text, co-reading, popularity, recency and the
sequence LM's next-article score, with weights learned on held-out interactions. It is the model of
``evaluate_offline --model hybrid`` and the one the retraining pipeline trains and web
processes serve (``train_over_mf``, recommender.ranking.hybrid).

Training (``fit``):

1. The training interactions are split again: a random ``cold_fraction`` of the items is held
   out entirely (as if newly published), then ``validation_fraction`` of each reader's remaining
   items. The base models (hybrid_features.BaseModels) are fitted on what is left.
2. Each reader's candidate pool is the union of their top ``pool`` unseen items by MF,
   content similarity, co-reading, text neighbours and popularity, and the top cold items by
   MF (adapter), content and text neighbours. Every held-out (reader, item) pair inside the
   pool is a positive, paired with ``negatives`` other pool items (a held-out cold item: half
   of them cold, which is how a new article must win). Items nobody read at all in the data
   given to ``fit`` are negatives too with ``unread_negatives`` (the default): without them
   the held-out cold items, which all have readers, are the only cold items the ranker meets,
   so it learns that having no readers is a merit and lifts every never-read article of the
   catalogue (on the demo: 30 % of the top-10 slots, for 3 % of the held-out reads). A
   deployment whose unread articles are mostly just published may do better without them;
   the search decides on validation. A pairwise logistic (BPR-style) model, L2-regularised and
   solved by Newton's method, learns one weight per feature from the differences (positive -
   negative); ``dropped_features`` get none. A small pool keeps the training close to the top
   of the list, which is what NDCG@10 sees; the pool size, the dropped features and
   ``unread_negatives`` are chosen per deployment on validation data (recommender.ml.search),
   starting from 30, none and True.
3. The base models are refitted on all the training interactions (reusing an MF model and
   adapter already fitted on them, when given); the weights are kept.

Scoring (``reader_scores``, one reader from their history alone, the same function offline
and in the web process): the features of hybrid_features.BaseModels.reader_features are
blended over the whole catalogue, and the reader's pool is ranked above the rest (the weights
were learned to order the pool).

The LM is optional (``sequence``: a fitted ``SequenceLM`` and the reading orders of the
matrix's rows). Its feature is the reader's next-article scores, ``state . output row`` over the
whole catalogue (articles new to the LM through their text's projected row), standardised like
the others, and its top ``pool`` items join the candidate pool. Because the LM was trained on
everything but each reader's last item, that item is the validation split when an LM is given
("next" instead of a random 20%, and no items held out as new): the LM's feature is then
measured only on items it never learnt to predict, so its weight is honest. Scoring takes the
LM's scores as numbers (``lm_scores``): web processes get them from the state a worker stored
(recommender.runtime.sequences), offline evaluation from the model; no LM, no scores: the
feature is 0 (its mean) and the LM adds nothing to the pool.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
import scipy.sparse as sp

from recommender.ml.adapter import TextAdapter
from recommender.ml.artifacts import load_meta, save_meta
from recommender.ml.base import Recommender, fitted, top_n
from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid_features import FEATURES, BaseModels, NewItems
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.splits import cold_split, next_item_split, warm_split

ARTIFACT_FORMAT = 3  # 2 had the offline-only title LM's shortlist
L2 = 1e-3
NEWTON_STEPS = 25
POOL_GAP = 1.0  # between the worst score of a reader's candidate pool and the best of the rest
SOURCES = ("mf", "content", "neighbours", "text_neighbours", "popularity")
COLD_SOURCES = ("cold_mf", "cold_content", "cold_text_neighbours")  # cold items only


class NextItemModel(Protocol):
    """What the hybrid reads of a fitted sequence LM over its catalogue (``SequenceLM``, or an
    LM version mapped onto a newer catalogue): states of histories of catalogue columns, one
    output row per catalogue item, output rows for items it has not seen."""

    def states(self, histories: Sequence[Sequence[int]]) -> np.ndarray: ...

    def output_embeddings(self) -> np.ndarray: ...

    def new_item_outputs(self, text_embeddings: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class SequenceInput:
    """A fitted sequence LM over the hybrid's catalogue and ``histories``: each row's positive
    items of the matrix given to ``fit`` in reading order (``lm.sequences.ordered_histories``)."""

    model: NextItemModel
    histories: list[list[int]]

    def scores(self, histories: Sequence[Sequence[int]], outputs: np.ndarray) -> np.ndarray:
        """float32 (len(histories), len(outputs)) next-item scores against ``outputs``."""
        product: np.ndarray = self.model.states(histories) @ outputs.T
        return product


def fit_pairwise(differences: np.ndarray, *, l2: float = L2) -> np.ndarray:
    """Weights w float64 (f,) minimising mean log(1 + exp(-d.w)) + l2 |w|^2 over the rows d of
    ``differences`` (positive minus negative features); Newton's method with step halving."""
    d = np.asarray(differences, dtype=np.float64)
    w = np.zeros(d.shape[1])

    def loss(weights: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0.0, -(d @ weights))) + l2 * weights @ weights)

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
    ``sequence`` optional (the LM and the reading orders, see ``SequenceInput``); ``mf_params``
    go to ImplicitALS."""

    name = "hybrid"

    def __init__(
        self,
        item_embeddings: np.ndarray,
        *,
        item_ages_days: np.ndarray | None = None,
        sequence: SequenceInput | None = None,
        validation_fraction: float = 0.2,
        cold_fraction: float = 0.05,
        negatives: int = 20,
        pool: int = 30,
        dropped_features: Sequence[str] = (),
        unread_negatives: bool = True,
        seed: int = 0,
        **mf_params: Any,
    ) -> None:
        self.item_embeddings = item_embeddings
        self.item_ages_days = item_ages_days
        self.sequence = sequence
        self.settings: dict[str, Any] = {
            "validation_fraction": validation_fraction,
            "cold_fraction": cold_fraction,
            "negatives": negatives,
            "pool": pool,
            "dropped_features": sorted(dropped_features),
            "unread_negatives": unread_negatives,
            "seed": seed,
        }
        self.mf_params = {"seed": seed, **mf_params}
        self.weights: dict[str, float] = {}
        self.validation: dict[str, Any] = {}
        self.base: BaseModels | None = None
        self.item_ids: np.ndarray | None = None
        self.train_seconds = 0.0

    @property
    def params(self) -> dict[str, Any]:
        return {
            **(self.base.mf.params if self.base else self.mf_params),
            **self.settings,
            "weights": {name: round(value, 5) for name, value in self.weights.items()},
            **self.validation,
        }

    def _base(self, text_neighbours: sp.csr_matrix | None = None) -> BaseModels:
        base = BaseModels(
            self.item_embeddings, item_ages_days=self.item_ages_days, mf_params=self.mf_params
        )
        base.text_neighbours = text_neighbours
        return base

    def fit(
        self,
        matrix: InteractionMatrix,
        *,
        mf: ImplicitALS | None = None,
        adapter: TextAdapter | None = None,
    ) -> Self:
        """Learn the weights (module docstring), then fit the base models on ``matrix``,
        reusing ``mf`` (fitted on ``matrix``) and ``adapter`` (fitted on its factors) if given;
        the weights are learned with base models of the same parameters fitted on a split."""
        started = time.perf_counter()
        seed = self.settings["seed"]
        # With an LM the validation is each reader's next article: items held out as if new
        # would teach the ranker that articles nobody read are as likely next as read ones.
        cold_fraction = 0.0 if self.sequence is not None else self.settings["cold_fraction"]
        outer, cold_held, cold_items = cold_split(matrix, item_fraction=cold_fraction, seed=seed)
        orders = None
        if self.sequence is None:
            inner, warm_held = warm_split(
                outer, test_fraction=self.settings["validation_fraction"], seed=seed
            )
        else:
            # Each reader's last (warm) item: the LM never learnt to predict it.
            is_cold = np.zeros(matrix.shape[1], dtype=bool)
            is_cold[cold_items] = True
            warm = [
                [item for item in items if not is_cold[item]] for items in self.sequence.histories
            ]
            inner, warm_held = next_item_split(outer, warm)
            orders = [items[:-1] if len(items) >= 2 else items for items in warm]
        base = self._base().fit(inner)
        differences = self._pairs(
            base, inner, warm_held, cold_held, cold_items, self._lm_validation(orders, cold_items)
        )
        for name in self.settings["dropped_features"]:  # a zero column gets a zero weight
            differences[:, FEATURES.index(name)] = 0.0
        if len(differences):
            self.weights = dict(zip(FEATURES, fit_pairwise(differences).tolist(), strict=True))
        else:  # nothing held out to learn from (a tiny catalogue): MF alone
            self.weights = {name: float(name == "mf") for name in FEATURES}
        self.validation = {
            "validation_pairs": len(differences),
            "validation_pair_accuracy": round(
                float(np.mean(differences @ np.array(list(self.weights.values())) > 0))
                if len(differences)
                else 0.0,
                4,
            ),
        }
        self.base = self._base(base.text_neighbours).fit(matrix, mf=mf, adapter=adapter)
        self.item_ids = np.asarray(matrix.item_ids, dtype=str)
        self.train_seconds = time.perf_counter() - started
        return self

    def refitted(
        self,
        matrix: InteractionMatrix,
        *,
        mf: ImplicitALS | None = None,
        adapter: TextAdapter | None = None,
    ) -> HybridRecommender:
        """A copy with the same weights whose base models are fitted on ``matrix`` (the same
        catalogue, e.g. all the data after a validation fit on a split), reusing ``mf`` and
        ``adapter`` as ``fit`` does."""
        ids = np.asarray(matrix.item_ids, dtype=str)
        if self.item_ids is None or not np.array_equal(ids, self.item_ids):
            raise ValueError("refitted() needs the catalogue the hybrid was fitted on")
        started = time.perf_counter()
        model = copy.copy(self)
        model.base = self._base(fitted(self.base).text_neighbours).fit(
            matrix, mf=mf, adapter=adapter
        )
        model.train_seconds = self.train_seconds + time.perf_counter() - started
        return model

    def reader_scores(
        self,
        columns: np.ndarray,
        weights: np.ndarray,
        seen: np.ndarray,
        new: NewItems | None = None,
        lm_scores: np.ndarray | None = None,
    ) -> np.ndarray:
        """float32 (n_items + len(new),): one reader's ranking scores — what a web process
        serves and what ``score_users`` ranks offline. ``columns`` int64 (k,) and
        ``weights`` float32 (k,): their positive history in the catalogue (as
        ``data.fold_in_weights`` gives it); ``seen`` int64: every column they interacted with
        (dislikes too), left out of the candidate pool and left for the caller to mask;
        ``lm_scores`` float32 (n_items + len(new),): the sequence LM's scores for this reader
        (None: no LM state). The blend orders the reader's candidate pool; everything else is
        shifted below the pool's worst, keeping scores on the blend's scale (editorial rules
        normalise them)."""
        if not self.weights.get("lm"):
            lm_scores = None  # trained without an LM: its items must not join the pool either
        features = fitted(self.base).reader_features(columns, weights, new, lm_scores)
        scores = np.zeros(len(features["mf"]), dtype=np.float32)
        for name, values in features.items():
            if self.weights.get(name):
                scores += np.float32(self.weights[name]) * values
        in_pool = np.zeros(len(scores), dtype=bool)
        in_pool[self._pool(features, seen)] = True
        rest = ~in_pool
        rest[seen] = False
        if in_pool.any() and rest.any():
            scores[rest] += scores[in_pool].min() - POOL_GAP - scores[rest].max()
        return scores

    def _pool(self, features: dict[str, np.ndarray], seen: np.ndarray) -> np.ndarray:
        """Sorted candidate columns of one reader: the top ``pool`` unseen items by each of
        SOURCES (and the LM when it scored), and the top cold items by COLD_SOURCES."""
        size = self.settings["pool"]
        cold = features["cold"] > 0
        picks = []
        lm = ("lm",) if features["lm"].any() else ()  # without LM scores the feature is all 0
        for name in SOURCES + COLD_SOURCES + lm:
            scores = np.array(features[name], dtype=np.float32)
            if name in COLD_SOURCES:
                scores[~cold] = -np.inf
            scores[seen] = -np.inf
            picks.append(top_n(scores, size))
        return np.unique(np.concatenate(picks))

    def _pairs(
        self,
        base: BaseModels,
        inner: InteractionMatrix,
        warm_held: InteractionMatrix,
        cold_held: InteractionMatrix,
        cold_items: np.ndarray,
        lm_scores: np.ndarray | None,
    ) -> np.ndarray:
        """float32 (pairs, len(FEATURES)): positive minus negative features (see module doc);
        ``lm_scores`` float32 (n_users, n_items) from ``_lm_validation`` or None."""
        rng = np.random.default_rng(self.settings["seed"])
        held = (warm_held.positives + cold_held.positives).tocsr()
        users = np.flatnonzero(np.diff(held.indptr) > 0)
        is_cold = np.zeros(inner.shape[1], dtype=bool)
        is_cold[cold_items] = True
        # Items nobody read in the data given to fit: unknown (just published) or unwanted
        # (nobody reads them); the module docstring says why they are negatives by default.
        unread = np.zeros(0, dtype=np.int64)
        if not self.settings["unread_negatives"]:
            readers = np.bincount(held.indices, minlength=inner.shape[1]) + np.bincount(
                inner.positives.indices, minlength=inner.shape[1]
            )
            unread = np.flatnonzero(readers == 0)
        half = self.settings["negatives"] // 2
        chunks = []
        for user in users:
            columns, weights = history(inner, user)
            lm = None if lm_scores is None else lm_scores[user]
            features = base.reader_features(columns, weights, lm_scores=lm)
            pool = self._pool(features, inner.seen(user))
            positives = np.intersect1d(
                held.indices[held.indptr[user] : held.indptr[user + 1]], pool
            )
            pool = np.setdiff1d(pool, np.union1d(positives, unread), assume_unique=True)
            cold_pool = pool[is_cold[pool]]
            for item in positives:
                if is_cold[item] and len(cold_pool):
                    # A new article must beat other new ones (cold_pool) and old ones.
                    negatives = np.concatenate(
                        [rng.choice(cold_pool, size=half), rng.choice(pool, size=half)]
                    )
                elif len(pool):
                    negatives = rng.choice(pool, size=self.settings["negatives"])
                else:
                    continue
                items = np.concatenate([[item], negatives])
                rows = np.stack([features[name][items] for name in FEATURES], axis=1)
                chunks.append(rows[:1] - rows[1:])
        if not chunks:
            return np.zeros((0, len(FEATURES)), dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32)

    def _lm_validation(
        self, orders: list[list[int]] | None, cold_items: np.ndarray
    ) -> np.ndarray | None:
        """float32 (n_users, n_items): the LM's scores after each reader's validation history
        ``orders`` (None without an LM); held-out cold items are scored through their text's
        projected output row, as a web process scores an article newer than the LM."""
        if self.sequence is None or orders is None:
            return None
        outputs = np.array(self.sequence.model.output_embeddings(), dtype=np.float32)
        if len(cold_items):
            texts = np.asarray(self.item_embeddings, dtype=np.float32)[cold_items]
            outputs[cold_items] = self.sequence.model.new_item_outputs(texts)
        return self.sequence.scores(orders, outputs)

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """``reader_scores`` of each reader's row of ``matrix`` (the matrix ``fit`` was given,
        whose reading orders ``sequence`` holds), with the LM's scores when it has one."""
        users = np.asarray(user_indices, dtype=np.int64)
        lm_scores = None
        if self.sequence is not None:
            orders = [self.sequence.histories[int(user)] for user in users]
            lm_scores = self.sequence.scores(orders, self.sequence.model.output_embeddings())
        scores = np.zeros((len(users), matrix.shape[1]), dtype=np.float32)
        for row, user in enumerate(users):
            columns, weights = history(matrix, user)
            lm = None if lm_scores is None else lm_scores[row]
            scores[row] = self.reader_scores(columns, weights, matrix.seen(user), lm_scores=lm)
        return scores

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        fitted(self.base).save(directory)
        save_meta(
            directory / "hybrid.json",
            self.name,
            ARTIFACT_FORMAT,
            features=list(FEATURES),
            settings=self.settings,
            weights=self.weights,
            validation=self.validation,
            train_seconds=self.train_seconds,
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        meta = load_meta(directory / "hybrid.json", cls.name, ARTIFACT_FORMAT, "hybrid model")
        base = BaseModels.load(directory, mmap=mmap)
        model = cls(base.item_embeddings, item_ages_days=base.item_ages_days, **meta["settings"])
        model.base, model.item_ids = base, base.mf.item_ids
        model.mf_params = base.mf.params
        model.weights, model.validation = meta["weights"], meta["validation"]
        model.train_seconds = meta["train_seconds"]
        return model


def history(
    matrix: InteractionMatrix, user: int | np.integer[Any]
) -> tuple[np.ndarray, np.ndarray]:
    """(columns int64, event weights float32) of ``user``'s positive row of ``matrix``."""
    start, end = matrix.positives.indptr[user], matrix.positives.indptr[user + 1]
    return (
        matrix.positives.indices[start:end].astype(np.int64),
        matrix.positives.data[start:end].astype(np.float32),
    )


def train_over_mf(
    item_embeddings: np.ndarray,
    *,
    train: InteractionMatrix,
    test: InteractionMatrix,
    validation_mf: ImplicitALS,
    matrix: InteractionMatrix,
    mf: ImplicitALS,
    adapter: TextAdapter | None,
    ks: Sequence[int] = (10, 20),
    **params: Any,
) -> tuple[HybridRecommender, dict[str, float]]:
    """The retraining pipeline's hybrid over an MF version: fitted on MF's validation split
    ``train`` (reusing ``validation_mf``, the MF model fitted on it) and measured on ``test``
    like MF was, then refitted over the MF version's own full-data model ``mf`` and ``adapter``
    on all of ``matrix``. Returns (the hybrid to serve, its validation metrics)."""
    hybrid = HybridRecommender(item_embeddings, **params).fit(train, mf=validation_mf)
    metrics = evaluate(hybrid, train, test, ks=ks)
    return hybrid.refitted(matrix, mf=mf, adapter=adapter), metrics
