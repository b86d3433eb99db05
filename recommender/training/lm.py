"""Training an LM version from the live database: reading orders -> train with early stopping
-> write -> activate.

Histories are the readers' positive interactions with published articles in time order (the
first positive event per article; ties in the order recorded), those of readers who turned
personalisation off left out, as for MF. Each reader's last article is held out: the model
trains on the rest within settings.RECSITE_LM_TIME_BUDGET_SECONDS, keeps the epoch with the
best NDCG@10 on the held-out articles, and that validation is the version's metrics
("ndcg@10", "recall@20", what activation compares). The validated model is the one that
serves: at serving time it reads each reader's whole history, held-out article included; a
second fit would double a training bounded by time for one article per reader.

Token inputs are the articles' stored text embeddings (recommender.training.embeddings); an
article without one yet has a zero text row and learns from its own embedding alone. Torch is
imported only once training starts.
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

from recommender.ml.artifacts import save_json
from recommender.ml.base import fitted
from recommender.ml.data import build_interaction_matrix
from recommender.ml.lm.model import SequenceLM
from recommender.ml.lm.sequences import ordered_histories

from .. import selectors
from ..models import ModelVersion
from ..privacy import LOCK
from .embeddings import article_vectors
from .lifecycle import Fitted, NotEnoughData, versioned_training

LM = ModelVersion.Kind.LM
LM_LOCK_KEY = LOCK.key(name="retrain:lm")
STAGES = ("load data", "train", "write artifacts")
# Share of the progress bar each stage fills (training is most of the time).
STAGE_SHARE = {"load data": 0.05, "train": 0.93, "write artifacts": 0.02}

Progress = Callable[[str, float], None]  # (stage, fraction of the whole job done, 0..1)


class LMTrainingAlreadyRunning(Exception):
    pass


def lm_training_running() -> bool:
    return cache.get(LM_LOCK_KEY) is not None


def lm_params() -> dict:
    """SequenceLM's keyword arguments from the settings (threads aside)."""
    return {
        **settings.RECSITE_LM_PARAMS,
        "time_budget_s": settings.RECSITE_LM_TIME_BUDGET_SECONDS,
        "patience": settings.RECSITE_LM_PATIENCE,
        "seed": settings.RECSITE_VALIDATION_SEED,
    }


def model_version_train_lm(*, progress: Progress | None = None) -> ModelVersion:
    """Train, validate, store and (maybe) activate a new LM version; returns its row, ``failed``
    with ``error`` set if anything went wrong. Raises LMTrainingAlreadyRunning while another LM
    training holds the lock (MF trainings have their own)."""
    progress = progress or (lambda stage, fraction: None)
    params = lm_params()
    return versioned_training(
        LM,
        params=params,
        fit=lambda version: _fit(version, params, progress),
        lock_key=LM_LOCK_KEY,
        busy=LMTrainingAlreadyRunning("Another LM training is running."),
        written=lambda: _stage_done(progress, "write artifacts"),
    )


def _stage_done(progress: Progress, stage: str) -> None:
    done = sum(STAGE_SHARE[name] for name in STAGES[: STAGES.index(stage) + 1])
    progress(stage, min(1.0, done))


def _fit(version: ModelVersion, params: dict, progress: Progress) -> Fitted:
    rows = list(selectors.training_rows())  # read twice: the matrix and the reading orders
    article_ids = selectors.published_article_ids()
    matrix = build_interaction_matrix(
        rows,
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
        item_ids=article_ids,
    )
    histories = ordered_histories(rows, matrix)
    if not any(len(items) >= 2 for items in histories.items):
        raise NotEnoughData("No reader has read two published articles yet.")
    _has_text, vectors = article_vectors(article_ids=article_ids)
    version.data_counts = {
        "readers": matrix.shape[0],
        "articles": matrix.shape[1],
        "interactions": int(matrix.positives.nnz),
        "held_out": sum(len(items) >= 2 for items in histories.items),
    }
    _stage_done(progress, "load data")
    before, share = STAGE_SHARE["load data"], STAGE_SHARE["train"]
    model = SequenceLM(vectors, **params, threads=settings.RECSITE_LM_THREADS).fit(
        matrix,
        histories=histories,
        callback=lambda step: progress("train", before + share * step.fraction),
    )
    _stage_done(progress, "train")
    validation = model.validation
    stats = fitted(model.train_stats)
    metrics = {
        "ndcg@10": validation.get("ndcg@10_val", 0.0),
        "recall@20": validation.get("recall@20_val", 0.0),
        "users_evaluated": validation.get("users_val", 0),
        "epochs": stats.epochs,
        "best_epoch": stats.best_epoch,
        "train_loss": stats.loss,
    }
    return metrics, lambda directory: _write(directory, model, version, metrics)


def _write(directory: Path, model: SequenceLM, version: ModelVersion, metrics: dict) -> None:
    model.save(directory)
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
