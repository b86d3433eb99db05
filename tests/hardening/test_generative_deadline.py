"""POST /api/recommend/ with no inference worker (issue 10): Celery publishes for real to a
private Redis that no worker consumes; the request gives up after its short deadline, and the
next ones are answered 503 at once, without queueing anything, until Retry-After has passed."""

import time

import pytest
import redis
from django.utils import timezone

from recommender.api import generative
from recommender.models import ModelVersion
from tests.celery_switch import celery_with_broker

URL = "/api/recommend/"


@pytest.fixture
def celery_without_worker(redis_server):
    """The Celery app publishing to, and awaiting results from, ``redis_server``; restored."""
    restore = celery_with_broker(redis_server.url)
    broker = redis.Redis.from_url(redis_server.url)
    yield broker
    broker.close()
    restore()


@pytest.fixture
def active_lm(db):
    # A row is all the view checks before dispatching; the worker that would load it is absent.
    return ModelVersion.objects.create(
        kind=ModelVersion.Kind.LM, status=ModelVersion.Status.ACTIVE, activated_at=timezone.now()
    )


def _timed_post(client):
    started = time.monotonic()
    response = client.post(URL, {"top_n": 3}, format="json")
    return response, time.monotonic() - started


def test_the_default_deadline_is_a_couple_of_seconds(settings):
    # then
    assert settings.RECSITE_LM_TIMEOUT_SECONDS == 2.0


def test_no_worker_costs_one_short_deadline_then_503_at_once(
    celery_without_worker, active_lm, reader, client_for, settings
):
    # given
    broker = celery_without_worker
    client = client_for(reader)

    # when: a first request, then three more
    first, first_took = _timed_post(client)
    queued = broker.llen("inference")
    later = [_timed_post(client) for _ in range(3)]

    # then: the first waited its deadline and queued one request
    assert first.status_code == 503
    assert first["Retry-After"] == str(settings.RECSITE_LM_RETRY_AFTER_SECONDS)
    assert first.json() == {"detail": generative.NO_WORKER}
    assert (
        settings.RECSITE_LM_TIMEOUT_SECONDS <= first_took < settings.RECSITE_LM_TIMEOUT_SECONDS + 1
    )
    assert queued == 1
    # and the next ones were answered at once, queueing nothing more
    assert [response.status_code for response, _ in later] == [503, 503, 503]
    assert all(took < 0.5 for _, took in later)
    assert all(
        1 <= int(response["Retry-After"]) <= settings.RECSITE_LM_RETRY_AFTER_SECONDS
        for response, _ in later
    )
    assert broker.llen("inference") == 1


def test_after_the_pause_the_next_request_tries_the_worker_again(
    celery_without_worker, active_lm, reader, client_for, settings
):
    # given: a short deadline and pause, and one unanswered request
    settings.RECSITE_LM_TIMEOUT_SECONDS = 0.3
    settings.RECSITE_LM_RETRY_AFTER_SECONDS = 1
    broker = celery_without_worker
    client = client_for(reader)
    _timed_post(client)

    # when: the pause has passed
    time.sleep(1.1)
    response, took = _timed_post(client)

    # then: dispatched and awaited again
    assert response.status_code == 503
    assert took >= 0.3
    assert broker.llen("inference") == 2
