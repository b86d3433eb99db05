"""Idempotency-Key on authenticated API POSTs (recsite.idempotency): replays, mismatches, bad
keys, expiry and purge, ownership. Runs on SQLite and on PostgreSQL; the concurrent duplicate
is in tests/hardening/test_idempotency_concurrency.py (PostgreSQL only)."""

from datetime import timedelta

import pytest
import yaml
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from articles.models import Article, Interaction
from articles.privacy import personal_data_delete
from recommender.models import Explanation, ExplanationFeedback
from recsite import tasks
from recsite.idempotency import services
from recsite.models import IdempotencyKey
from tests.factories import ArticleFactory

KEY = "7b0e2c1a-retry-me"
HEADERS = {"HTTP_IDEMPOTENCY_KEY": KEY}


def post_event(client, article, event: str, *, key: str = KEY):
    """POSTs one ``event`` on ``article`` to the interactions API under Idempotency-Key ``key``."""
    return client.post(
        "/api/interactions/",
        {"article": article.pk, "event": event},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def stored_keys() -> list[tuple]:
    return list(IdempotencyKey.objects.values_list("user__username", "key", "status_code"))


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def explanation(reader, article):
    return Explanation.objects.create(
        user=reader, article=article, style=Explanation.Style.TRENDING, text="Trending"
    )


def test_a_retry_replays_the_first_response_and_writes_nothing(client_for, reader, article):
    client = client_for(reader)
    body = {"article": article.pk, "event": "like"}
    first = client.post("/api/interactions/", body, format="json", **HEADERS)

    retry = client.post("/api/interactions/", body, format="json", **HEADERS)

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry["Content-Type"] == first["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"
    assert Interaction.objects.filter(user=reader).count() == 1
    assert stored_keys() == [("alice", KEY, 201)]


def test_a_batch_retry_replays_and_writes_nothing(client_for, reader, article):
    client = client_for(reader)
    batch = [{"article": article.pk, "event": "view"}, {"article": article.pk, "event": "read"}]
    first = client.post("/api/interactions/", batch, format="json", **HEADERS)

    retry = client.post("/api/interactions/", batch, format="json", **HEADERS)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert len(first.json()) == 2
    assert Interaction.objects.filter(user=reader).count() == 2


def test_a_feedback_retry_replays_the_first_vote(client_for, reader, explanation):
    client = client_for(reader)
    url = f"/api/explanations/{explanation.pk}/feedback/"
    first = client.post(url, {"vote": "up"}, format="json", **HEADERS)

    # Without the key this second POST would replace the vote and answer 200.
    retry = client.post(url, {"vote": "up"}, format="json", **HEADERS)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert ExplanationFeedback.objects.filter(user=reader).count() == 1


@pytest.mark.parametrize("body_format", ["json", "multipart"])
def test_an_editor_article_retry_creates_one_article(client_for, editor, body_format):
    client = client_for(editor)
    body = {"title": "Exploring complex networks", "status": "published"}
    first = client.post("/api/articles/", body, format=body_format, **HEADERS)

    retry = client.post("/api/articles/", body, format=body_format, **HEADERS)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert Article.objects.filter(title="Exploring complex networks").count() == 1


def test_the_same_body_in_another_key_order_and_spacing_is_a_replay(client_for, reader, article):
    client = client_for(reader)
    client.post(
        "/api/interactions/",
        f'{{"article": {article.pk}, "event": "like"}}',
        content_type="application/json",
        **HEADERS,
    )

    retry = client.post(
        "/api/interactions/",
        f'{{"event":"like","article":{article.pk}}}',
        content_type="application/json",
        **HEADERS,
    )

    assert retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Interaction.objects.filter(user=reader).count() == 1


def test_a_multipart_retry_with_another_boundary_is_a_replay(client_for, editor):
    client = client_for(editor)
    fields = {"title": "Exploring complex networks", "status": "published"}

    def multipart(boundary: str) -> bytes:
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ]
        return ("".join(parts) + f"--{boundary}--\r\n").encode()

    first = client.post(
        "/api/articles/",
        multipart("first"),
        content_type="multipart/form-data; boundary=first",
        **HEADERS,
    )
    retry = client.post(
        "/api/articles/",
        multipart("retry"),
        content_type="multipart/form-data; boundary=retry",
        **HEADERS,
    )

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Article.objects.filter(title="Exploring complex networks").count() == 1


def test_a_used_key_with_another_body_is_422_and_writes_nothing(client_for, reader, article):
    client = client_for(reader)
    post_event(client, article, "like")

    other = post_event(client, article, "bookmark")

    assert other.status_code == 422
    assert other.json() == {
        "detail": "This Idempotency-Key was already used with a different request (method, "
        "path or body). Send a new key for a new request."
    }
    assert list(Interaction.objects.values_list("event", flat=True)) == ["like"]
    assert stored_keys() == [("alice", KEY, 201)]


def test_a_used_key_on_another_path_is_422(client_for, reader, article, explanation):
    client = client_for(reader)
    post_event(client, article, "like")

    other = client.post(
        f"/api/explanations/{explanation.pk}/feedback/", {"vote": "up"}, format="json", **HEADERS
    )

    assert other.status_code == 422
    assert ExplanationFeedback.objects.count() == 0


def test_keys_are_per_user(client_for, reader, other_reader, article):
    body = {"article": article.pk, "event": "like"}
    client_for(reader).post("/api/interactions/", body, format="json", **HEADERS)

    others = client_for(other_reader).post("/api/interactions/", body, format="json", **HEADERS)

    assert others.status_code == 201
    assert "Idempotent-Replayed" not in others
    assert others.json()["article"] == article.pk
    assert sorted(Interaction.objects.values_list("user__username", flat=True)) == ["alice", "bob"]
    assert sorted(stored_keys()) == [("alice", KEY, 201), ("bob", KEY, 201)]


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "clé-accentuée", "tab\there"],
    ids=["empty", "too-long", "non-ascii", "control-character"],
)
def test_a_bad_key_is_400_with_a_field_message_and_writes_nothing(client_for, reader, article, key):
    response = post_event(client_for(reader), article, "like", key=key)

    assert response.status_code == 400
    assert response.json() == {
        "Idempotency-Key": ["Idempotency-Key must be 1 to 255 printable ASCII characters."]
    }
    assert Interaction.objects.count() == 0
    assert stored_keys() == []


