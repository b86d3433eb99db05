"""The one lifecycle of every versioned training (MF, its hybrid stage, LM): lock, mark the
rows an interrupted training left, create the version row, fit, write the artifacts to a new
directory, activate if not worse, prune.

A failure at any step of ``version_train`` marks the row ``failed`` with the innermost frames
of the error and leaves the active version serving: artifacts are written to a temporary
directory and renamed into place only once complete (recommender.ml.artifacts), and the row
becomes ``ready`` only after that.
"""

import logging
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from recommender.ml.artifacts import write_artifact_dir

from .. import selectors
from ..models import ModelVersion
from ..runtime.artifacts import artifact_directory
from .locks import LockHeld, cache_lock
from .registry import model_version_activate_if_not_worse

logger = logging.getLogger(__name__)

# What a fit returns: the validation metrics, and how to write the artifacts into a directory.
Fitted = tuple[dict, Callable[[Path], None]]


class NotEnoughData(Exception):
    pass


def versioned_training(
    kind: str,
    *,
    params: dict,
    fit: Callable[[ModelVersion], Fitted],
    lock_key: str,
    busy: Exception,
    also_interrupted: tuple[str, ...] = (),
    then: Callable[[ModelVersion], None] | None = None,
    also_pruned: tuple[str, ...] = (),
    written: Callable[[], None] | None = None,
) -> ModelVersion:
    """Train a new ``kind`` version under ``lock_key`` (``fit`` gets its row and may fill
    ``data_counts``), activate it unless it is worse than the active one, run ``then`` on it
    (e.g. a stage trained over it), prune old versions of ``kind`` and ``also_pruned``;
    ``written`` is called once the artifact directory is in place. Returns
    the row, ``failed`` with ``error`` set if anything went wrong; raises ``busy`` while another
    training holds the lock."""
    try:
        # The lock expires soon after its holder dies (a SIGKILLed worker), not hours later.
        with cache_lock(lock_key, timeout=settings.RECSITE_RETRAIN_LOCK_SECONDS):
            _fail_interrupted((kind, *also_interrupted))
            version = version_train(kind, params=params, fit=fit, written=written)
            if version.status != ModelVersion.Status.FAILED:
                version = model_version_activate_if_not_worse(version=version)
            if then is not None:
                then(version)
            for pruned in (kind, *also_pruned):
                model_versions_prune(kind=pruned)
            return version
    except LockHeld:
        raise busy from None


def _fail_interrupted(kinds: tuple[str, ...]) -> None:
    # Holding the lock, no other training of these kinds runs: a row still "training" lost its
    # worker.
    ModelVersion.objects.filter(kind__in=kinds, status=ModelVersion.Status.TRAINING).update(
        status=ModelVersion.Status.FAILED, error="Interrupted: the training process stopped."
    )


def version_train(
    kind: str,
    *,
    params: dict,
    fit: Callable[[ModelVersion], Fitted],
    written: Callable[[], None] | None = None,
) -> ModelVersion:
    """Create a ``kind`` row, fit, write its artifact directory; the row ends ``ready`` (with
    metrics, artifact path and training time) or ``failed``. Activation is the caller's."""
    version = ModelVersion.objects.create(kind=kind, params=params)
    started = time.monotonic()
    try:
        metrics, write = fit(version)
        directory = _artifacts_write(kind, version, write)
        if written is not None:
            written()
    except Exception:
        logger.exception("Training of %s version %s failed", kind, version.pk)
        version.status = ModelVersion.Status.FAILED
        version.error = traceback.format_exc(limit=-5)[-4000:]  # the innermost frames
        version.train_seconds = time.monotonic() - started
        version.save()
        return version
    version.metrics = metrics
    version.artifact_path = str(directory.relative_to(settings.RECSITE_ARTIFACT_DIR))
    version.train_seconds = time.monotonic() - started
    version.status = ModelVersion.Status.READY
    version.save()
    return version


def _artifacts_write(kind: str, version: ModelVersion, write: Callable[[Path], None]) -> Path:
    return write_artifact_dir(
        Path(settings.RECSITE_ARTIFACT_DIR) / kind,
        f"v{version.pk}-{timezone.now():%Y%m%d%H%M%S}",
        write,
    )


def model_versions_prune(*, kind: str) -> list[ModelVersion]:
    """Retire versions beyond the newest settings.RECSITE_KEEP_VERSIONS and delete their
    artifacts, plus directories no kept row points to (left by a killed training). The active
    version, the one a rollback would return to and the arms of running experiments are always
    kept. Call with the training lock held, so no training is writing a directory meanwhile."""
    kept_statuses = [ModelVersion.Status.READY, ModelVersion.Status.ACTIVE]
    versions = list(selectors.model_versions(kind=kind).filter(status__in=kept_statuses))
    keep: set[int | None] = {version.pk for version in versions[: settings.RECSITE_KEEP_VERSIONS]}
    keep |= selectors.pinned_version_ids()
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
