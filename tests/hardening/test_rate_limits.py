"""Write rate limits: 429 with Retry-After, counted in the shared cache (Redis in production),
never in a process's memory."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from articles.api.throttles import WritesThrottle, client_ip
from articles.models import Interaction, SearchQuery
from tests.factories import ArticleFactory

User = get_user_model()


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


# --- the client address behind proxies (issue 10) ---------------------------------------------

PROXY = "10.0.0.2"


def _token_attempt(api_client, **meta):
    return api_client.post(
        "/api/auth/token/", {"username": "alice", "password": "wrong"}, format="json", **meta
    )


def test_a_new_forwarded_for_per_request_does_not_escape_the_token_throttle(
    api_client, reader, throttle_rates
):
    # given: no trusted proxy (the default); each request claims another X-Forwarded-For
    throttle_rates(auth="3/minute")
    statuses = [
        _token_attempt(
            api_client, REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}"
        ).status_code
        for i in range(4)
    ]

    # then: one client, counted once per request
    assert statuses == [400, 400, 400, 429]


def test_behind_one_trusted_proxy_the_client_is_the_address_the_proxy_appended(
    api_client, reader, throttle_rates, settings
):
    # given: one proxy that appends the address it saw; the client prepends made-up ones
    settings.RECSITE_TRUSTED_PROXIES = 1
    throttle_rates(auth="3/minute")
    statuses = [
        _token_attempt(
            api_client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 203.0.113.7"
        ).status_code
        for i in range(4)
    ]

    # when: another client through the same proxy
    other = _token_attempt(api_client, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.5")

    # then
    assert statuses == [400, 400, 400, 429]
    assert other.status_code == 400


# --- throttles on costly reads and on every write (issue 10) -----------------------------------


def test_api_searches_beyond_the_rate_get_429_and_are_not_recorded(
    client_for, reader, throttle_rates
):
    # given
    throttle_rates(search="2/minute")
    ArticleFactory(title="Comets")
    client = client_for(reader)
    statuses = [client.get("/api/articles/", {"q": "comets"}).status_code for _ in "ab"]

    # when
    refused = client.get("/api/articles/", {"q": "comets"})
    listing = client.get("/api/articles/")

    # then: listing without a query is not a search
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert listing.status_code == 200
    assert SearchQuery.objects.filter(user=reader).count() == 2


def test_anonymous_api_searches_are_limited_per_address(api_client, db, throttle_rates):
    # given
    throttle_rates(search="1/minute")
    api_client.get("/api/articles/", {"q": "comets"}, REMOTE_ADDR="203.0.113.7")

    # when
    refused = api_client.get("/api/articles/", {"q": "stars"}, REMOTE_ADDR="203.0.113.7")
    other = api_client.get("/api/articles/", {"q": "stars"}, REMOTE_ADDR="198.51.100.5")

    # then
    assert (refused.status_code, other.status_code) == (429, 200)


def test_generative_requests_beyond_the_rate_get_429(client_for, reader, throttle_rates):
    # given: an empty request, answered at once from the reader's own list
    throttle_rates(recommend="2/minute")
    client = client_for(reader)
    statuses = [client.post("/api/recommend/", {}, format="json").status_code for _ in "ab"]

    # when
    refused = client.post("/api/recommend/", {}, format="json")

    # then
    assert statuses == [200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 61


def test_staff_writes_and_account_deletion_are_throttled(
    client_for, editor, reader, throttle_rates
):
    # given
    throttle_rates(writes="2/minute")
    staff = client_for(editor)
    statuses = [
        staff.post("/api/model-versions/rollback/", {"kind": "mf"}, format="json").status_code
        for _ in "ab"
    ]
    owner = client_for(reader)
    owner.get("/api/me/")
    for _ in "ab":
        owner.post("/api/interactions/", {"article": ArticleFactory().pk, "event": "like"})

    # when
    refused = staff.post("/api/model-versions/rollback/", {"kind": "mf"}, format="json")
    deletion = owner.delete("/api/me/")

    # then
    assert statuses == [400, 400]
    assert (refused.status_code, deletion.status_code) == (429, 429)
    assert User.objects.filter(pk=reader.pk).exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "client"),
    [
        (0, "192.0.2.1", "10.0.0.2"),  # no trusted proxy: the header is the client's own words
        (1, "", "10.0.0.2"),  # a request that bypassed the proxy
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),
        (2, "192.0.2.1, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: all written by them
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(settings, rf, proxies, forwarded, client):
    # given
    settings.RECSITE_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    # then
    assert client_ip(request) == client
