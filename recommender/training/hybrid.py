"""The hybrid stage of a retrain: the model of ``evaluate_offline --model hybrid``
(recommender.ml.hybrid.HybridRecommender) over the MF version just trained, activated only if it
ranks better than MF alone on the same validation split. Its pool and features are searched on
data that split does not measure first (recommender.training.search), recorded in
``metrics["search"]``.

With an active LM version, the hybrid is fitted with the LM's next-article score as a feature
(this stage runs in a worker, which may run the LM): its weights, whether the LM feature stays
at all, and the comparison with MF alone are all measured on readers' last articles, which the
LM never learnt to predict (recommender.training.hybrid_lm; ``metrics["validation_split"]``
names that split, ``metrics["lm"]`` what the choice said, ``params["lm_version"]`` the LM
version it serves with). Without an LM, or when the LM does not help there, it is the hybrid
below, whose LM weight is 0.

recommender.ml.hybrid.train_over_mf does the work without an LM: the hybrid learns its weights
within MF's training split and, with MF's validation model as its MF base, is measured on MF's
validation split, so both NDCG@10s come from the same readers and items (the hybrid scores
readers by their fold-in vectors, as served; MF's figure uses its trained vectors). Either way
the served hybrid then keeps those weights over the MF version's own full-data model and text
adapter, read from its artifacts: the hybrid's MF base *is* the MF version, which is why it
serves only while that version does.
"""

from dataclasses import dataclass

import numpy as np
from django.conf import settings

from articles.selectors import published_topic_names, title_summaries
from recommender.ml.adapter import TextAdapter
from recommender.ml.artifacts import save_json
from recommender.ml.data import InteractionMatrix
from recommender.ml.hybrid import HybridRecommender, train_over_mf
from recommender.ml.hybrid_features import FEATURES
from recommender.ml.mf import ImplicitALS
from recommender.ml.request import REQUEST_MODEL_FILE, RequestModel
from recommender.ml.request_fit import TopicIndex, learn_request_model, text_tags
from recommender.ml.text import article_text

from ..models import ModelVersion
from ..runtime.artifacts import artifact_directory
from ..runtime.embeddings import encoder
from .ann import hybrid_index_write
from .embeddings import article_vectors
from .hybrid_lm import CatalogueLM, LMChoice, active_lm, next_split, train_with_lm
from .lifecycle import Fitted, version_train
from .registry import ACTIVATION_METRIC, model_version_activate
from .search import hybrid_params_search

HYBRID = ModelVersion.Kind.HYBRID


@dataclass(frozen=True)
class MFRun:
    """What the MF stage fitted, handed to the hybrid stage in memory."""

    matrix: InteractionMatrix  # all the data
    train: InteractionMatrix  # MF's validation split
    test: InteractionMatrix
    validation_model: ImplicitALS  # fitted on ``train``
    params: dict  # ImplicitALS keyword arguments, as the MF search chose them
    search_deadline: float  # time.perf_counter() reading: the searches start no trial after it


def model_version_train_hybrid(*, mf_version: ModelVersion, run: MFRun) -> ModelVersion:
    """Train, validate, store and (if better than ``mf_version`` on its validation split, and
    that MF version serves) activate a hybrid version; ``failed`` on any error. Call with the
    retrain lock held, right after ``mf_version`` was trained from ``run``."""
    version = version_train(
        HYBRID,
        params={"features": list(FEATURES), "mf_version": mf_version.pk},
        fit=lambda version: _fit(version, mf_version, run),
    )
    if version.status == ModelVersion.Status.FAILED:
        return version
    return _activate_if_better(version, mf_version)


def _fit(version: ModelVersion, mf_version: ModelVersion, run: MFRun) -> Fitted:
    item_ids = np.asarray(run.matrix.item_ids).astype(np.int64)
    has_text, vectors = article_vectors(article_ids=item_ids.tolist())
    fitted_hybrid = _hybrid_fit(mf_version, run, item_ids, has_text, vectors)
    hybrid, validation_metrics = fitted_hybrid.hybrid, fitted_hybrid.metrics
    request = _request_model(hybrid, run, vectors, item_ids.tolist())
    metrics: dict[str, object] = {
        **validation_metrics,
        f"mf_{ACTIVATION_METRIC}": fitted_hybrid.mf_metric,
        "weight_pairs": hybrid.validation["validation_pairs"],
        "weights": {name: round(value, 5) for name, value in hybrid.weights.items()},
        "request": request.as_dict(),
    }
    if fitted_hybrid.search is not None:
        metrics["search"] = fitted_hybrid.search
    if fitted_hybrid.lm_choice is not None:
        metrics["lm"] = fitted_hybrid.lm_choice.record()
    version.params = {**version.params, **hybrid.settings}
    version.params["lm_version"] = fitted_hybrid.lm_version.pk if fitted_hybrid.lm_version else None
    version.data_counts = mf_version.data_counts
    # The candidate pool it was trained with, for the admin (a search may choose it).
    version.params = {**version.params, "pool": hybrid.settings["pool"]}
    return metrics, lambda directory: _write(
        directory, hybrid, version, mf_version, metrics, fitted_hybrid.lm_version
    )


