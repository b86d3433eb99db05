"""POST /api/recommend/: articles that answer a request in words, for this reader, explained
(issue 12); real encoder, real MF, the task run in-process (the embedded default)."""

import os

import pytest
import redis
from django.urls import reverse

from articles.models import Article, Interaction
from recommender import tasks
from recommender.cache import lists
from recommender.ml.artifacts import load_json
from recommender.ml.request import REQUEST_MODEL_FILE, RequestModel
from recommender.models import Explanation, ModelVersion
from recommender.ranking.request import request_model
from recommender.runtime.artifacts import artifact_directory
from recommender.runtime.hybrid import loaded_hybrid
from recommender.training.mf import model_version_train_mf
from tests.celery_switch import celery_with_broker
from tests.recommender.api_shapes import ARTICLE_FIELDS
from tests.recommender.conftest import ASTRONOMY, BIOLOGY

URL = reverse("recommend-generate")
TEST_REDIS_URL = os.environ.get("RECSITE_LM_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/12"


@pytest.fixture
def dispatched(monkeypatch):
    """Records every dispatch of the request task (and still runs it)."""
    calls = []
    original = tasks.request_recommend.apply_async

    def record(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.request_recommend, "apply_async", record)
    return calls


def _ask(client, text, top_n=5):
    response = client.post(URL, {"user_input": text, "top_n": top_n}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def _titles(body) -> list[str]:
    return [item["article"]["title"] for item in body["results"]]


def test_different_requests_give_different_on_topic_articles(
    text_clusters, text_mf_version, client_for
):
    # given: a reader of astronomy
    reader = text_clusters.readers[0]
    client = client_for(reader)

    # when
    biology = _ask(client, "gene editing and DNA in cells")
    astronomy = _ask(client, "black holes and galaxies")

    # then
    assert set(_titles(biology)) <= set(BIOLOGY)
    assert set(_titles(astronomy)) <= set(ASTRONOMY)
    assert len(biology["results"]) == len(astronomy["results"]) == 5
    assert biology["model_version"] == text_mf_version.pk
    assert set(biology["results"][0]["article"]) == ARTICLE_FIELDS


def test_results_are_published_and_unread(text_clusters, text_mf_version, client_for):
    # given: the best astronomy answer is withdrawn
    reader = text_clusters.readers[0]
    read = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))
    client = client_for(reader)
    first = _ask(client, "black holes and galaxies", top_n=20)["results"][0]["article"]["id"]
    Article.objects.filter(pk=first).update(status=Article.Status.ARCHIVED)

    # when
    body = _ask(client, "black holes and galaxies", top_n=20)

    # then
    ids = [item["article"]["id"] for item in body["results"]]
    assert first not in ids
    assert set(ids).isdisjoint(read)
    assert len(ids) == len(set(ids)) == 20  # of the 40 - 8 read - 1 withdrawn
    assert set(ids) <= set(
        Article.objects.filter(status=Article.Status.PUBLISHED).values_list("pk", flat=True)
    )


def test_every_result_is_explained_by_the_words_of_the_request(
    text_clusters, text_mf_version, client_for
):
    # given
    reader = text_clusters.readers[0]
    history = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))

    # when
    body = _ask(client_for(reader), "exoplanets and space telescopes please")

    # then: the matched words are the request's own; cited articles are the reader's
    for item in body["results"]:
        explanation = item["explanation"]
        assert explanation["style"] == "request_match"
        matched = explanation["evidence"]["request"]
        assert matched.lower() in "exoplanets and space telescopes please"
        assert explanation["text"].startswith(f"Matches \u201c{matched}\u201d")
        assert set(explanation["evidence"]["articles"]) <= history
        assert Explanation.objects.filter(pk=explanation["id"], user=reader).exists()
    cited = [item for item in body["results"] if item["explanation"]["evidence"]["articles"]]
    assert cited, "an astronomy reader asking for astronomy is close to what they read"
    assert ", which you read" in cited[0]["explanation"]["text"]


