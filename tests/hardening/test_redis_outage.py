"""Redis down, then back: one real redis-server is the cache, the Celery broker and the result
backend, as in production. Stopped around a burst of writes through every write path that used
to answer 500 after storing its row, it costs no 5xx and no duplicate; the background work and
the cache deletes the writes requested wait in the outbox, and run once Redis is back and the
relay has run. (Redis restarts from a dump, as a production Redis with persistence does, so the
stale entries written before the outage are still there to be deleted.)"""

import json
import shutil
from dataclasses import dataclass

import pytest
import redis
from django.core.cache import cache
from django.core.management import call_command

from articles.models import Interaction, SearchQuery
from recommender.cache import lists
from recommender.models import Explanation, ExplanationFeedback, ModelVersion, OutboxMessage
from recsite.celery import app as celery_app
from tests.factories import UserFactory
from tests.redis_cache import redis_caches

from .conftest import (
    RedisServer,
    celery_connections_reset,
    free_spare_port,
    redis_server_start,
    skip_or_fail,
    wait_for,
)

CACHE_PREFIX = "outage"


@dataclass
class Outage:
    """A private redis-server, stopped after a dump of its data and started again on the same
    port from that dump."""

    server: RedisServer
    dump_dir: str
    restarted: RedisServer | None = None

    def begin(self) -> None:
        redis.Redis.from_url(self.server.url).save()
        self.server.stop()

    def end(self) -> None:
        self.restarted = redis_server_start(self.server.port, "--dir", self.dump_dir)


@pytest.fixture
def outage(settings, tmp_path):
    """A private redis-server as cache, broker and result backend; Celery publishing for real."""
    if shutil.which("redis-server") is None:
        skip_or_fail("needs the redis-server program")
    outage = Outage(redis_server_start(free_spare_port(), "--dir", str(tmp_path)), str(tmp_path))
    settings.CACHES = redis_caches(outage.server.url, KEY_PREFIX=CACHE_PREFIX)
    conf = celery_app.conf
    saved = conf.broker_url, conf.result_backend, conf.task_always_eager
    conf.broker_url = conf.result_backend = outage.server.url
    conf.task_always_eager = False
    celery_connections_reset()
    yield outage
    conf.broker_url, conf.result_backend, conf.task_always_eager = saved
    celery_connections_reset()
    for server in (outage.server, outage.restarted):
        if server is not None:
            server.stop()


def _stale_entries(reader, mf_version, client, client_for) -> list[str]:
    """The reader's list and rendered pages, cached while Redis is up, that their next
    interaction outdates. (Their cached explanations are keyed by score: a new history makes new
    keys, so they need no delete.)"""
    client.get("/")
    client_for(reader).get("/api/recommendations/?n=5")
    keys = [f"rec:list:{mf_version.pk}:{reader.pk}", f"rec:pages:{reader.pk}"]
    assert all(cache.get(key) is not None for key in keys)
    return keys


def _writes_during_outage(reader, clusters, client, client_for) -> dict[str, int]:
    explanation = Explanation.objects.create(
        user=reader, article=clusters.a[-2], style=Explanation.Style.TRENDING, text="Trending"
    )
    api = client_for(reader)
    return {
        "api interaction": api.post(
            "/api/interactions/", {"article": clusters.a[-1].pk, "event": "like"}, format="json"
        ).status_code,
        "article view": client.get(f"/articles/{clusters.b[0].slug}/").status_code,
        "site search": client.get("/search/?q=galaxies").status_code,
        "api search": api.get("/api/articles/?q=nebulae").status_code,
        "me": client.get("/me/").status_code,
        "not relevant": api.post(
            f"/api/explanations/{explanation.pk}/feedback/",
            {"vote": "down", "reason": "not_relevant"},
            format="json",
        ).status_code,
        # a superuser, not the editors' group: transactional tests flush the migrations' groups
        "retrain": client_for(UserFactory(is_staff=True, is_superuser=True))
        .post("/api/model-versions/retrain/")
        .status_code,
    }


