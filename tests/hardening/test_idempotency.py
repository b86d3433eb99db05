"""Idempotency keys under stress: two requests with the same key at the same time on PostgreSQL
(the second waits for the first on the key's unique index and replays its response, or gets 409
when the first outlasts settings.RECSITE_IDEMPOTENCY_WAIT_SECONDS; either way the write happens
once), and keys that keep working while Redis is down (they live in the database)."""

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Interaction
from recsite.models import IdempotencyKey
from tests.factories import ArticleFactory
from tests.hardening.test_redis_down import cache_on_private_redis  # noqa: F401 (a fixture)

KEY = "concurrent-retry"


def waiting_backends() -> int:
    """Other sessions of this database waiting on a lock right now."""
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps serving the activity it read first.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def wait_for_waiting_backends(count: int) -> None:
    deadline = time.monotonic() + 60  # a thread's first request loads the URLconf
    while waiting_backends() < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests waited on a lock"
        time.sleep(0.02)


class Request(threading.Thread):
    """One API request in its own thread, hence on its own database connection."""

    def __init__(self, user, body):
        super().__init__()
        self.user, self.body, self.response = user, body, None

    def run(self):
        client = APIClient()
        client.force_authenticate(self.user)
        try:
            self.response = client.post(
                "/api/interactions/", self.body, format="json", HTTP_IDEMPOTENCY_KEY=KEY
            )
        finally:
            connection.close()


def first_request_held_at_its_write(user, body):
    """Start a request that claims the key and then blocks on its insert into the interactions
    table, which the caller holds locked in its open transaction."""
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE articles_interaction IN EXCLUSIVE MODE")
    first = Request(user, body)
    first.start()
    wait_for_waiting_backends(1)
    return first


@pytest.mark.django_db(transaction=True)  # each request commits on its own connection
def test_a_concurrent_duplicate_waits_for_the_first_and_replays_it(postgres_only, reader):
    article = ArticleFactory()
    body = {"article": article.pk, "event": "like"}
    with transaction.atomic():
        first = first_request_held_at_its_write(reader, body)
        second = Request(reader, body)
        second.start()
        wait_for_waiting_backends(2)  # the second waits on the first's key row
    first.join(timeout=30)
    second.join(timeout=30)

    assert first.response.status_code == 201
    assert "Idempotent-Replayed" not in first.response
    assert second.response.status_code == 201
    assert second.response["Idempotent-Replayed"] == "true"
    assert second.response.content == first.response.content
    assert Interaction.objects.filter(user=reader).count() == 1
    assert IdempotencyKey.objects.filter(user=reader, key=KEY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_that_waits_too_long_gets_409_and_writes_nothing(
    postgres_only, reader, settings
):
    settings.RECSITE_IDEMPOTENCY_WAIT_SECONDS = 0.3
    article = ArticleFactory()
    body = {"article": article.pk, "event": "like"}
    with transaction.atomic():
        first = first_request_held_at_its_write(reader, body)
        second = Request(reader, body)
        second.start()
        second.join(timeout=30)  # gives up while the first still holds the key
    first.join(timeout=30)
    retry = Request(reader, body)
    retry.start()
    retry.join(timeout=30)

    assert second.response.status_code == 409
    assert second.response["Retry-After"] == "1"
    assert second.response.json() == {
        "detail": "A request with this Idempotency-Key is still being processed; retry shortly."
    }
    assert first.response.status_code == 201
    assert retry.response.status_code == 201
    assert retry.response["Idempotent-Replayed"] == "true"
    assert Interaction.objects.filter(user=reader).count() == 1


def test_keys_replay_while_redis_is_down(cache_on_private_redis, reader):  # noqa: F811
    article = ArticleFactory()
    token = Token.objects.create(user=reader).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_IDEMPOTENCY_KEY=KEY)
    body = {"article": article.pk, "event": "like"}
    cache_on_private_redis.stop()

    first = client.post("/api/interactions/", body, format="json")
    retry = client.post("/api/interactions/", body, format="json")

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert Interaction.objects.filter(user=reader).count() == 1
