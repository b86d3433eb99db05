"""Training an MF version from the live database: train -> validate -> write -> activate.

Validation is honest and simple: the model is fitted once on a warm split of the live
interactions (per reader 20% held out, fixed seed) and measured on the held-out part; the model
that then serves is fitted again on *all* the data with the same parameters. Only after its
artifacts are complete on disk does the row become ``ready`` and, if not worse than the active
version beyond the tolerance, ``active`` (recommender.services.registry). Any failure marks the
row ``failed`` with the error and leaves the active version serving.
"""

import logging
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from recommender.ml.adapter import NotEnoughItems, TextAdapter, adapter_training_set
from recommender.ml.artifacts import save_json, write_artifact_dir
from recommender.ml.data import build_interaction_matrix
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.splits import warm_split

from .. import selectors
from ..models import ModelVersion
from ..privacy import LOCK
from .embeddings import article_vectors
from .hybrid_training import HYBRID, MFRun, model_version_train_hybrid
from .loading import artifact_directory
from .locks import LockHeld, cache_lock
from .registry import model_version_activate_if_not_worse

logger = logging.getLogger(__name__)

RETRAIN_LOCK_KEY = LOCK.key(name="retrain")
VALIDATION_TEST_FRACTION = 0.2
STAGES = (
    "load data",
    "fit on train split",
    "validate",
    "fit on all data",
    "write artifacts",
    "hybrid",
)
MF = ModelVersion.Kind.MF


class RetrainAlreadyRunning(Exception):
    pass


class NotEnoughData(Exception):
    pass


def retrain_running() -> bool:
    return cache.get(RETRAIN_LOCK_KEY) is not None


def model_version_train_mf(*, progress: Callable[[str], None] | None = None) -> ModelVersion:
    """Train, validate, store and (maybe) activate a new MF version, then the hybrid over it
    (recommender.services.hybrid_training); returns the MF row, which is ``failed`` with
    ``error`` set if anything went wrong. Raises RetrainAlreadyRunning while
    another training holds the lock (workers, the admin and ``manage.py retrain`` share it)."""
    try:
        # The lock expires soon after its holder dies (a SIGKILLed worker), not hours later.
        with cache_lock(RETRAIN_LOCK_KEY, timeout=settings.RECSITE_RETRAIN_LOCK_SECONDS):
            _fail_interrupted()
            progress = progress or (lambda stage: None)
            version, run = _train(progress)
            if version.status != ModelVersion.Status.FAILED:
                version = model_version_activate_if_not_worse(version=version)
                model_version_train_hybrid(mf_version=version, run=run)
            progress(STAGES[5])
            model_versions_prune(kind=MF)
            model_versions_prune(kind=HYBRID)
            return version
    except LockHeld:
        raise RetrainAlreadyRunning("Another retraining is running.") from None


def _fail_interrupted() -> None:
    # Holding the lock, no other MF training runs: a row still "training" lost its worker.
    ModelVersion.objects.filter(kind__in=[MF, HYBRID], status=ModelVersion.Status.TRAINING).update(
        status=ModelVersion.Status.FAILED, error="Interrupted: the training process stopped."
    )


def _train(progress: Callable[[str], None]) -> tuple[ModelVersion, MFRun | None]:
    model_kwargs = dict(settings.RECSITE_MF_PARAMS)
    params = ImplicitALS(**model_kwargs).params  # recorded with the defaults filled in
    version = ModelVersion.objects.create(kind=MF, params=params)
    started = time.monotonic()
    try:
        rows = selectors.training_rows()
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
            "interactions": len(rows),
        }
        progress(STAGES[0])
        train, test = warm_split(
            matrix, test_fraction=VALIDATION_TEST_FRACTION, seed=settings.RECSITE_VALIDATION_SEED
        )
        validation_model = ImplicitALS(**model_kwargs).fit(train)
        progress(STAGES[1])
        metrics = evaluate(validation_model, train, test, ks=(10, 20))
        progress(STAGES[2])
        model = ImplicitALS(**model_kwargs).fit(matrix)
        # The text adapter maps into this model's item factors, so it is fitted with them.
        adapter, adapter_metrics = _fit_adapter(model, matrix)
        metrics = {**metrics, **adapter_metrics}
        progress(STAGES[3])
        directory = write_artifact_dir(
            Path(settings.RECSITE_ARTIFACT_DIR) / MF,
            f"v{version.pk}-{timezone.now():%Y%m%d%H%M%S}",
            lambda tmp: _write(tmp, model, adapter, version, metrics),
        )
        progress(STAGES[4])
    except Exception:
        logger.exception("Training of MF version %s failed", version.pk)
        version.status = ModelVersion.Status.FAILED
        version.error = traceback.format_exc(limit=-5)[-4000:]  # the innermost frames
        version.train_seconds = time.monotonic() - started
        version.save()
        return version, None
    version.metrics = metrics
    version.artifact_path = str(directory.relative_to(settings.RECSITE_ARTIFACT_DIR))
    version.train_seconds = time.monotonic() - started
    version.status = ModelVersion.Status.READY
    version.save()
    return version, MFRun(matrix, train, test, validation_model, model_kwargs)


def _fit_adapter(model: ImplicitALS, matrix) -> tuple[TextAdapter | None, dict]:
    """The text -> item-factor adapter for this model (cold start from text), with its
    validation metrics; (None, {}) when too few items have text (new articles then wait for
    the next training)."""
    item_ids = np.asarray(matrix.item_ids).astype(np.int64)
    has_text, vectors = article_vectors(article_ids=item_ids.tolist())
    readers = np.diff(matrix.positives.tocsc().indptr)
    x, y = adapter_training_set(model.item_factors, readers, vectors, has_text)
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


def model_versions_prune(*, kind: str) -> list[ModelVersion]:
    """Retire versions beyond the newest settings.RECSITE_KEEP_VERSIONS and delete their
    artifacts, plus directories no kept row points to (left by a killed training). The active
    version and the one a rollback would return to are always kept. Call with the retrain lock
    held, so no training is writing a directory meanwhile."""
    kept_statuses = [ModelVersion.Status.READY, ModelVersion.Status.ACTIVE]
    versions = list(selectors.model_versions(kind=kind).filter(status__in=kept_statuses))
    keep = {version.pk for version in versions[: settings.RECSITE_KEEP_VERSIONS]}
    for version in versions:
        if version.status == ModelVersion.Status.ACTIVE:
            keep |= {version.pk, version.previous_active_id}
    retired = [version for version in versions if version.pk not in keep]
    for version in retired:
        if version.artifact_path:
            shutil.rmtree(artifact_directory(version.artifact_path), ignore_errors=True)
        version.status = ModelVersion.Status.RETIRED
        version.save(update_fields=["status"])
    referenced = {version.artifact_path for version in versions if version.pk in keep}
    root = Path(settings.RECSITE_ARTIFACT_DIR) / kind
    if root.is_dir():
        for child in root.iterdir():
            if f"{kind}/{child.name}" not in referenced:
                shutil.rmtree(child, ignore_errors=True)
    return retired
