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

from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache

from articles.selectors import published_titles, reading_orders
from recommender.ml.artifacts import save_json
from recommender.ml.base import fitted
from recommender.ml.lm.evaluation import validate
from recommender.ml.lm.histories import leave_last_out
from recommender.ml.lm.recommender import LMRecommender

from ..models import ModelVersion
from ..privacy import LOCK
from ..runtime.history import positive_events
from ..selectors import opted_out_user_ids
from .lifecycle import Fitted, NotEnoughData, versioned_training

LM = ModelVersion.Kind.LM
LM_LOCK_KEY = LOCK.key(name="retrain:lm")
STAGES = ("load data", "train", "validate", "write artifacts")
# Share of the progress bar each stage fills (training is most of the time).
STAGE_SHARE = {"load data": 0.02, "train": 0.83, "validate": 0.13, "write artifacts": 0.02}

Progress = Callable[[str, float], None]  # (stage, fraction of the whole job done, 0..1)


class LMTrainingAlreadyRunning(Exception):
    pass


def lm_training_running() -> bool:
    return cache.get(LM_LOCK_KEY) is not None


def model_version_train_lm(*, progress: Progress | None = None) -> ModelVersion:
    """Train, validate, store and (maybe) activate a new LM version; returns its row, ``failed``
    with ``error`` set if anything went wrong. Raises LMTrainingAlreadyRunning while another LM
    training holds the lock (MF trainings have their own)."""
    progress = progress or (lambda stage, fraction: None)
    params = {
        **settings.RECSITE_LM_PARAMS,
        "time_budget_s": settings.RECSITE_LM_TIME_BUDGET_SECONDS,
        "base": settings.RECSITE_LM_BASE,
        "seed": settings.RECSITE_VALIDATION_SEED,
    }
    recommender = LMRecommender(**params)
    return versioned_training(
        LM,
        params=recommender.params,
        fit=lambda version: _fit(version, recommender, progress),
        lock_key=LM_LOCK_KEY,
        busy=LMTrainingAlreadyRunning("Another LM training is running."),
        written=lambda: _stage_done(progress, "write artifacts"),
    )


def _stage_done(progress: Progress, stage: str) -> None:
    done = sum(STAGE_SHARE[name] for name in STAGES[: STAGES.index(stage) + 1])
    progress(stage, min(1.0, done))


def _fit(version: ModelVersion, recommender: LMRecommender, progress: Progress) -> Fitted:
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
    validated = validate(
        recommender,
        held_out,
        ks=(10, 20),
        max_users=settings.RECSITE_LM_VALIDATION_USERS,
        seed=settings.RECSITE_VALIDATION_SEED,
    )
    stats = fitted(recommender.train_stats)
    metrics: dict[str, float | None] = {
        **validated,
        "train_loss": stats.loss,
        "steps": stats.steps,
        "epochs": stats.epochs,
        "tokens": stats.tokens,
    }
    if not np.isfinite(validated["perplexity"]):
        metrics["perplexity"] = None  # nothing held out; JSON has no infinity
    _stage_done(progress, "validate")
    return metrics, lambda directory: _write(directory, recommender, version, metrics)


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