@dataclass(frozen=True)
class _FittedHybrid:
    hybrid: HybridRecommender
    metrics: dict  # validation, on ``metrics["validation_split"]`` or MF's warm split
    mf_metric: float  # MF alone on the same split
    search: dict | None
    lm_version: ModelVersion | None  # the LM version it serves with, None: no LM feature
    lm_choice: LMChoice | None  # None: no LM version was active


def _hybrid_fit(
    mf_version: ModelVersion,
    run: MFRun,
    item_ids: np.ndarray,
    has_text: np.ndarray,
    vectors: np.ndarray,
) -> _FittedHybrid:
    """With the active LM if its next-article protocol keeps it (recommender.training.hybrid_lm),
    else without: trained within MF's training split, validated on MF's validation split."""
    mf_directory = artifact_directory(mf_version.artifact_path)
    mf = ImplicitALS.load(mf_directory, mmap=False)
    adapter = (
        TextAdapter.load(mf_directory, mmap=False) if TextAdapter.exists(mf_directory) else None
    )
    params = {name: value for name, value in run.params.items() if name != "seed"}
    seed = settings.RECSITE_VALIDATION_SEED
    lm = active_lm()
    choice = None
    if lm is not None:
        split = next_split(run.matrix, seed=seed)
        lm_params, search = hybrid_params_search(
            split.search_data(run.train), vectors, params=params, deadline=run.search_deadline
        )
        served, metrics, choice = train_with_lm(
            vectors,
            lm=lm,
            catalogue=CatalogueLM(lm.model, item_ids.tolist(), vectors, has_text),
            split=split,
            matrix=run.matrix,
            mf=mf,
            adapter=adapter,
            seed=seed,
            **lm_params,
        )
        if served is not None:
            mf_metric = metrics.pop(f"mf_{ACTIVATION_METRIC}")
            return _FittedHybrid(served, metrics, mf_metric, search, lm.version, choice)
    params, search = hybrid_params_search(
        run.train, vectors, params=params, deadline=run.search_deadline
    )
    hybrid, metrics = train_over_mf(
        vectors,
        train=run.train,
        test=run.test,
        validation_mf=run.validation_model,
        matrix=run.matrix,
        mf=mf,
        adapter=adapter,
        seed=seed,
        **params,
    )
    mf_metric = mf_version.metrics[ACTIVATION_METRIC]
    return _FittedHybrid(hybrid, metrics, mf_metric, search, None, choice)


def _request_model(hybrid, run: MFRun, vectors: np.ndarray, article_ids: list[int]) -> RequestModel:
    """The weights of the request ranking (recommender.ml.request) served with this hybrid,
    learned on MF's validation split: the hybrid's weights over base models fitted on its
    training part score the readers, synthetic requests (a topic, or without topics a word of
    the text, covering most of a reader's validation articles) ask for the held-out ones."""
    topic_names = published_topic_names()
    item_topics = [topic_names.get(pk, []) for pk in article_ids]
    encode = encoder().encode
    topics = TopicIndex(item_topics, encode) if any(item_topics) else None
    if topics is None:
        texts = title_summaries(article_ids=article_ids)
        item_tags = text_tags([article_text(*texts.get(pk, ("", ""))) for pk in article_ids])
    else:
        item_tags = item_topics
    return learn_request_model(
        run.train,
        run.test,
        vectors,
        item_tags=item_tags,
        encode=encode,
        personal=lambda: hybrid.refitted(run.train, mf=run.validation_model),
        topics=topics,
        seed=settings.RECSITE_VALIDATION_SEED,
    )


def _activate_if_better(version: ModelVersion, mf_version: ModelVersion) -> ModelVersion:
    new = version.metrics[ACTIVATION_METRIC]
    old = version.metrics[f"mf_{ACTIVATION_METRIC}"]
    gain = settings.RECSITE_HYBRID_MIN_GAIN
    mf_version.refresh_from_db(fields=["status"])
    split = version.metrics.get("validation_split")
    comparison = (
        f"validation {ACTIVATION_METRIC} {new:.4f} against {old:.4f} of MF v{mf_version.pk} "
        f"alone on the same split{f' ({split})' if split else ''} (required gain > {gain})"
    )
    better = new - old > gain
    if mf_version.status != ModelVersion.Status.ACTIVE:
        note = f"Not activated: its MF base v{mf_version.pk} is not active; {comparison}."
    elif better:
        note = f"Activated automatically: {comparison}."
    else:
        note = f"Not activated: not better than MF alone; {comparison}."
    activated = note.startswith("Activated")
    # "better" is kept apart: activating its MF base later (a rollback) brings it back.
    version.metrics = {**version.metrics, "activated": activated, "better_than_mf": better}
    version.activation_note = note
    version.save(update_fields=["metrics", "activation_note"])
    if activated:
        version = model_version_activate(version=version, note=note)
    return version


def _write(directory, hybrid, version, mf_version, metrics, lm_version) -> None:
    hybrid.save(directory)
    hybrid_index_write(directory=directory, hybrid=hybrid)
    save_json(directory / REQUEST_MODEL_FILE, metrics["request"])
    # The LM version whose reader states its "lm" feature scores with (runtime.hybrid).
    lm = None
    if lm_version is not None:
        lm = {"id": lm_version.pk, "artifact_path": lm_version.artifact_path}
    save_json(
        directory / "version.json",
        {
            "id": version.pk,
            "kind": HYBRID,
            "mf_version": mf_version.pk,
            "lm_version": lm,
            "metrics": metrics,
        },
    )
