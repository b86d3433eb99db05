"""Redis outage benchmark (issue 10): a burst of writes while Redis is down, then Redis back.

A production-shaped deployment on this machine, 127.0.0.1 only: gunicorn (2 sync workers),
PostgreSQL (database ``recsite_outbox``, the demo catalogue, an MF version trained once), one
Celery worker (``-Q default,ml``) and Celery beat, all on a private redis-server on a spare port
(6390-6399; never the shared one) that is the cache, the broker and the result backend.

1. Each simulated reader (API token) reads their list, so lists, pages and explanations are
   cached.
2. Redis is stopped (its data saved first, as a production Redis with persistence keeps it).
3. Burst: every reader sends ``--writes`` requests: interactions (``POST /api/interactions/``),
   searches (``GET /api/articles/?q=``) and one "not relevant" thumbs-down on an explanation
   of their list; the editor asks for a retraining (``POST /api/model-versions/retrain/``).
4. Redis starts again from its data; the readers keep a light trickle of interactions going, as
   traffic would, while the outbox drains (the web processes nudge the relay; beat relays every
   minute).

Bars: no 5xx; every acknowledged write stored exactly once (interactions, searches, votes);
every refresh the writes requested executed by the worker after Redis returned (matched by
task id in the worker's log); the outbox and the queues empty within ``--drain-limit`` seconds.

    .venv/bin/python benchmarks/redis_outage.py [--readers 6] [--writes 12]

Writes benchmarks/results/redis_outage.json; exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402

DATABASE = "recsite_outbox"
SPARE_PORTS = range(6390, 6400)
SEARCH_WORDS = ("networks", "learning", "climate", "galaxy", "protein", "music", "history")
EVENTS = ("view", "read", "like", "bookmark")
REFRESH = "recommender.refresh_user_lists"
SUCCEEDED = re.compile(r"Task (recommender\.[a-z_]+)\[([0-9a-f-]+)\] succeeded")


class PrivateRedis:
    """A redis-server on a spare port that saves its data to ``VAR/outage-redis`` on request."""

    def __init__(self):
        self.port = next(p for p in SPARE_PORTS if _port_free(p))
        self.directory = _server.VAR / "outage-redis"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{_server.HOST}:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", _server.HOST, "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while _port_free(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def stop(self, *, save: bool) -> None:
        if save:
            self.client().save()
        _server._stop_group(self.process, grace=10)

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((_server.HOST, port)) != 0


class Beat(_server.Server):
    """``celery -A recsite beat`` with the schedules stored in the database."""

    what = "celery beat"

    def __init__(self, env):
        self.env = env
        self.log = _server.VAR / "celery-beat.log"
        self.process = None

    def __enter__(self):
        self.log.unlink(missing_ok=True)
        command = [str(_server.BIN / "celery"), "-A", "recsite", "beat", "-l", "info"]
        command += [f"--logfile={self.log}", f"--schedule={_server.VAR / 'beat-schedule'}"]
        self._start(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        return self

    def _ready(self) -> bool:
        return True  # nothing to wait for: it only sends tasks, on its schedule

    def __exit__(self, *exc):
        _server._stop_group(self.process, grace=10)


class Client:
    """One API client (token) with its own connection and tallies."""

    def __init__(self, port: int, token: str, seed: int):
        self.port = port
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.random = random.Random(seed)
        self.statuses: Counter = Counter()
        self.acknowledged: Counter = Counter()  # interaction, search, vote, retrain
        self.errors: list[str] = []

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(_server.HOST, self.port, timeout=30)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            connection.request(method, path, body=payload, headers=self.headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as error:
            self.errors.append(f"{method} {path}: {error!r}")
            return 0, {}
        finally:
            connection.close()
        self.statuses[response.status] += 1
        try:
            return response.status, json.loads(data or b"{}")
        except ValueError:
            return response.status, {}

    def interaction(self, article_id: int) -> None:
        event = self.random.choice(EVENTS)
        body = {"article": article_id, "event": event}
        if self.call("POST", "/api/interactions/", body)[0] == 201:
            self.acknowledged["interaction"] += 1

    def search(self) -> None:
        word = self.random.choice(SEARCH_WORDS)
        if self.call("GET", f"/api/articles/?q={word}")[0] == 200:
            self.acknowledged["search"] += 1

    def not_relevant(self, explanation_id: int) -> None:
        body = {"vote": "down", "reason": "not_relevant"}
        path = f"/api/explanations/{explanation_id}/feedback/"
        if self.call("POST", path, body)[0] in (200, 201):
            self.acknowledged["vote"] += 1


def burst(clients, lists, article_ids, writes: int) -> None:
    def run(client, reader_list):
        for number in range(writes):
            if number == 0 and reader_list["explanation"] is not None:
                client.not_relevant(reader_list["explanation"])
            elif number % 4 == 3:
                client.search()
            else:
                client.interaction(client.random.choice(article_ids))

    threads = [
        threading.Thread(target=run, args=(client, reader_list))
        for client, reader_list in zip(clients, lists, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def trickle(clients, article_ids, stop: threading.Event) -> threading.Thread:
    """One interaction per reader every ~2 s until ``stop``: traffic after the outage."""

    def run():
        while not stop.wait(2.0):
            for client in clients:
                client.interaction(client.random.choice(article_ids))

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def prepare(env) -> dict:
    from articles.models import Article
    from recommender.models import ModelVersion

    _server.manage(env, "migrate", "--noinput", "-v", "0")
    if Article.objects.count() < 300:
        _server.manage(env, "load_demo")
    if not ModelVersion.objects.filter(kind="mf", status="active").exists():
        _server.manage(env, "retrain", "--sync")
    return {"dataset": "the demo catalogue (load_demo)", "articles": Article.objects.count()}


def reader_ids(count: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    return list(
        get_user_model()
        .objects.filter(is_staff=False, is_active=True)
        .annotate(n=Count("interactions"))
        .filter(n__gte=5)
        .order_by("pk")
        .values_list("pk", flat=True)[:count]
    )


def _last_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--writes", type=int, default=12, help="requests per reader in the burst")
    parser.add_argument("--drain-limit", type=float, default=90.0)
    options = parser.parse_args()
    if shutil.which("redis-server") is None:
        print("needs the redis-server program")
        return 2

    redis = PrivateRedis()
    env = _server.deployment_env(database=DATABASE, redis_db=0)
    env.update(REDIS_URL=redis.url, RECSITE_CACHE_PREFIX="outage-bench")
    _server.setup_django(env, database=DATABASE)
    machine = _server.machine()
    redis.start()  # the training's lock lives in the cache
    try:
        return _run(options, env, redis, machine, prepare(env))
    finally:
        if redis.process is not None:
            redis.stop(save=False)


def _run(options, env, redis: PrivateRedis, machine: dict, data: dict) -> int:
    from django.contrib.auth import get_user_model

    from articles.models import Article, Interaction, SearchQuery
    from recommender.models import ExplanationFeedback, ModelVersion, OutboxMessage

    readers = reader_ids(options.readers)
    editor, _ = get_user_model().objects.get_or_create(
        username="outage-bench-staff", defaults={"is_staff": True}
    )
    tokens = _server.tokens_for([*readers, editor.pk])
    article_ids = list(Article.objects.filter(status="published").values_list("pk", flat=True))

    with (
        _server.Gunicorn(env) as web,
        _server.CeleryWorker(env, queues="default,ml") as worker,
        Beat(env),
    ):
        clients = [Client(web.port, tokens[pk], seed) for seed, pk in enumerate(readers)]
        staff = Client(web.port, tokens[editor.pk], seed=-1)
        # 1. warm caches: each reader's list, with an explanation to dismiss later
        lists = []
        for client in clients:
            _, page = client.call("GET", "/api/recommendations/?n=10")
            results = page.get("results", [])
            explained = [item["explanation"] for item in results if item.get("explanation")]
            lists.append({"explanation": explained[0]["id"] if explained else None})
        _server.queues_purge(redis.client())
        interaction_id_before = _last_pk(Interaction)
        searches_before = SearchQuery.objects.count()
        outbox_before = _last_pk(OutboxMessage)
        versions_before = ModelVersion.objects.count()

        # 2-3. Redis down, burst of writes
        redis.stop(save=True)
        started = time.monotonic()
        burst(clients, lists, article_ids, options.writes)
        _, retrain = staff.call("POST", "/api/model-versions/retrain/")
        staff.acknowledged["retrain"] += int(bool(retrain.get("task_id")))
        burst_seconds = time.monotonic() - started
        versions_during_burst = ModelVersion.objects.count() - versions_before
        during = OutboxMessage.objects.filter(pk__gt=outbox_before)
        pending_at_restart = during.filter(sent_at=None).count()
        requested = list(during.exclude(task="").values_list("task", "task_id"))
        last_id = during.order_by("-pk").values_list("pk", flat=True).first() or outbox_before
        outage_messages = OutboxMessage.objects.filter(pk__gt=outbox_before, pk__lte=last_id)
        held_back_deletes = during.exclude(cache_keys=[]).count()

        # 4. Redis back, traffic goes on, the outbox drains
        redis.start()
        back = time.monotonic()
        stop = threading.Event()
        trickling = trickle(clients, article_ids, stop)
        drained = outbox_empty = None
        wanted = {task_id for task, task_id in requested if task == REFRESH}
        executed = set()
        while time.monotonic() - back < options.drain_limit:
            log = worker.log.read_text(errors="replace") if worker.log.exists() else ""
            executed = {m[2] for m in SUCCEEDED.finditer(log) if m[2] in wanted}
            pending = outage_messages.filter(sent_at=None).count()
            if not pending and outbox_empty is None:
                outbox_empty = time.monotonic() - back
            if not pending and executed == wanted:
                drained = time.monotonic() - back
                break
            time.sleep(0.5)
        stop.set()
        trickling.join()

    everyone = [*clients, staff]
    statuses = sum((c.statuses for c in everyone), Counter())
    acknowledged = sum((c.acknowledged for c in everyone), Counter())
    stored = {
        # the dislikes that "not relevant" records are not counted: they are no request's own
        "interaction": Interaction.objects.filter(pk__gt=interaction_id_before, user_id__in=readers)
        .exclude(event="dislike")
        .count(),
        "search": SearchQuery.objects.count() - searches_before,
        "vote": ExplanationFeedback.objects.filter(
            user_id__in=readers, explanation_id__in=[r["explanation"] for r in lists], vote=-1
        ).count(),
    }
    figures = {
        "readers": len(clients),
        "requests": sum(statuses.values()),
        "status_counts": {str(code): n for code, n in sorted(statuses.items())},
        "connection_errors": [e for c in everyone for e in c.errors],
        "burst_seconds": round(burst_seconds, 2),
        "writes_acknowledged": dict(acknowledged),
        "rows_stored": stored,
        "retrain_task_queued": acknowledged["retrain"] == 1,
        "model_versions_during_burst": versions_during_burst,
        "model_versions_after_restart": ModelVersion.objects.count() - versions_before,
        "outbox_pending_at_restart": pending_at_restart,
        "outbox_cache_deletes_held_back": held_back_deletes,
        "tasks_requested_during_outage": dict(Counter(task for task, _ in requested)),
        "refreshes_requested": len(wanted),
        "refreshes_executed_after_restart": len(executed),
        "seconds_until_outbox_empty": None if outbox_empty is None else round(outbox_empty, 2),
        "seconds_until_refreshes_executed": None if drained is None else round(drained, 2),
    }
    bars = {
        "no_5xx": not any(code >= 500 for code in statuses) and not figures["connection_errors"],
        "writes_stored_exactly_once": all(
            stored[kind] == acknowledged[kind] for kind in ("interaction", "search", "vote")
        ),
        "every_refresh_executed": len(executed) == len(wanted) > 0,
        "drained_within_limit": drained is not None,
    }
    figures["bars"] = bars
    print(json.dumps(figures, indent=2))
    _server.report_write("redis_outage", machine=machine, data=data, **figures)
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
