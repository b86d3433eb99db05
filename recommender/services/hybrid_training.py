"""The hybrid stage of a retrain: blend weights over the MF version just trained, validated on
the same warm split as that MF version, activated only if it ranks better than MF alone.

Weights are learned without touching the validation split: the MF training split is split
again (per reader 20% held out), an MF model fitted on the rest scores the readers, and the
pairwise learner of the offline hybrid (recommender.ml.hybrid.fit_pairwise) orders held-out
items above the top candidates. The blend is then validated with MF's own validation model on
MF's validation split, so both NDCG@10s are measured on the same readers and items. The served
blend uses the MF version's full-data model (its artifacts, loaded by serving anyway) plus the
weights, the popularity column and the item embeddings aligned with the MF columns stored here.
"""

import logging
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.utils import timezone

from recommender.ml.artifacts import save_array, save_json, write_artifact_dir
from recommender.ml.content import normalize_rows
from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid import fit_pairwise
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.served_hybrid import (
    FEATURES,
    content_profile,
    pair_differences,
    popularity_of,
    ranking_scores,
    reader_features,
)
from recommender.ml.splits import warm_split

from ..models import ModelVersion
from .embeddings import article_vectors
from .registry import ACTIVATION_METRIC, model_version_activate

logger = logging.getLogger(__name__)

HYBRID = ModelVersion.Kind.HYBRID
WEIGHT_SPLIT_FRACTION = 0.2


@dataclass(frozen=True)
class MFRun:
    """What the MF stage fitted, handed to the hybrid stage in memory."""

    matrix: InteractionMatrix  # all the data
    train: InteractionMatrix  # MF's validation split
    test: InteractionMatrix
    validation_model: ImplicitALS  # fitted on ``train``
    params: dict  # ImplicitALS keyword arguments


class _Blend:
    """The served blend over an MF model, scoring matrix rows as ``evaluate`` asks."""

    def __init__(self, mf: ImplicitALS, vectors: np.ndarray, popularity, weights) -> None:
        self.mf, self.vectors, self.popularity, self.weights = mf, vectors, popularity, weights

    def score_users(self, user_indices, matrix: InteractionMatrix) -> np.ndarray:
        return np.stack([self._features_blend(user, matrix) for user in user_indices])

    def _features_blend(self, user, matrix) -> np.ndarray:
        features = _features(self.mf, self.vectors, self.popularity, user, matrix)
        return ranking_scores(features, self.weights, _seen(matrix, user))


def _positive_columns(matrix: InteractionMatrix, user: int) -> np.ndarray:
    positives = matrix.positives
    return positives.indices[positives.indptr[user] : positives.indptr[user + 1]]


def _features(mf, vectors, popularity, user, matrix) -> np.ndarray:
    profile = content_profile(vectors, _positive_columns(matrix, user))
    mf_scores = np.asarray(mf.user_factors[user]) @ np.asarray(mf.item_factors).T
    return reader_features(mf_scores, vectors @ profile, popularity)


def _seen(matrix: InteractionMatrix, user: int) -> np.ndarray:
    seen = np.zeros(matrix.shape[1], dtype=bool)
    seen[matrix.seen(user)] = True
    return seen


def _counts(matrix: InteractionMatrix) -> np.ndarray:
    return np.bincount(matrix.positives.indices, minlength=matrix.shape[1])


def _learn_weights(run: MFRun, vectors: np.ndarray, seed: int) -> tuple[np.ndarray, int]:
    """(float64 (len(FEATURES),) weights, number of training pairs)."""
    inner, held = warm_split(run.train, test_fraction=WEIGHT_SPLIT_FRACTION, seed=seed + 1)
    model = ImplicitALS(**run.params).fit(inner)
    popularity = popularity_of(_counts(inner))
    rng = np.random.default_rng(seed)
    chunks = []
    for user in np.flatnonzero(np.diff(held.positives.indptr) > 0):
        features = _features(model, vectors, popularity, user, inner)
        positives = _positive_columns(held, user)
        chunks.append(pair_differences(features, _seen(inner, user), positives, rng))
    differences = np.concatenate(chunks) if chunks else np.zeros((0, len(FEATURES)))
    if len(differences) == 0:  # nothing held out to learn from (a tiny catalogue): MF alone
        return np.array([float(name == "mf") for name in FEATURES]), 0
    return fit_pairwise(differences), len(differences)


