"""Load benchmark (issue 6): simulated readers against the whole production-shaped stack.

gunicorn (2 sync workers) + PostgreSQL + Redis + one Celery worker (``-Q default,ml,inference
-c 1``) on this machine, 127.0.0.1 only, citeulike-a loaded (see benchmarks/_server.py). 50
simulated readers (imported citeulike-a readers with API tokens), one thread and one connection
each, repeat for 60 s: read their list (``GET /api/recommendations/``), open one of its articles
(``GET /api/articles/{id}/``), record an interaction with it (``POST /api/interactions/``) and
sometimes vote on its explanation (``POST /api/explanations/{id}/feedback/``), with a random
think time after each request. Votes are sent only if the OpenAPI schema has that operation, and
only with reasons that record no interaction (so interactions can be counted exactly).

Each reader comes from its own client address, through the trusted-proxy header
(``X-Forwarded-For`` with ``RECSITE_TRUSTED_PROXIES=1``, as behind the recommended TLS proxy), and
every write carries a fresh ``Idempotency-Key``; 10 % of the writes are sent a second time with
the same key and body, as a client retrying after a lost answer, and must be replayed (same
status and body, ``Idempotent-Replayed: true``) without writing anything. Throttles keep their
defaults; a 429 is not an error but is counted and reported on its own (its write is not
acknowledged, so it must not be stored either).

Bars: no error (every response the expected status or 429, no connection error); every retry
replayed; every acknowledged write is in the database afterwards, exactly (0 duplicates, 0 lost):
per reader, the interactions created after the start equal the 201 responses, and each
acknowledged vote is stored with its last value; the Celery queues (messages waiting + delivered
but unacknowledged) are empty within 60 s after the load stopped. p50/p99 latency per endpoint is
reported, as seen by the clients and as spent in the gunicorn workers.

    .venv/bin/python benchmarks/load.py [--readers 50] [--duration 60] [--think-ms 1000]

Writes benchmarks/results/load.json; exits 1 when a bar is missed, 2 when data is missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402
import _server  # noqa: E402

QUEUES = _server.QUEUES
FEEDBACK_PATH = "/api/explanations/{id}/feedback/"
# (event, weight) of the interactions the readers record.
EVENTS = (("view", 4), ("read", 3), ("like", 1), ("bookmark", 1), ("dislike", 1))
# Votes whose reason records no interaction (not_relevant and already_read would).
VOTES = ({"vote": "up", "reason": "helpful"}, {"vote": "down", "reason": "wrong_reason"})
VOTE_SHARE = 0.3
# Share of the writes sent again with the same Idempotency-Key, as a client retrying.
RETRY_SHARE = 0.1
DRAIN_BAR_SECONDS = 60
DRAIN_WATCH_SECONDS = 180
ENDPOINT_OF = (
    (re.compile(r"^/api/recommendations/$"), "GET /api/recommendations/"),
    (re.compile(r"^/api/articles/\d+/$"), "GET /api/articles/{id}/"),
    (re.compile(r"^/api/interactions/$"), "POST /api/interactions/"),
    (re.compile(r"^/api/explanations/\d+/feedback/$"), "POST " + FEEDBACK_PATH),
)


class Reader(threading.Thread):
    """One simulated reader: its own token, connection, random stream and tallies."""

    def __init__(self, number, user_id, token, *, port, deadline, think_s, votes):
        super().__init__(name=f"reader-{number}")
        self.user_id = user_id
        self.port = port
        self.deadline = deadline
        self.think_s = think_s
        self.votes_enabled = votes
        self.random = random.Random(number)
        self.headers = {
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            # A documentation address (RFC 5737) per reader: only a header value, never dialled.
            "X-Forwarded-For": f"198.51.{100 + number // 250}.{1 + number % 250}",
        }
        self.connection = http.client.HTTPConnection(_server.HOST, port, timeout=30)
        self.latencies = defaultdict(list)  # endpoint -> milliseconds
        self.errors: list[str] = []
        self.interaction_ids: list[int] = []
        self.votes: dict[int, str] = {}  # explanation id -> last acknowledged vote
        self.votes_created = 0
        self.throttled = Counter()  # endpoint -> 429 answers
        self.retries = 0
        self.retries_replayed = 0

    def request(self, endpoint, method, path, body=None, expected=(200,), headers=None):
        payload = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        try:
            self.connection.request(
                method, path, body=payload, headers={**self.headers, **(headers or {})}
            )
            response = self.connection.getresponse()
            data = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()  # the next request opens a new connection
            self.errors.append(f"{endpoint}: {error!r}")
            return None, None
        self.latencies[endpoint].append((time.perf_counter() - started) * 1000)
        self.last_replayed = response.getheader("Idempotent-Replayed") == "true"
        self.last_data = data
        if status == 429:
            self.throttled[endpoint] += 1
            return status, None
        if status not in expected:
            self.errors.append(f"{endpoint}: HTTP {status} {data[:200]!r}")
            return status, None
        return status, json.loads(data) if data else None

    def write(self, endpoint, path, body, expected):
        """POST with a fresh Idempotency-Key; now and then the same request again, which must be
        answered with the first response, replayed."""
        key = {"Idempotency-Key": str(uuid.uuid4())}
        status, stored = self.request(endpoint, "POST", path, body, expected, headers=key)
        if stored is None or self.random.random() >= RETRY_SHARE:
            return status, stored
        first = self.last_data
        again, _ = self.request(endpoint, "POST", path, body, expected, headers=key)
        if again == 429:  # throttled before the key was looked at: counted as a 429 only
            return status, stored
        self.retries += 1
        if again == status and self.last_replayed and self.last_data == first:
            self.retries_replayed += 1
        else:
            self.errors.append(f"{endpoint}: retry not replayed (HTTP {again})")
        return status, stored

    def think(self) -> bool:
        time.sleep(self.random.uniform(0.5, 1.5) * self.think_s)
        return time.monotonic() < self.deadline

    def run(self):
        try:
            while time.monotonic() < self.deadline:
                _, listed = self.request(
                    "GET /api/recommendations/", "GET", "/api/recommendations/?n=10"
                )
                if not listed or not listed["results"] or not self.think():
                    continue
                item = self.random.choice(listed["results"])
                article_id = item["article"]["id"]
                self.request("GET /api/articles/{id}/", "GET", f"/api/articles/{article_id}/")
                if not self.think():
                    break
                event = self.random.choices(*zip(*EVENTS, strict=True))[0]
                _, created = self.write(
                    "POST /api/interactions/",
                    "/api/interactions/",
                    {"article": article_id, "event": event},
                    expected=(201,),
                )
                if created:
                    self.interaction_ids.append(created["id"])
                explanation = item.get("explanation")
                if self.votes_enabled and explanation and self.random.random() < VOTE_SHARE:
                    if not self.think():
                        break
                    self.vote(explanation["id"])
                self.think()
        finally:
            self.connection.close()

    def vote(self, explanation_id: int):
        body = self.random.choice(VOTES)
        status, stored = self.write(
            "POST " + FEEDBACK_PATH,
            FEEDBACK_PATH.format(id=explanation_id),
            body,
            expected=(200, 201),
        )
        if stored:
            self.votes[explanation_id] = body["vote"]
            self.votes_created += status == 201


def schema_has_feedback(port: int) -> bool:
    status, body = _server.http_get(port, "/api/schema/?format=json", timeout=60)
    if status != 200:
        raise RuntimeError(f"GET /api/schema/ answered {status}")
    return "post" in json.loads(body).get("paths", {}).get(FEEDBACK_PATH, {})


def watch_drain(redis, *, limit: float) -> tuple[float | None, list[tuple[float, int]]]:
    """Seconds until the queues are empty (None if not within ``limit``) and the backlog over
    time."""
    started = time.monotonic()
    samples = []
    while (elapsed := time.monotonic() - started) <= limit:
        backlog = _server.queue_backlog(redis, QUEUES)
        samples.append((round(elapsed, 2), backlog))
        if backlog == 0:
            return elapsed, samples
        time.sleep(0.25)
    return None, samples


def endpoint_of(path: str) -> str | None:
    for pattern, endpoint in ENDPOINT_OF:
        if pattern.match(path):
            return endpoint
    return None


def verify_writes(readers: list[Reader], *, interaction_id_before: int, started_at) -> dict:
    """Compare what the clients were told was stored with what the database holds."""
    from articles.models import Interaction
    from recommender.models import ExplanationFeedback

    rows = Counter(
        Interaction.objects.filter(
            pk__gt=interaction_id_before, user_id__in=[reader.user_id for reader in readers]
        ).values_list("user_id", flat=True)
    )
    acknowledged = {reader.user_id: len(reader.interaction_ids) for reader in readers}
    mismatched = {
        pk: {"acknowledged": count, "in_db": rows.get(pk, 0)}
        for pk, count in acknowledged.items()
        if rows.get(pk, 0) != count
    }
    ids = [pk for reader in readers for pk in reader.interaction_ids]
    found = Interaction.objects.filter(pk__in=ids).count()

    vote_wrong = []
    votes_acknowledged = 0
    votes_created_in_db = 0
    for reader in readers:
        stored = dict(
            ExplanationFeedback.objects.filter(
                user_id=reader.user_id, explanation_id__in=list(reader.votes)
            ).values_list("explanation_id", "vote")
        )
        votes_acknowledged += len(reader.votes)
        votes_created_in_db += ExplanationFeedback.objects.filter(
            user_id=reader.user_id, created_at__gte=started_at
        ).count()
        for explanation_id, vote in reader.votes.items():
            if stored.get(explanation_id) != (1 if vote == "up" else -1):
                vote_wrong.append(
                    (reader.user_id, explanation_id, vote, stored.get(explanation_id))
                )
    votes_created = sum(reader.votes_created for reader in readers)
    return {
        "interactions_acknowledged": sum(acknowledged.values()),
        "interactions_in_db": sum(rows.values()),
        "interaction_ids_found": found,
        "readers_mismatched": mismatched,
        "votes_acknowledged": votes_acknowledged,
        "votes_created_acknowledged": votes_created,
        "votes_created_in_db": votes_created_in_db,
        "votes_wrong": vote_wrong[:20],
        "exact": not mismatched
        and found == len(ids)
        and not vote_wrong
        and votes_created == votes_created_in_db,
    }


def summarize(values: list[float]) -> dict:
    return {
        "count": len(values),
        "p50_ms": _server.percentile(values, 50),
        "p90_ms": _server.percentile(values, 90),
        "p99_ms": _server.percentile(values, 99),
        "max_ms": max(values) if values else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _server.deployment_options(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument(
        "--think-ms", type=int, default=1000, help="mean think time after each request"
    )
    # Readers from the end of the data set: the serving benchmark uses the first ones.
    parser.add_argument("--skip-readers", type=int, default=5000)
    _data.data_option(parser)
    args = parser.parse_args()
    if (citeulike := _data.citeulike(args.data)) is None:
        return 2

    machine = _server.machine()
    # Behind one proxy, as deployed: each reader's address arrives in X-Forwarded-For.
    env, data = _server.deployment_open(args, citeulike=citeulike, RECSITE_TRUSTED_PROXIES="1")
    from django.utils import timezone

    from articles.models import Interaction

    user_ids = _server.reader_ids(args.readers, skip=args.skip_readers)
    tokens = _server.tokens_for(user_ids)
    redis = _server.redis_client(args.redis_db)
    stale = _server.queues_purge(redis)
    print(
        f"citeulike-a: {data['articles']} articles, {data['interactions']} interactions, "
        f"MF v{data['model_version']}; {args.readers} readers for {args.duration} s"
        + (f"; purged {stale} stale Celery messages" if stale else ""),
        flush=True,
    )

    with (
        _server.CeleryWorker(env, queues=",".join(QUEUES)),
        _server.Gunicorn(env, workers=args.workers) as server,
    ):
        votes = schema_has_feedback(server.port)
        if not votes:
            print(f"NOTE: the schema has no POST {FEEDBACK_PATH}: votes are skipped.")
        # Warm-up: every reader's list once (loads the model into both workers).
        for pk in user_ids:
            _server.http_get(server.port, "/api/recommendations/", token=tokens[pk])
        drained, _ = watch_drain(redis, limit=DRAIN_WATCH_SECONDS)
        if drained is None:
            raise RuntimeError("the Celery queues did not empty before the load started")

        interaction_id_before = (
            Interaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        started_at = timezone.now()
        offset = server.access_offset()
        deadline = time.monotonic() + args.duration
        readers = [
            Reader(
                number,
                pk,
                tokens[pk],
                port=server.port,
                deadline=deadline,
                think_s=args.think_ms / 1000,
                votes=votes,
            )
            for number, pk in enumerate(user_ids)
        ]
        load_started = time.monotonic()
        backlog_during = []
        for reader in readers:
            reader.start()
        while any(reader.is_alive() for reader in readers):
            backlog_during.append(_server.queue_backlog(redis, QUEUES))
            time.sleep(1)
        for reader in readers:
            reader.join()
        load_seconds = time.monotonic() - load_started
        print(f"load done in {load_seconds:.1f} s; watching the Celery queues ...", flush=True)
        backlog_at_stop = _server.queue_backlog(redis, QUEUES)
        drain_seconds, drain_samples = watch_drain(redis, limit=DRAIN_WATCH_SECONDS)
        worker_ms = defaultdict(list)
        logged_errors = 0
        for _, path, status, ms in server.access_entries(offset):
            if (endpoint := endpoint_of(path)) is not None:
                worker_ms[endpoint].append(ms)
            logged_errors += status >= 500
        memory = {str(pid): _server.memory_mib(pid) for pid in server.worker_pids()}

    writes = verify_writes(
        readers, interaction_id_before=interaction_id_before, started_at=started_at
    )
    client_ms = defaultdict(list)
    for reader in readers:
        for endpoint, values in reader.latencies.items():
            client_ms[endpoint].extend(values)
    errors = [error for reader in readers for error in reader.errors]
    endpoints = {
        endpoint: {
            "client": summarize(client_ms[endpoint]),
            "worker": summarize(worker_ms[endpoint]),
        }
        for _, endpoint in ENDPOINT_OF
        if client_ms[endpoint]
    }
    requests = sum(len(values) for values in client_ms.values())
    throttled = sum((reader.throttled for reader in readers), Counter())
    retries = sum(reader.retries for reader in readers)
    replayed = sum(reader.retries_replayed for reader in readers)
    bars = {
        "no_errors": not errors and logged_errors == 0,
        "retries_replayed": replayed == retries,
        "writes_exact": writes["exact"],
        "queue_drained_60s": drain_seconds is not None and drain_seconds <= DRAIN_BAR_SECONDS,
    }

    print(f"\n{'endpoint':36s}{'count':>7s}", end="")
    print(f"{'client p50':>12s}{'p99':>8s}{'worker p50':>12s}{'p99':>8s}")
    for endpoint, figures in endpoints.items():
        client, worker = figures["client"], figures["worker"]
        print(
            f"{endpoint:36s}{client['count']:7d}{client['p50_ms']:12.1f}{client['p99_ms']:8.1f}"
            f"{worker['p50_ms']:12.1f}{worker['p99_ms']:8.1f}"
        )
    print(
        f"(milliseconds) {requests} requests in {load_seconds:.1f} s: "
        f"{requests / load_seconds:.0f} req/s"
    )
    print(
        f"writes: {writes['interactions_acknowledged']} interactions acknowledged, "
        f"{writes['interactions_in_db']} new rows in the database; {writes['votes_acknowledged']} "
        f"votes acknowledged ({writes['votes_created_acknowledged']} first votes, "
        f"{writes['votes_created_in_db']} new rows)"
    )
    drained_text = f"{drain_seconds:.1f} s" if drain_seconds is not None else "not drained"
    print(
        f"Celery backlog: max {max(backlog_during, default=0)} during the load, "
        f"{backlog_at_stop} when it stopped, empty after {drained_text}"
    )
    print(
        f"retries with the same Idempotency-Key: {retries}, replayed {replayed}; "
        f"429 answers: {dict(throttled) or 0}"
    )
    print(f"errors: {len(errors)} client-side, {logged_errors} 5xx logged")
    for error in errors[:10]:
        print(f"  {error}")
    for bar, ok in bars.items():
        print(f"  {bar:18s} {'ok' if ok else 'MISSED'}")

    _server.report_write(
        "load",
        machine=machine,
        data=data,
        config={
            "readers": args.readers,
            "seconds": args.duration,
            "think_ms_mean": args.think_ms,
            "gunicorn_workers": args.workers,
            "celery": "one worker, -Q default,ml,inference -c 1",
            "votes": votes,
            "events": dict(EVENTS),
            "retry_share": RETRY_SHARE,
            "client_addresses": "one per reader, X-Forwarded-For behind 1 trusted proxy",
            "throttles": "defaults",
        },
        bars={"met": bars, "drain_limit_seconds": DRAIN_BAR_SECONDS},
        requests=requests,
        throughput_rps=requests / load_seconds,
        endpoints=endpoints,
        errors={"client": len(errors), "logged_5xx": logged_errors, "samples": errors[:20]},
        retries={"sent": retries, "replayed": replayed},
        throttled=dict(throttled),
        writes=writes,
        celery={
            "backlog_max_during_load": max(backlog_during, default=0),
            "backlog_at_stop": backlog_at_stop,
            "drain_seconds": drain_seconds,
            "drain_samples": drain_samples[:: max(1, len(drain_samples) // 40)],
        },
        memory_mib=memory,
    )
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
