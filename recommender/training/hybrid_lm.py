"""The hybrid stage with the sequence LM: when an LM version is active, the retrain's hybrid
(recommender.training.hybrid) is fitted with the LM's next-article score as a feature, and
serves with that LM version's reader states.

Honest validation rests on one fact: an LM version never learnt to predict any reader's last
article (it held each one out for early stopping, recommender.training.lm, and whatever a reader
read after its training it never saw). So each reader's last article is the validation item
here, the ``next`` protocol, and the readers who have one (two articles or more) are split at
random (seeded) into three groups:

- *weights* (half): the hybrid learns its weights on their last articles
  (HybridRecommender's next-item protocol, ``SequenceInput``);
- *choice* (a quarter): their last articles decide whether the LM feature stays: the hybrid
  with its LM weight against the same hybrid with that weight set to 0. The feature stays only
  if its weight is positive and it ranks these articles better (NDCG@10); otherwise the stage
  falls back to the hybrid without the LM (recommender.ml.hybrid.train_over_mf on MF's warm
  split, as without an active LM), whose LM weight is 0;
- *measured* (the rest): their last articles are the split the hybrid is compared with MF
  alone on before activation: the hybrid's NDCG@10 against ImplicitALS's, with the MF
  version's settings, fitted on the same data (everything but the choice and measured readers'
  last articles) — ``metrics["ndcg@10"]`` and ``metrics["mf_ndcg@10"]``, with
  ``metrics["validation_split"]`` saying so.

The hybrid's own settings (pool, dropped features) are searched on data neither validation
reads: MF's training split less the choice and measured readers' last articles. MF's settings
were searched on MF's training split, which may hold some of those articles as training data —
two numbers chosen, not a fit to them.

The LM version may be older than the catalogue: articles published since its training are
scored through their text's projected output row, and left out of reading histories, exactly as
web processes and workers do (recommender.runtime.sequences, recommender.ranking.sequence); an
article without text that the LM does not know gets a zero row here where serving gives it the
worst score.

The served hybrid records its LM version (``params["lm_version"]``, ``metrics["lm"]`` and its
``version.json``) and serves with that version's reader states until the next retrain, also
after another LM version is activated: its LM weight was learnt for that version's scores.
"""

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings

from recommender.ml.adapter import TextAdapter
from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid import HybridRecommender, SequenceInput
from recommender.ml.lm.model import SequenceLM
from recommender.ml.lm.sequences import ordered_histories
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.splits import next_item_split

from .. import selectors
from ..models import ModelVersion
from ..runtime.artifacts import artifact_directory

logger = logging.getLogger(__name__)

LM = ModelVersion.Kind.LM
WEIGHT_SHARE = 0.5  # of the readers with a last article: they teach the weights
CHOICE_SHARE = 0.25  # they decide whether the LM feature stays; the rest measure
NEXT_SPLIT = "next: the last article of readers held out from the weights and the LM choice"
METRIC = "ndcg@10"


@dataclass(frozen=True)
class ActiveLM:
    version: ModelVersion
    model: SequenceLM


def active_lm() -> ActiveLM | None:
    """The active LM version and its model (torch), None without one or if it cannot be read
    (logged: the hybrid is then fitted without the LM)."""
    version = ModelVersion.objects.filter(kind=LM, status=ModelVersion.Status.ACTIVE).first()
    if version is None or not version.artifact_path:
        return None
    try:
        model = SequenceLM.load(
            artifact_directory(version.artifact_path), threads=settings.RECSITE_LM_THREADS
        )
    except (OSError, ValueError, KeyError):
        logger.exception("Cannot load LM version %s: the hybrid is fitted without it", version.pk)
        return None
    return ActiveLM(version, model)


