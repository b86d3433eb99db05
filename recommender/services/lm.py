"""Training an LM version from the live database: histories -> train -> validate -> write ->
activate.

Histories are the readers' positive interactions with published articles in the order of their
first interaction (``articles.selectors.reading_orders``). Each reader's last article is held out:
the model trains on the rest within settings.RECSITE_LM_TIME_BUDGET_SECONDS, and is measured on
the held-out articles (perplexity of their titles, and Recall@K/NDCG@K of generating them among
all unread articles for settings.RECSITE_LM_VALIDATION_USERS readers). Unlike MF, the validated
model is the one that serves: a second fit on all data would double a training that is bounded
by time, for one article per reader. Torch is imported only once training starts.
"""

import logging
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from articles.selectors import published_titles, reading_orders
from recommender.ml.artifacts import save_json, write_artifact_dir
from recommender.ml.lm.evaluation import validate
from recommender.ml.lm.histories import leave_last_out
from recommender.ml.lm.recommender import LMRecommender

from ..models import ModelVersion
from ..privacy import LOCK
from .locks import LockHeld, cache_lock
from .personalisation import opted_out_user_ids
from .registry import model_version_activate_if_not_worse
from .training import NotEnoughData, model_versions_prune

logger = logging.getLogger(__name__)

LM = ModelVersion.Kind.LM
LM_LOCK_KEY = LOCK.key(name="retrain:lm")
STAGES = ("load data", "train", "validate", "write artifacts")
# Share of the progress bar each stage fills (training is most of the time).
STAGE_SHARE = {"load data": 0.02, "train": 0.83, "validate": 0.13, "write artifacts": 0.02}

Progress = Callable[[str, float], None]  # (stage, fraction of the whole job done, 0..1)


class LMTrainingAlreadyRunning(Exception):
    pass


def positive_events() -> list[str]:
    return [event for event, weight in settings.RECSITE_EVENT_WEIGHTS.items() if weight > 0]


def lm_training_running() -> bool:
    return cache.get(LM_LOCK_KEY) is not None


def model_version_train_lm(*, progress: Progress | None = None) -> ModelVersion:
    """Train, validate, store and (maybe) activate a new LM version; returns its row, ``failed``
    with ``error`` set if anything went wrong. Raises LMTrainingAlreadyRunning while another LM
    training holds the lock (MF trainings have their own)."""
    try:
        # The lock expires soon after its holder dies (a SIGKILLed worker), not hours later.
        with cache_lock(LM_LOCK_KEY, timeout=settings.RECSITE_RETRAIN_LOCK_SECONDS):
            # Holding the lock, no other LM training runs: a row still "training" lost its
            # worker.
            ModelVersion.objects.filter(kind=LM, status=ModelVersion.Status.TRAINING).update(
                status=ModelVersion.Status.FAILED,
                error="Interrupted: the training process stopped.",
            )
            version = _train(progress or (lambda stage, fraction: None))
            if version.status != ModelVersion.Status.FAILED:
                version = model_version_activate_if_not_worse(version=version)
            model_versions_prune(kind=LM)
            return version
    except LockHeld:
        raise LMTrainingAlreadyRunning("Another LM training is running.") from None


def _stage_done(progress: Progress, stage: str) -> None:
    done = sum(STAGE_SHARE[name] for name in STAGES[: STAGES.index(stage) + 1])
    progress(stage, min(1.0, done))


def _train(progress: Progress) -> ModelVersion:
    params = {
        **settings.RECSITE_LM_PARAMS,
        "time_budget_s": settings.RECSITE_LM_TIME_BUDGET_SECONDS,
        "base": settings.RECSITE_LM_BASE,
        "seed": settings.RECSITE_VALIDATION_SEED,
    }
    recommender = LMRecommender(**params)
    version = ModelVersion.objects.create(kind=LM, params=recommender.params)
    started = time.monotonic()
    try:
        catalogue = published_titles()
        column = {article_id: index for index, (article_id, _) in enumerate(catalogue)}
        opted_out = opted_out_user_ids()
        orders = {
            reader: articles
            for reader, articles in reading_orders(events=positive_events()).items()
            if reader not in opted_out
        }
        histories = [[column[a] for a in articles] for articles in orders.values()]
        train_histories, held_out = leave_last_out(histories)
        if not any(train_histories):
            raise NotEnoughData("No reader has read a published article yet.")
        version.data_counts = {
            "readers": len(histories),
            "articles": len(catalogue),
            "interactions": sum(len(history) for history in histories),
            "held_out": len(held_out),
        }
        _stage_done(progress, "load data")
        train_share, before = STAGE_SHARE["train"], STAGE_SHARE["load data"]
        recommender.fit_histories(
            item_ids=np.array([article_id for article_id, _ in catalogue], dtype=np.int64),
            titles=[title for _, title in catalogue],
            histories=train_histories,
            callback=lambda step: progress("train", before + train_share * step.fraction),
        )
        _stage_done(progress, "train")
        metrics = validate(
            recommender,
            held_out,
            ks=(10, 20),
            max_users=settings.RECSITE_LM_VALIDATION_USERS,
            seed=settings.RECSITE_VALIDATION_SEED,
        )
        stats = recommender.train_stats
        metrics.update(
            train_loss=stats.loss, steps=stats.steps, epochs=stats.epochs, tokens=stats.tokens
        )
        if not np.isfinite(metrics["perplexity"]):
            metrics["perplexity"] = None  # nothing held out; JSON has no infinity
        _stage_done(progress, "validate")
        directory = write_artifact_dir(
            Path(settings.RECSITE_ARTIFACT_DIR) / LM,
            f"v{version.pk}-{timezone.now():%Y%m%d%H%M%S}",
            lambda tmp: _write(tmp, recommender, version, metrics),
        )
        _stage_done(progress, "write artifacts")
    except Exception:
        logger.exception("Training of LM version %s failed", version.pk)
        version.status = ModelVersion.Status.FAILED
        version.error = traceback.format_exc(limit=-5)[-4000:]
        version.train_seconds = time.monotonic() - started
        version.save()
        return version
    version.metrics = metrics
    version.artifact_path = str(directory.relative_to(settings.RECSITE_ARTIFACT_DIR))
    version.train_seconds = time.monotonic() - started
    version.status = ModelVersion.Status.READY
    version.save()
    return version


def _write(
    directory: Path, recommender: LMRecommender, version: ModelVersion, metrics: dict
) -> None:
    recommender.save(directory)
    save_json(
        directory / "version.json",
        {
            "id": version.pk,
            "kind": LM,
            "params": version.params,
            "metrics": metrics,
            "data_counts": version.data_counts,
        },
    )
