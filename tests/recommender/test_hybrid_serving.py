import numpy as np
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recommender import selectors
from recommender.cache import lists
from recommender.ml.artifacts import load_json, save_json
from recommender.ml.data import build_interaction_matrix
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.hybrid_features import FEATURES
from recommender.models import ModelVersion
from recommender.ranking.serving import _personalized, recommendations_for_user
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.hybrid import loaded_hybrid
from recommender.runtime.mf import loaded_mf
from recommender.training.mf import model_version_train_mf
from recommender.training.registry import model_version_activate, model_version_rollback

URL = "/api/recommendations/"


def topics(response) -> list[str]:
    return [item["article"]["topics"][0]["slug"] for item in response.json()["results"]]


def hybrid_of(mf: ModelVersion) -> ModelVersion:
    return ModelVersion.objects.get(kind=ModelVersion.Kind.HYBRID, params__mf_version=mf.pk)


def set_weights(hybrid: ModelVersion, **weights: float) -> None:
    """Overwrite the stored blend, so that a test can tell the hybrid's ranking from MF's."""
    path = artifact_directory(hybrid.artifact_path) / "hybrid.json"
    meta = load_json(path)
    meta["weights"] = {name: weights.get(name, 0.0) for name in FEATURES}
    save_json(path, meta)


def test_retrain_trains_a_hybrid_over_the_new_mf_version(mf_settings, clusters):
    # given: the hybrid must beat MF by more than any possible NDCG difference
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0

    # when
    mf = model_version_train_mf()

    # then: validated on MF's split, stored, but not activated
    hybrid = hybrid_of(mf)
    assert mf.status == ModelVersion.Status.ACTIVE
    assert hybrid.status == ModelVersion.Status.READY
    assert hybrid.metrics["mf_ndcg@10"] == mf.metrics["ndcg@10"]
    assert set(hybrid.metrics) >= {"ndcg@10", "recall@20", "weights", "activated"}
    assert hybrid.metrics["activated"] is False
    assert hybrid.activation_note == (
        f"Not activated: not better than MF alone; validation ndcg@10 "
        f"{hybrid.metrics['ndcg@10']:.4f} against {mf.metrics['ndcg@10']:.4f} of MF v{mf.pk} "
        "alone on the same split (required gain > 1.0)."
    )
    directory = artifact_directory(hybrid.artifact_path)
    assert sorted(load_json(directory / "hybrid.json")["weights"]) == sorted(FEATURES)
    assert load_json(directory / "version.json")["mf_version"] == mf.pk
    assert np.load(directory / "item_embeddings.npy", allow_pickle=False).shape[0] == 40


def test_a_hybrid_better_than_mf_activates(mf_settings, clusters):
    # given: any hybrid counts as better
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0

    # when
    mf = model_version_train_mf()

    # then
    hybrid = hybrid_of(mf)
    assert hybrid.status == ModelVersion.Status.ACTIVE
    assert hybrid.metrics["activated"] is True
    assert hybrid.activation_note.startswith("Activated automatically: validation ndcg@10 ")


def test_a_hybrid_over_an_inactive_mf_version_does_not_activate(mf_settings, clusters):
    # given: an active MF version; the next one will not be activated
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    mf_settings.RECSITE_ACTIVATION_TOLERANCE = -1.0

    # when
    mf = model_version_train_mf()

    # then
    hybrid = hybrid_of(mf)
    assert mf.status == ModelVersion.Status.READY
    assert hybrid.status == ModelVersion.Status.READY
    assert hybrid.activation_note.startswith(f"Not activated: its MF base v{mf.pk} is not active")


def test_serving_ranks_with_the_active_hybrid(client_for, mf_settings, clusters):
    # given: an active hybrid whose blend ranks by MF reversed (astronomy readers: biology first)
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    set_weights(hybrid_of(mf), mf=-1.0)

    # when
    response = client_for(clusters.readers[0]).get(URL, {"n": 5})

    # then: still "personalized" under the MF version, whose evidence explains it
    assert response.status_code == 200
    assert response.json()["strategy"] == "personalized"
    assert response.json()["model_version"] == mf.pk
    assert response.json()["ranker"] == {"kind": "hybrid", "version": hybrid_of(mf).pk}
    assert topics(response) == ["biology"] * 5
    cached = client_for(clusters.readers[0]).get(URL, {"n": 5})
    assert cached.json()["ranker"] == {"kind": "hybrid", "version": hybrid_of(mf).pk}


def test_serving_uses_mf_when_the_hybrid_is_not_active(client_for, mf_settings, clusters):
    # given: the same reversed blend, but the hybrid stayed ready
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    mf = model_version_train_mf()
    set_weights(hybrid_of(mf), mf=-1.0)

    # when
    response = client_for(clusters.readers[0]).get(URL, {"n": 5})

    # then
    assert response.json()["model_version"] == mf.pk
    assert response.json()["ranker"] == {"kind": "mf", "version": mf.pk}
    assert topics(response) == ["astronomy"] * 5


def two_mf_versions(mf_settings) -> tuple[ModelVersion, ModelVersion]:
    """An active hybrid over MF v1, then MF v2 active with a hybrid not better than it."""
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    first = model_version_train_mf()
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    mf_settings.RECSITE_ACTIVATION_TOLERANCE = 1.0
    return first, model_version_train_mf()