ANSWERS = {
    "api interaction": 201,
    "article view": 200,
    "site search": 200,
    "api search": 200,
    "me": 200,
    "not relevant": 201,
    "retrain": 202,
}
# (task, args) requested by the burst: a refresh per interaction (like, view, the dislike that
# "not relevant" records), an embedding per search, key phrases for /me/, one retraining.
REQUESTED = sorted(
    [("recommender.refresh_user_lists", "[[R]]")] * 3
    + [("recommender.embed_searches", "[R]")] * 2
    + [("recommender.mine_reader_phrases", "[R]"), ("recommender.retrain", "[]")]
)


def _requested(messages, reader) -> list[tuple[str, str]]:
    return sorted(
        (task, json.dumps(args).replace(str(reader.pk), "R"))
        for task, args in messages.exclude(task="").values_list("task", "args")
    )


def _stored(server: RedisServer, keys: list[str]) -> list[str]:
    """Those of the cache ``keys`` that Redis holds (read without django_redis, which would
    answer None for a failed read)."""
    client = redis.Redis.from_url(server.url)
    return [key for key in keys if client.exists(cache.make_key(key))]


def _queued(server: RedisServer, queue: str) -> list[str]:
    """Task names of the messages waiting in a Celery queue (a Redis list)."""
    client = redis.Redis.from_url(server.url)
    return sorted(json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1))


@pytest.mark.django_db(transaction=True)  # on_commit publishing runs inside the requests
def test_a_redis_outage_loses_no_write_and_no_work(
    outage, mf_version, clusters, client, client_for
):
    # given: a reader whose list, pages and explanations are cached in Redis
    reader = clusters.readers[0]
    client.force_login(reader)
    stale = _stale_entries(reader, mf_version, client, client_for)
    interactions = Interaction.objects.filter(user=reader).count()
    versions = ModelVersion.objects.count()

    # when: Redis stops (its data dumped first) and the reader and an editor write
    outage.begin()
    statuses = _writes_during_outage(reader, clusters, client, client_for)

    # then: every write answered as usual, stored once, with its work pending in the outbox
    assert statuses == ANSWERS
    assert Interaction.objects.filter(user=reader).count() == interactions + 3
    assert SearchQuery.objects.filter(user=reader).count() == 2
    assert ExplanationFeedback.objects.filter(user=reader).count() == 1
    assert ModelVersion.objects.count() == versions  # the retraining waits for a worker
    pending = OutboxMessage.objects.filter(sent_at=None)
    assert _requested(pending, reader) == REQUESTED
    held_back = {key for keys in pending.values_list("cache_keys", flat=True) for key in keys}
    assert set(stale) <= held_back

    # when: Redis is back (with the stale entries) and the relay runs
    outage.end()
    assert _stored(outage.server, stale) == stale
    call_command("relay_outbox")

    # then: nothing is pending, every requested task is queued once, the stale entries are gone
    assert OutboxMessage.objects.filter(sent_at=None).count() == 0
    assert _queued(outage.server, "default") == ["recommender.refresh_user_lists"] * 3
    assert _queued(outage.server, "ml") == sorted(
        ["recommender.embed_searches"] * 2
        + ["recommender.mine_reader_phrases", "recommender.retrain"]
    )
    assert _stored(outage.server, stale) == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the worker must see the rows: they are committed
def test_after_a_redis_outage_a_worker_runs_the_refreshes_the_writes_requested(
    outage, start_worker, mf_version, clusters, client, client_for
):
    # given: a reader's cached list, and writes made during an outage, now relayed
    reader = clusters.readers[0]
    client.force_login(reader)
    stale = _stale_entries(reader, mf_version, client, client_for)
    outage.begin()
    assert _writes_during_outage(reader, clusters, client, client_for) == ANSWERS
    outage.end()
    call_command("relay_outbox")
    assert cache.get(stale[0]) is None

    # when: a worker consumes the default queue
    start_worker("default", REDIS_URL=outage.server.url, RECSITE_CACHE_PREFIX=CACHE_PREFIX)

    # then: it recomputed the reader's list from the new behaviour, and drained the queue
    refreshed = wait_for(
        lambda: lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk),
        timeout=60,
        what="the reader's list to be refreshed",
    )
    wait_for(lambda: not _queued(outage.server, "default"), timeout=30, what="the queue to drain")
    shown = [article_id for article_id, _, _ in refreshed.items]
    assert clusters.a[-1].pk not in shown  # liked during the outage: read, so never shown again
    assert clusters.a[-2].pk not in shown  # dismissed as not relevant
