"""Write rate limits: 429 with Retry-After, counted in the shared cache (Redis in production),
never in a process's memory."""

import pytest
from django.core.cache import cache

from articles.api.throttles import WritesThrottle
from articles.models import Interaction
from tests.factories import ArticleFactory


@pytest.fixture
def two_writes_a_minute(monkeypatch):
    # DRF binds the rates when the class is created, so the class attribute is what to change.
    monkeypatch.setattr(WritesThrottle, "THROTTLE_RATES", {"writes": "2/minute"})


def test_writes_beyond_the_rate_get_429_with_retry_after(client_for, reader, two_writes_a_minute):
    # given
    article = ArticleFactory()
    client = client_for(reader)
    body = {"article": article.pk, "event": "like"}
    statuses = [client.post("/api/interactions/", body, format="json").status_code for _ in "ab"]

    # when
    response = client.post("/api/interactions/", body, format="json")

    # then
    assert statuses == [201, 201]
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert response.json()["detail"].startswith("Request was throttled.")
    assert Interaction.objects.filter(user=reader).count() == 2


def test_reads_are_not_counted(client_for, reader, two_writes_a_minute):
    # given
    client = client_for(reader)

    # when
    statuses = [client.get("/api/interactions/").status_code for _ in range(5)]

    # then
    assert statuses == [200] * 5


def test_the_count_lives_in_the_shared_cache(client_for, reader, two_writes_a_minute):
    # given: two writes through one client (one web process, say)
    article = ArticleFactory()
    body = {"article": article.pk, "event": "like"}
    for _ in "ab":
        client_for(reader).post("/api/interactions/", body, format="json")

    # when: the next write comes through a brand-new client (another process shares only the
    # cache)
    response = client_for(reader).post("/api/interactions/", body, format="json")

    # then
    assert WritesThrottle.cache is cache
    assert len(cache.get(f"throttle_writes_{reader.pk}")) == 2
    assert response.status_code == 429