def model_version_train_hybrid(*, mf_version: ModelVersion, run: MFRun) -> ModelVersion:
    """Train, validate, store and (if better than ``mf_version`` on its validation split, and
    that MF version serves) activate a hybrid version; ``failed`` on any error. Call with the
    retrain lock held, right after ``mf_version`` was trained from ``run``."""
    version = ModelVersion.objects.create(
        kind=HYBRID, params={"features": list(FEATURES), "mf_version": mf_version.pk}
    )
    started = time.monotonic()
    try:
        seed = settings.RECSITE_VALIDATION_SEED
        item_ids = np.asarray(run.matrix.item_ids).astype(np.int64)
        _has_text, vectors = article_vectors(article_ids=item_ids.tolist())
        vectors = normalize_rows(vectors)
        weights, pairs = _learn_weights(run, vectors, seed)
        scorer = _Blend(run.validation_model, vectors, popularity_of(_counts(run.train)), weights)
        metrics = evaluate(scorer, run.train, run.test, ks=(10, 20))
        mf_metric = mf_version.metrics[ACTIVATION_METRIC]
        metrics = {
            **metrics,
            f"mf_{ACTIVATION_METRIC}": mf_metric,
            "weight_pairs": pairs,
            "weights": dict(zip(FEATURES, np.round(weights, 5).tolist(), strict=True)),
        }
        popularity = popularity_of(_counts(run.matrix))
        directory = write_artifact_dir(
            Path(settings.RECSITE_ARTIFACT_DIR) / HYBRID,
            f"v{version.pk}-{timezone.now():%Y%m%d%H%M%S}",
            lambda tmp: _write(tmp, version, mf_version, weights, popularity, vectors, metrics),
        )
    except Exception:
        logger.exception("Training of hybrid version %s failed", version.pk)
        version.status = ModelVersion.Status.FAILED
        version.error = traceback.format_exc(limit=-5)[-4000:]
        version.train_seconds = time.monotonic() - started
        version.save()
        return version
    version.data_counts = mf_version.data_counts
    version.artifact_path = str(directory.relative_to(settings.RECSITE_ARTIFACT_DIR))
    version.train_seconds = time.monotonic() - started
    version.status = ModelVersion.Status.READY
    version.metrics = metrics
    version.save()
    return _activate_if_better(version, mf_version)


def _activate_if_better(version: ModelVersion, mf_version: ModelVersion) -> ModelVersion:
    new = version.metrics[ACTIVATION_METRIC]
    old = version.metrics[f"mf_{ACTIVATION_METRIC}"]
    gain = settings.RECSITE_HYBRID_MIN_GAIN
    mf_version.refresh_from_db(fields=["status"])
    comparison = (
        f"validation {ACTIVATION_METRIC} {new:.4f} against {old:.4f} of MF v{mf_version.pk} "
        f"alone on the same split (required gain > {gain})"
    )
    if mf_version.status != ModelVersion.Status.ACTIVE:
        note = f"Not activated: its MF base v{mf_version.pk} is not active; {comparison}."
    elif new - old > gain:
        note = f"Activated automatically: {comparison}."
    else:
        note = f"Not activated: not better than MF alone; {comparison}."
    activated = note.startswith("Activated")
    version.metrics = {**version.metrics, "activated": activated}
    version.activation_note = note
    version.save(update_fields=["metrics", "activation_note"])
    if activated:
        version = model_version_activate(version=version, note=note)
    return version


def _write(directory, version, mf_version, weights, popularity, vectors, metrics) -> None:
    save_array(directory / "weights.npy", np.asarray(weights, dtype=np.float32))
    save_array(directory / "popularity.npy", popularity.astype(np.float32))
    save_array(directory / "item_vectors.npy", vectors.astype(np.float32))
    save_json(
        directory / "hybrid.json",
        {
            "id": version.pk,
            "kind": HYBRID,
            "features": list(FEATURES),
            "mf_version": mf_version.pk,
            # No global constants: every feature is standardised per reader over its candidates.
            "normalisation": "per reader over the candidates (mean 0, variance 1)",
            "metrics": metrics,
        },
    )
