"""Training an MF version from the live database: train -> validate -> write -> activate.

Validation is honest and simple: the model is fitted once on a warm split of the live
interactions (per reader 20% held out, fixed seed) and measured on the held-out part; the model
that then serves is fitted again on *all* the data with the same parameters. Those parameters
are searched first (recommender.training.search) on the training part of that split alone, and
the search is recorded in the metrics (``metrics["search"]``). Only after its
artifacts are complete on disk does the row become ``ready`` and, if not worse than the active
version beyond the tolerance, ``active`` (recommender.training.registry). Any failure marks the
row ``failed`` with the error and leaves the active version serving (the lifecycle shared with
the hybrid stage and the LM: recommender.training.lifecycle).
"""

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache

from recommender.ml.adapter import NotEnoughItems, TextAdapter, adapter_training_set
from recommender.ml.artifacts import save_json
from recommender.ml.base import fitted
from recommender.ml.data import build_interaction_matrix
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.splits import warm_split

from .. import selectors
from ..cache.task_results import task_result_get
from ..models import ModelVersion
from ..privacy import LOCK
from .ann import mf_index_write
from .embeddings import article_vectors
from .hybrid import HYBRID, MFRun, model_version_train_hybrid
from .lifecycle import Fitted, NotEnoughData, versioned_training
from .search import mf_params_search, search_deadline

logger = logging.getLogger(__name__)

RETRAIN_LOCK_KEY = LOCK.key(name="retrain")
VALIDATION_TEST_FRACTION = 0.2
STAGES = (
    "load data",
    "search settings",
    "fit on train split",
    "validate",
    "fit on all data",
    "write artifacts",
    "hybrid",
)
MF = ModelVersion.Kind.MF


class RetrainAlreadyRunning(Exception):
    pass


def retrain_running() -> bool:
    return cache.get(RETRAIN_LOCK_KEY) is not None


@dataclass(frozen=True)
class RetrainState:
    state: str  # "queued", "running" or "finished"
    version: ModelVersion | None  # the MF version a finished retraining trained


def retrain_state(*, task_id: str) -> RetrainState:
    """Where the retraining requested as ``task_id`` stands: finished (with the version it
    trained: active, ready or failed), running while a retraining holds the lock, else queued."""
    # The name recommender.tasks.retrain remembers its result under.
    done = task_result_get(name="retrain", task_id=task_id)
    if done is not None:
        version = ModelVersion.objects.filter(pk=done.get("version", 0)).first()
        return RetrainState("finished", version)
    return RetrainState("running" if retrain_running() else "queued", None)


def model_version_train_mf(*, progress: Callable[[str], None] | None = None) -> ModelVersion:
    """Train, validate, store and (maybe) activate a new MF version, then the hybrid over it
    (recommender.training.hybrid); returns the MF row, which is ``failed`` with ``error`` set if
    anything went wrong. Raises RetrainAlreadyRunning while another training holds the lock
    (workers, the admin and ``manage.py retrain`` share it)."""
    progress = progress or (lambda stage: None)
    model_kwargs = dict(settings.RECSITE_MF_PARAMS)
    runs: list[MFRun] = []  # what the fit hands the hybrid stage

    def hybrid_stage(version: ModelVersion) -> None:
        if version.status != ModelVersion.Status.FAILED:
            model_version_train_hybrid(mf_version=version, run=runs[0])
        progress(STAGES[6])

    return versioned_training(
        MF,
        params=ImplicitALS(**model_kwargs).params,  # recorded with the defaults filled in
        fit=lambda version: _fit(version, model_kwargs, progress, runs),
        lock_key=RETRAIN_LOCK_KEY,
        busy=RetrainAlreadyRunning("Another retraining is running."),
        also_interrupted=(HYBRID,),
        then=hybrid_stage,
        also_pruned=(HYBRID,),
        written=lambda: progress(STAGES[5]),
    )


def _fit(
    version: ModelVersion, model_kwargs: dict, progress: Callable[[str], None], runs: list
) -> Fitted:
    # Counted as they stream by: the rows are never held as a list (20M at the 100x scale).
    counter = itertools.count()
    rows = (row for row, _ in zip(selectors.training_rows(), counter, strict=False))
    matrix = build_interaction_matrix(
        rows,
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
        item_ids=selectors.published_article_ids(),
    )
    if matrix.positives.nnz == 0:
        raise NotEnoughData("No positive interactions with published articles to learn from.")
    version.data_counts = {
        "users": matrix.shape[0],
        "items": matrix.shape[1],
        "interactions": next(counter),
    }
    progress(STAGES[0])
    train, test = warm_split(
        matrix, test_fraction=VALIDATION_TEST_FRACTION, seed=settings.RECSITE_VALIDATION_SEED
    )
    # The settings are searched on ``train`` alone, so the validation split below still
    # measures a model that was not chosen on it.
    deadline = search_deadline()
    model_kwargs, search = mf_params_search(train, params=model_kwargs, deadline=deadline)
    version.params = ImplicitALS(**model_kwargs).params
    progress(STAGES[1])
    validation_model = ImplicitALS(**model_kwargs).fit(train)
    progress(STAGES[2])
    metrics: dict = evaluate(validation_model, train, test, ks=(10, 20))
    if search is not None:
        metrics["search"] = search
    progress(STAGES[3])
    model = ImplicitALS(**model_kwargs).fit(matrix)
    # The text adapter maps into this model's item factors, so it is fitted with them.
    adapter, adapter_metrics = _fit_adapter(model, matrix)
    metrics = {**metrics, **adapter_metrics}
    progress(STAGES[4])
    runs.append(MFRun(matrix, train, test, validation_model, model_kwargs, deadline))
    return metrics, lambda directory: _write(directory, model, adapter, version, metrics)


def _fit_adapter(model: ImplicitALS, matrix) -> tuple[TextAdapter | None, dict]:
    """The text -> item-factor adapter for this model (cold start from text), with its
    validation metrics; (None, {}) when too few items have text (new articles then wait for
    the next training)."""
    item_ids = np.asarray(matrix.item_ids).astype(np.int64)
    has_text, vectors = article_vectors(article_ids=item_ids.tolist())
    readers = np.diff(matrix.positives.tocsc().indptr)
    x, y = adapter_training_set(fitted(model.item_factors), readers, vectors, has_text)
    try:
        adapter = TextAdapter().fit(x, y, seed=settings.RECSITE_VALIDATION_SEED)
    except NotEnoughItems as exc:
        logger.info("No text adapter with this MF version: %s", exc)
        return None, {}
    return adapter, adapter.metrics


def _write(
    directory: Path,
    model: ImplicitALS,
    adapter: TextAdapter | None,
    version: ModelVersion,
    metrics: dict,
) -> None:
    model.save(directory)
    mf_index_write(directory=directory, model=model)
    if adapter is not None:
        adapter.save(directory)
    save_json(
        directory / "version.json",
        {
            "id": version.pk,
            "kind": MF,
            "params": version.params,
            "metrics": metrics,
            "data_counts": version.data_counts,
        },
    )
