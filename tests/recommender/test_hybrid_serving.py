import numpy as np
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recommender.ml.served_hybrid import FEATURES
from recommender.models import ModelVersion
from recommender.services.loading import artifact_directory
from recommender.services.training import model_version_train_mf

URL = "/api/recommendations/"


def topics(response) -> list[str]:
    return [item["article"]["topics"][0]["slug"] for item in response.json()["results"]]


def hybrid_of(mf: ModelVersion) -> ModelVersion:
    return ModelVersion.objects.get(kind=ModelVersion.Kind.HYBRID, params__mf_version=mf.pk)


def set_weights(hybrid: ModelVersion, **weights: float) -> None:
    """Overwrite the stored blend, so that a test can tell the hybrid's ranking from MF's."""
    path = artifact_directory(hybrid.artifact_path) / "weights.npy"
    np.save(path, np.array([weights.get(name, 0.0) for name in FEATURES], dtype=np.float32))


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
    weights = np.load(directory / "weights.npy", allow_pickle=False)
    assert weights.shape == (len(FEATURES),)
    assert np.load(directory / "item_vectors.npy", allow_pickle=False).shape[0] == 40


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
    assert topics(response) == ["biology"] * 5


def test_serving_uses_mf_when_the_hybrid_is_not_active(client_for, mf_settings, clusters):
    # given: the same reversed blend, but the hybrid stayed ready
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    mf = model_version_train_mf()
    set_weights(hybrid_of(mf), mf=-1.0)

    # when
    response = client_for(clusters.readers[0]).get(URL, {"n": 5})

    # then
    assert response.json()["model_version"] == mf.pk
    assert topics(response) == ["astronomy"] * 5


def test_serving_ignores_a_hybrid_over_another_mf_version(client_for, mf_settings, clusters):
    # given: an active reversed hybrid over v1, then an active MF v2 whose hybrid stayed ready
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    first = model_version_train_mf()
    set_weights(hybrid_of(first), mf=-1.0)
    mf_settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    mf_settings.RECSITE_ACTIVATION_TOLERANCE = 1.0
    second = model_version_train_mf()

    # when
    response = client_for(clusters.readers[0]).get(URL, {"n": 5})

    # then: MF v2 alone ranks
    assert hybrid_of(first).status == ModelVersion.Status.ACTIVE
    assert response.json()["model_version"] == second.pk
    assert topics(response) == ["astronomy"] * 5


def test_hybrid_cache_hit_makes_no_query_beyond_authentication(
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
    with django_assert_num_queries(1):  # the token joined with its user
        second = client.get(URL, {"n": 5})

    # then
    assert first.json()["strategy"] == "personalized"
    assert second.json() == first.json()