def test_a_new_mf_version_deactivates_the_hybrid_over_the_old_one(
    client_for, mf_settings, clusters
):
    # given: a reversed blend in the first hybrid
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    first = model_version_train_mf()
    set_weights(hybrid_of(first), mf=-1.0)
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    mf_settings.RECSITE_ACTIVATION_TOLERANCE = 1.0

    # when
    second = model_version_train_mf()
    response = client_for(clusters.readers[0]).get(URL, {"n": 5})

    # then: no hybrid is active, and MF v2 alone ranks
    old = hybrid_of(first)
    assert old.status == ModelVersion.Status.READY
    assert old.activation_note.startswith(
        f"Deactivated: its MF base v{first.pk} stopped serving when MF v{second.pk} was activated"
    )
    assert hybrid_of(second).status == ModelVersion.Status.READY
    assert response.json()["model_version"] == second.pk
    assert topics(response) == ["astronomy"] * 5


def test_rolling_back_mf_brings_back_the_hybrid_that_beat_it(mf_settings, clusters):
    # given
    first, second = two_mf_versions(mf_settings)

    # when
    model_version_rollback(kind=ModelVersion.Kind.MF)

    # then
    first.refresh_from_db()
    assert first.status == ModelVersion.Status.ACTIVE
    assert hybrid_of(first).status == ModelVersion.Status.ACTIVE
    assert hybrid_of(first).activation_note == (
        f"Reactivated with its MF base v{first.pk}, which it beat on validation."
    )
    assert hybrid_of(second).status == ModelVersion.Status.READY


def test_a_hybrid_over_an_inactive_mf_version_cannot_be_activated(mf_settings, clusters):
    # given
    first, _second = two_mf_versions(mf_settings)
    old = hybrid_of(first)

    # when
    with pytest.raises(ValidationError) as error:
        model_version_activate(version=old, note="by hand")

    # then
    assert error.value.messages == [
        f"v{old.pk} ranks over MF v{first.pk}, which is not the active MF version."
    ]
    assert hybrid_of(first).status == ModelVersion.Status.READY
    assert hybrid_of(first).activation_note == old.activation_note


def test_rolling_back_the_only_hybrid_leaves_mf_alone(mf_settings, clusters):
    # given
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()

    # when
    returned = model_version_rollback(kind=ModelVersion.Kind.HYBRID)

    # then
    assert returned == hybrid_of(mf)
    assert hybrid_of(mf).status == ModelVersion.Status.READY
    assert hybrid_of(mf).activation_note.startswith(f"Rolled back to MF v{mf.pk} alone on ")
    assert lists.active_version(kind=ModelVersion.Kind.HYBRID) is None
    mf.refresh_from_db()
    assert mf.status == ModelVersion.Status.ACTIVE


def test_served_scores_equal_the_offline_scorers_for_the_same_history(mf_settings, clusters):
    # given: an active hybrid, and the reader's history as the offline scorer sees it
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    reader = clusters.readers[0]
    version = lists.active_version(kind=ModelVersion.Kind.MF)
    hybrid = loaded_hybrid(mf=version)
    offline = HybridRecommender.load(artifact_directory(hybrid_of(mf).artifact_path))
    matrix = build_interaction_matrix(
        selectors.training_rows(),
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
        item_ids=selectors.published_article_ids(),
    )
    expected = offline.score_users(np.array([matrix.user_index(reader.pk)]), matrix)[0]

    # when: the web process's cache-miss computation
    served = _personalized(
        reader.pk,
        loaded_mf(version=version),
        selectors.interaction_events_of(user_id=reader.pk),
        version.artifact_path,
        hybrid,
    )

    # then: every unread article, with the offline score, in the offline order
    assert len(served.items) == 32  # 40 articles, 8 read
    assert [score for _, score, _ in served.items] == [
        float(expected[matrix.item_index(article_id)]) for article_id, _, _ in served.items
    ]
    scores = [score for _, score, _ in served.items]
    assert scores == sorted(scores, reverse=True)


def test_a_new_article_reaches_matching_readers_through_the_hybrid(
    mf_settings, text_clusters, publish_astronomy_article
):
    # given: an active hybrid over an MF version with a text adapter
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    astronomer = text_clusters.readers[0]
    unread_biology = {article.pk for article in text_clusters.b}

    # when: an astronomy article is published after the training
    new = publish_astronomy_article()
    result = recommendations_for_user(user=astronomer, n=100)

    # then
    assert hybrid_of(mf).status == ModelVersion.Status.ACTIVE
    ranked = [item.article["id"] for item in result.items]
    assert new.pk in ranked
    assert ranked.index(new.pk) < min(ranked.index(pk) for pk in unread_biology)


def test_hybrid_cache_hit_makes_only_the_token_query(
    mf_settings, clusters, django_assert_num_queries
):
    # given: a hybrid serves and the reader's list is cached
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    model_version_train_mf()
    reader = clusters.readers[0]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=reader).key}")
    first = client.get(URL, {"n": 5})

    # when
    with django_assert_num_queries(1):  # the token and its account, never cached
        second = client.get(URL, {"n": 5})

    # then
    assert first.json()["strategy"] == "personalized"
    assert second.json() == first.json()