def test_the_longest_key_is_accepted(client_for, reader, article):
    key = "k" * 255

    response = post_event(client_for(reader), article, "like", key=key)

    assert response.status_code == 201
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == [key]


def test_a_refused_request_keeps_no_key_so_a_fixed_retry_runs(client_for, reader, article):
    client = client_for(reader)
    refused = post_event(client, article, "shout")
    assert refused.status_code == 400
    assert stored_keys() == []

    fixed = post_event(client, article, "like")

    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert list(Interaction.objects.values_list("event", flat=True)) == ["like"]


def test_an_anonymous_post_with_a_key_is_401_and_stores_nothing(api_client, article):
    response = post_event(api_client, article, "like")

    assert response.status_code == 401
    assert Interaction.objects.count() == 0
    assert stored_keys() == []


def test_a_browser_session_needs_its_csrf_token_before_a_key_counts(reader, article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    body = {"article": article.pk, "event": "like"}
    forged = client.post("/api/interactions/", body, content_type="application/json", **HEADERS)
    assert forged.status_code == 403
    assert stored_keys() == []
    client.get(reverse("article_detail", kwargs={"slug": article.slug}))  # sets the CSRF cookie
    csrf = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}

    first = client.post(
        "/api/interactions/", body, content_type="application/json", **HEADERS, **csrf
    )
    retry = client.post(
        "/api/interactions/", body, content_type="application/json", **HEADERS, **csrf
    )

    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert Interaction.objects.filter(user=reader, event="like").count() == 1


