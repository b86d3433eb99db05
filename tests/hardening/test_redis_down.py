"""Redis down: the site and API keep answering from the database and the model artifacts,
throttling fails open (logged), and readiness reports the cache as down. Runs against a real
redis-server on a spare port, stopped in the middle of the test."""

import logging

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from articles.models import Interaction
from tests.redis_cache import redis_caches


@pytest.fixture
def cache_on_private_redis(settings, redis_server):
    settings.CACHES = redis_caches(redis_server.url)
    return redis_server


def test_site_and_api_keep_answering_without_redis(
    cache_on_private_redis, mf_version, clusters, client, client_for, caplog
):
    # given: a reader of the astronomy cluster, and Redis working at first
    reader = clusters.readers[0]
    cache.set("probe", "1")
    assert cache.get("probe") == "1"
    before = Interaction.objects.filter(user=reader).count()

    # when: Redis stops
    cache_on_private_redis.stop()
    client.force_login(reader)
    with caplog.at_level(logging.WARNING):
        home = client.get("/")
        recommendations = client_for(reader).get("/api/recommendations/?n=5")
        posted = client_for(reader).post(
            "/api/interactions/", {"article": clusters.a[0].pk, "event": "like"}, format="json"
        )
        ready = client.get("/api/health/ready")

    # then: personalised results computed from the database and the active model's artifacts
    assert home.status_code == 200
    assert recommendations.status_code == 200
    assert recommendations.json()["strategy"] == "personalized"
    assert recommendations.json()["model_version"] == mf_version.pk
    assert len(recommendations.json()["results"]) == 5
    # the write was not throttled away, and it is in the database
    assert posted.status_code == 201
    assert Interaction.objects.filter(user=reader).count() == before + 1
    # readiness tells the load balancer what is wrong
    assert ready.status_code == 503
    assert ready.json()["checks"]["cache"] == "down"
    assert ready.json()["checks"]["database"] == "ok"
    # every swallowed cache failure is in the log
    assert any(
        record.name.startswith("django_redis") and record.levelno >= logging.WARNING
        for record in caplog.records
    )


def test_readiness_reports_a_working_redis_cache_as_ok(cache_on_private_redis, client, db):
    # when
    response = client.get("/api/health/ready")

    # then: the check above fails because Redis stopped, not because it never worked
    assert response.json()["checks"]["cache"] == "ok"


def test_tokens_and_password_resets_work_without_redis(cache_on_private_redis, client, reader):
    # given: Redis stops
    key = Token.objects.create(user=reader).key
    cache_on_private_redis.stop()

    # when
    me = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    reset = client.post(reverse("password_reset"), {"email": reader.email})

    # then: the token is checked in the database; resets go out, uncounted (fail open)
    assert me.status_code == 200
    assert reset["Location"] == reverse("password_reset_done")
    assert [email.to for email in mail.outbox] == [[reader.email]]