def test_a_request_explanation_takes_a_thumbs_vote(text_clusters, text_mf_version, client_for):
    # given
    reader = text_clusters.readers[0]
    client = client_for(reader)
    explanation = _ask(client, "dark matter")["results"][0]["explanation"]

    # when
    response = client.post(
        f"/api/explanations/{explanation['id']}/feedback/",
        {"vote": "down", "reason": "wrong_reason"},
        format="json",
    )

    # then
    assert response.status_code in (200, 201)
    assert Explanation.objects.get(pk=explanation["id"]).feedback.get().vote == -1


def test_without_words_the_answer_is_the_readers_list(text_clusters, text_mf_version, client_for):
    reader = text_clusters.readers[0]

    body = _ask(client_for(reader), "   ")

    assert body["model_version"] == text_mf_version.pk
    assert len(body["results"]) == 5
    assert all(item["explanation"] for item in body["results"])


def test_without_embeddings_it_is_a_503_saying_so(mf_version, clusters, client_for):
    reader = clusters.readers[0]

    response = client_for(reader).post(URL, {"user_input": "stars"}, format="json")

    assert response.status_code == 503
    assert "Retry-After" not in response
    assert response.json() == {"detail": "no article text embedded yet: nothing can match words"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"top_n": 0}, "top_n"),
        ({"top_n": 21}, "top_n"),
        ({"top_n": "many"}, "top_n"),
        ({"user_input": "x" * 2001}, "user_input"),
        ({"user_input": None}, "user_input"),
    ],
)
def test_bad_input_is_a_400_with_field_messages_and_dispatches_nothing(
    reader, client_for, dispatched, body, field
):
    response = client_for(reader).post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert dispatched == []


def test_anonymous_requests_are_refused(client_for, dispatched):
    response = client_for(None).post(URL, {"user_input": "stars"}, format="json")

    assert response.status_code == 401
    assert dispatched == []


def test_the_request_is_dispatched_to_the_inference_task(
    text_clusters, text_mf_version, client_for, dispatched
):
    reader = text_clusters.readers[0]

    _ask(client_for(reader), "comets", top_n=2)

    assert dispatched[0]["kwargs"] == {"user_id": reader.pk, "user_input": "comets", "top_n": 2}


@pytest.fixture
def celery_broker_down(settings):
    restore = celery_with_broker(UNREACHABLE_REDIS_URL)
    yield
    restore()


@pytest.fixture
def celery_without_worker(settings):
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {TEST_REDIS_URL} for the no-worker test")
    settings.RECSITE_LM_TIMEOUT_SECONDS = 0.5
    restore = celery_with_broker(TEST_REDIS_URL)
    yield
    restore()
    client.flushdb()


def test_no_worker_answering_is_a_503_with_retry_after(reader, client_for, celery_without_worker):
    response = client_for(reader).post(URL, {"user_input": "stars"}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "No inference worker answered" in response.json()["detail"]


def test_an_unreachable_broker_is_a_503_with_retry_after(reader, client_for, celery_broker_down):
    response = client_for(reader).post(URL, {"user_input": "stars"}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"


def test_the_retrained_hybrid_brings_request_weights_learned_on_validation(
    text_clusters, mf_settings, client_for
):
    # given: a retrain whose hybrid activates (any hybrid counts as better)
    mf_settings.RECSITE_HYBRID_MIN_GAIN = -1.0
    mf = model_version_train_mf()
    hybrid = ModelVersion.objects.get(kind=ModelVersion.Kind.HYBRID, params__mf_version=mf.pk)

    # when
    weights = load_json(artifact_directory(hybrid.artifact_path) / REQUEST_MODEL_FILE)
    served = request_model(loaded_hybrid(mf=lists.active_version(kind=ModelVersion.Kind.MF)))
    body = _ask(client_for(text_clusters.readers[0]), "gene editing and DNA in cells")

    # then: learned from the validation split's synthetic topic requests, recorded, served
    assert hybrid.status == ModelVersion.Status.ACTIVE
    assert hybrid.metrics["request"] == weights
    assert weights["validation"]["validation_requests"] > 0
    assert set(weights["weights"]) == {"query", "topic", "personal", "history"}
    assert served.weights == weights["weights"] != RequestModel().weights
    assert set(_titles(body)) <= set(BIOLOGY)
