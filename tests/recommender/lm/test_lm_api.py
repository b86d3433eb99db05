"""POST /api/recommend/: generative recommendations through the inference queue."""

import os

import pytest
import redis
from django.urls import reverse

from articles.models import Interaction
from recommender import tasks
from recommender.experiments.services import experiment_start
from recommender.models import Experiment, ExperimentArm, ModelVersion
from tests.celery_switch import celery_with_broker
from tests.factories import UserFactory
from tests.recommender.api_shapes import ARTICLE_FIELDS

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")

URL = reverse("recommend-generate")
# The broker of the no-worker test: Redis db 12 of this machine unless set otherwise.
TEST_REDIS_URL = os.environ.get("RECSITE_LM_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/12"


@pytest.fixture
def dispatched(monkeypatch):
    """Records every dispatch of the LM task (and still runs it)."""
    calls = []
    original = tasks.lm_recommend.apply_async

    def record(*args, **kwargs):
        calls.append(kwargs)
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.lm_recommend, "apply_async", record)
    return calls


@pytest.fixture
def celery_without_worker(lm_settings):
    """A real Redis broker and result backend that no worker consumes."""
    client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {TEST_REDIS_URL} for the no-worker test")
    lm_settings.RECSITE_LM_TIMEOUT_SECONDS = 0.5
    restore = celery_with_broker(TEST_REDIS_URL)
    yield
    restore()
    client.flushdb()  # the unconsumed request (db 12 is this test's own)


@pytest.fixture
def celery_broker_down(lm_settings):
    restore = celery_with_broker(UNREACHABLE_REDIS_URL)
    yield
    restore()


def test_history_prompt_returns_unread_published_articles_with_scores(
    lm_version, library, client_for
):
    reader = library.readers[2]
    read = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))

    response = client_for(reader).post(URL, {"top_n": 5}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["model_version"] == lm_version.pk
    assert len(body["results"]) == 5
    ids = [item["article"]["id"] for item in body["results"]]
    assert len(set(ids)) == 5
    assert set(ids).isdisjoint(read)
    assert set(body["results"][0]["article"]) == ARTICLE_FIELDS
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)


def test_free_text_prompt_is_dispatched_to_the_task(lm_version, library, client_for, dispatched):
    reader = UserFactory()

    response = client_for(reader).post(
        URL, {"user_input": "the comets of stars", "top_n": 2}, format="json"
    )

    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    assert dispatched[0]["kwargs"] == {
        "user_id": reader.pk,
        "user_input": "the comets of stars",
        "top_n": 2,
    }


def test_a_reader_in_a_request_experiment_gets_their_arms_lm(
    lm_version, library, client_for, dispatched
):
    other = ModelVersion.objects.create(
        kind=ModelVersion.Kind.LM,
        status=ModelVersion.Status.READY,
        artifact_path=lm_version.artifact_path,  # the same files: what is tested is the routing
    )
    experiment = Experiment.objects.create(
        name="LM against LM", surface=Experiment.Surface.REQUEST, method=Experiment.Method.AB
    )
    arms = [
        ExperimentArm.objects.create(experiment=experiment, label=label, model_version=version)
        for label, version in (("A", lm_version), ("B", other))
    ]
    experiment_start(experiment=experiment)
    reader = UserFactory()

    response = client_for(reader).post(URL, {"top_n": 2}, format="json")

    body = response.json()
    assert response.status_code == 200
    assert body["experiment"] == experiment.pk
    arm = next(arm for arm in arms if arm.label == body["arm"])
    assert dispatched[0]["kwargs"]["version"] == [arm.model_version_id, lm_version.artifact_path]
    assert body["model_version"] == arm.model_version_id


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
    lm_version, reader, client_for, dispatched, body, field
):
    response = client_for(reader).post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert dispatched == []


def test_anonymous_requests_are_refused(lm_version, client_for, dispatched):
    response = client_for(None).post(URL, {"top_n": 5}, format="json")

    assert response.status_code == 401
    assert dispatched == []


def test_without_a_trained_lm_it_is_a_503_saying_so(lm_settings, reader, client_for, dispatched):
    response = client_for(reader).post(URL, {"top_n": 5}, format="json")

    assert response.status_code == 503
    assert response.json() == {"detail": "no language model trained yet"}
    assert dispatched == []


def test_no_worker_answering_is_a_503_with_retry_after(
    lm_version, reader, client_for, celery_without_worker
):
    response = client_for(reader).post(URL, {"top_n": 5}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "No inference worker answered" in response.json()["detail"]


def test_an_unreachable_broker_is_a_503_with_retry_after(
    lm_version, reader, client_for, celery_broker_down
):
    response = client_for(reader).post(URL, {"top_n": 5}, format="json")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