def test_a_crash_after_the_write_leaves_neither_write_nor_key(
    client_for, reader, article, monkeypatch
):
    # The process "dies" between the view's write and storing the response.
    def crash(**kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr("recsite.idempotency.middleware.idempotency_key_store", crash)
    client = client_for(reader)

    with pytest.raises(RuntimeError, match="killed"):
        post_event(client, article, "like")

    assert Interaction.objects.count() == 0
    assert stored_keys() == []


def test_an_expired_key_is_not_replayed_and_runs_again(client_for, reader, article, settings):
    settings.RECSITE_IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = client_for(reader)
    body = {"article": article.pk, "event": "like"}
    client.post("/api/interactions/", body, format="json", **HEADERS)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = client.post("/api/interactions/", body, format="json", **HEADERS)

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Interaction.objects.filter(user=reader).count() == 2
    (key,) = IdempotencyKey.objects.all()
    assert key.created_at > timezone.now() - timedelta(minutes=1)


def test_the_daily_task_purges_only_expired_keys(reader, other_reader, settings):
    settings.RECSITE_IDEMPOTENCY_KEY_TTL_HOURS = 24
    now = timezone.now()
    for user, key, age in [(reader, "old", 25), (reader, "fresh", 23), (other_reader, "old", 48)]:
        IdempotencyKey.objects.create(
            user=user,
            key=key,
            request_hash="0" * 64,
            status_code=201,
            created_at=now - timedelta(hours=age),
        )

    deleted = tasks.purge_idempotency_keys.delay().get()

    assert deleted == 2
    assert stored_keys() == [("alice", "fresh", 201)]


def test_the_purge_runs_daily_from_the_beat_schedule(db):
    task = PeriodicTask.objects.get(task="recsite.purge_idempotency_keys")

    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "4", "*")


def test_deleting_a_user_deletes_their_keys(client_for, reader, other_reader, article):
    body = {"article": article.pk, "event": "like"}
    client_for(reader).post("/api/interactions/", body, format="json", **HEADERS)
    client_for(other_reader).post("/api/interactions/", body, format="json", **HEADERS)

    personal_data_delete(user=reader)

    assert stored_keys() == [("bob", KEY, 201)]


def test_a_post_without_a_key_is_not_recorded(client_for, reader, article):
    body = {"article": article.pk, "event": "like"}

    client_for(reader).post("/api/interactions/", body, format="json")
    client_for(reader).post("/api/interactions/", body, format="json")

    assert Interaction.objects.count() == 2
    assert stored_keys() == []


def test_services_claim_reports_a_taken_key(reader):
    services.idempotency_key_claim(user=reader, key=KEY, request_hash="a" * 64)

    with pytest.raises(services.IdempotencyKeyTaken):
        services.idempotency_key_claim(user=reader, key=KEY, request_hash="b" * 64)

    assert list(IdempotencyKey.objects.values_list("request_hash", flat=True)) == ["a" * 64]


# Every authenticated POST that writes, as the schema lists them; /api/recommend/ only reads.
WRITING_POSTS = {
    "/api/articles/",
    "/api/interactions/",
    "/api/explanations/{id}/feedback/",
    "/api/model-versions/retrain/",
    "/api/model-versions/{id}/activate/",
    "/api/model-versions/rollback/",
    "/api/topics/{slug}/follow/",
}


def test_the_schema_documents_the_key_on_every_authenticated_writing_post(api_client, db):
    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    posts = {path: ops["post"] for path, ops in schema["paths"].items() if "post" in ops}

    with_key = {
        path
        for path, operation in posts.items()
        if "Idempotency-Key" in [p["name"] for p in operation.get("parameters", [])]
    }

    assert with_key == WRITING_POSTS
    assert set(posts) - with_key == {"/api/auth/token/", "/api/recommend/"}
    for path in WRITING_POSTS:
        responses = posts[path]["responses"]
        assert {"400", "409", "422"} <= set(responses), path
        success = next(code for code in responses if code.startswith("2"))
        assert "Idempotent-Replayed" in responses[success]["headers"], path