class CatalogueLM:
    """An LM version over another catalogue (the hybrid's matrix columns ``item_ids``, with
    their text ``vectors`` float32 (n, d) and ``has_text`` bool (n,)): the NextItemModel of
    recommender.ml.hybrid, scoring as web processes do (module docstring)."""

    def __init__(
        self, model: SequenceLM, item_ids: Sequence[int], vectors: np.ndarray, has_text: np.ndarray
    ) -> None:
        own_column = {int(pk): column for column, pk in enumerate(np.asarray(model.item_ids))}
        self.model = model
        self.lm_columns = np.array([own_column.get(int(pk), -1) for pk in item_ids], np.int64)
        own = np.asarray(model.output_embeddings(), dtype=np.float32)
        outputs = np.zeros((len(self.lm_columns), own.shape[1]), dtype=np.float32)
        known = self.lm_columns >= 0
        outputs[known] = own[self.lm_columns[known]]
        new = ~known & np.asarray(has_text, dtype=bool)
        if new.any():
            outputs[new] = model.new_item_outputs(np.asarray(vectors, dtype=np.float32)[new])
        self.outputs = outputs

    def states(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """float32 (len(histories), dim + 1) after histories of catalogue columns; articles the
        LM does not know are left out, as ranking.sequence.sequence_state_compute does."""
        return self.model.states(
            [
                [int(self.lm_columns[c]) for c in items if self.lm_columns[c] >= 0]
                for items in histories
            ]
        )

    def output_embeddings(self) -> np.ndarray:
        return self.outputs

    def new_item_outputs(self, text_embeddings: np.ndarray) -> np.ndarray:
        return self.model.new_item_outputs(text_embeddings)


@dataclass(frozen=True)
class NextSplit:
    """The LM protocol's split of a retrain's data (module docstring); matrices share the
    shape of the retrain's ``matrix``."""

    orders: list[list[int]]  # each row's positive items in reading order
    weight_readers: np.ndarray  # int64 rows
    held_readers: np.ndarray  # int64 rows: the choice and measured readers
    fit: InteractionMatrix  # all but the choice and measured readers' last articles
    choice: InteractionMatrix  # the choice readers' last articles
    measured: InteractionMatrix  # the measured readers' last articles

    def weight_histories(self) -> list[list[int]]:
        """Reading orders of ``fit``'s rows for the weights: the weight readers' whole orders
        (their last article is the hybrid's validation item), nothing for the others."""
        return _orders_of(self.orders, self.weight_readers)

    def scoring_histories(self) -> list[list[int]]:
        """Reading orders of ``fit``'s rows: the held-out readers' last articles left out."""
        held = set(self.held_readers.tolist())
        return [items[:-1] if row in held else items for row, items in enumerate(self.orders)]

    def search_data(self, train: InteractionMatrix) -> InteractionMatrix:
        """MF's training split ``train`` less the articles either validation reads."""
        data, _ = next_item_split(train, _orders_of(self.orders, self.held_readers))
        return data


def _orders_of(orders: list[list[int]], rows: np.ndarray) -> list[list[int]]:
    """``orders`` of ``rows``, empty for the other rows (next_item_split leaves them whole)."""
    chosen = set(rows.tolist())
    return [items if row in chosen else [] for row, items in enumerate(orders)]


def next_split(matrix: InteractionMatrix, *, seed: int) -> NextSplit:
    """Split ``matrix`` (a retrain's, all the data) for the LM protocol; the reading orders
    come from the interactions it was built from (selectors.training_rows)."""
    orders = ordered_histories(selectors.training_rows(), matrix).items
    readers = np.flatnonzero([len(items) >= 2 for items in orders])
    readers = np.random.default_rng(seed).permutation(readers)
    weights_end = int(round(WEIGHT_SHARE * len(readers)))
    choice_end = weights_end + int(round(CHOICE_SHARE * len(readers)))
    held = np.sort(readers[weights_end:])
    fit, _ = next_item_split(matrix, _orders_of(orders, held))
    _, choice = next_item_split(matrix, _orders_of(orders, readers[weights_end:choice_end]))
    _, measured = next_item_split(matrix, _orders_of(orders, readers[choice_end:]))
    return NextSplit(orders, np.sort(readers[:weights_end]), held, fit, choice, measured)


@dataclass(frozen=True)
class LMChoice:
    """What the choice readers said, for the version's metrics (``metrics["lm"]``)."""

    version_id: int
    kept: bool
    weight: float
    with_lm: float  # NDCG@10 of the choice readers' last articles
    without_lm: float
    choice_readers: int

    def record(self) -> dict[str, Any]:
        return {
            "version": self.version_id,
            "kept": self.kept,
            "weight": round(self.weight, 5),
            f"choice_{METRIC}_with_lm": round(self.with_lm, 5),
            f"choice_{METRIC}_without_lm": round(self.without_lm, 5),
            "choice_readers": self.choice_readers,
        }


def train_with_lm(
    vectors: np.ndarray,
    *,
    lm: ActiveLM,
    catalogue: CatalogueLM,
    split: NextSplit,
    matrix: InteractionMatrix,
    mf: ImplicitALS,
    adapter: TextAdapter | None,
    seed: int,
    ks: Sequence[int] = (10, 20),
    **params: Any,
) -> tuple[HybridRecommender | None, dict[str, Any], LMChoice]:
    """(the hybrid to serve — None when the choice readers drop the LM —, its metrics on the
    measured readers with MF's beside them, the choice) — see the module docstring. ``params``:
    HybridRecommender's keyword arguments (MF settings included); ``mf`` and ``adapter``: the
    MF version's full-data models, the served hybrid's MF base."""
    hybrid = HybridRecommender(
        vectors, sequence=SequenceInput(catalogue, split.weight_histories()), seed=seed, **params
    )
    # MF alone on this split, and the hybrid's MF base: the MF version's settings.
    split_mf = ImplicitALS(**hybrid.mf_params).fit(split.fit)
    hybrid.fit(split.fit, mf=split_mf)
    scoring = copy.copy(hybrid)
    scoring.sequence = SequenceInput(catalogue, split.scoring_histories())
    ablated = copy.copy(scoring)
    ablated.weights = {**hybrid.weights, "lm": 0.0}
    weight = hybrid.weights.get("lm", 0.0)
    with_lm = evaluate(scoring, split.fit, split.choice, ks=(10,))
    without_lm = evaluate(ablated, split.fit, split.choice, ks=(10,))
    choice = LMChoice(
        version_id=lm.version.pk,
        kept=weight > 0 and with_lm[METRIC] > without_lm[METRIC],
        weight=weight,
        with_lm=with_lm[METRIC],
        without_lm=without_lm[METRIC],
        choice_readers=int(with_lm["users_evaluated"]),
    )
    if not choice.kept:
        return None, {}, choice
    metrics: dict[str, Any] = evaluate(scoring, split.fit, split.measured, ks=ks)
    metrics[f"mf_{METRIC}"] = evaluate(split_mf, split.fit, split.measured, ks=(10,))[METRIC]
    metrics["validation_split"] = NEXT_SPLIT
    served = hybrid.refitted(matrix, mf=mf, adapter=adapter)
    # The served hybrid scores with the states web processes read; the orders above are the
    # validation's (request-model learning refits it on other splits, without them).
    served.sequence = None
    return served, metrics, choice
