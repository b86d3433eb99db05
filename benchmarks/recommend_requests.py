"""Benchmark (issue 12): ``POST /api/recommend/`` -- a request in words -- end to end.

The production shape: gunicorn (2 sync workers) dispatches ``recommender.request_recommend`` to
ONE Celery worker (every queue, concurrency 1, otherwise idle) over PostgreSQL and Redis, with
citeulike-a imported, embedded and MF + hybrid trained (benchmarks/_server.py: the first run
prepares the deployment, later runs reuse it). After a warm-up (the worker loads the text
encoder and embeds the catalogue's topic names once), ``--requests`` sequential requests, each
from the next of ``--readers`` imported readers (their tokens; a few requests each, within the
``recommend`` throttle), with varied ``user_input``: citeulike-a tags as words (one tag, two
tags, a short phrase) and, one request in ``--empty-every``, no words at all (the reader's next
articles or list).

Every answer must be 200 with results; with words, each result's explanation must cite the
request (style ``request_match``, its evidence's ``query`` the request and ``request`` one of
the request's own phrases). Latency is measured three ways: the client's (what the bar is
on), the web worker's (gunicorn's access log: dispatch, wait, serialise) and the Celery
worker's (its log: ranking and explanations).

Then, for comparison, the embedded default's way of answering -- in-process, the task run
eagerly by the web worker (CELERY_TASK_ALWAYS_EAGER=1) on the same database and cache --
through one gunicorn worker: its first request loads the encoder (once per process), the next
``--embedded-requests`` are measured the same way. ``--embedded-requests 0`` skips it.

Bar: client p50 <= 150 ms through the Celery worker, and every answer correct.

    .venv/bin/python benchmarks/recommend_requests.py [--requests 200] [--readers 50]

Needs PostgreSQL and Redis on 127.0.0.1. Writes benchmarks/results/recommend_requests.json;
exits 1 when the bar is missed, 2 when the data set is missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402
import _server  # noqa: E402

RECOMMEND = "/api/recommend/"
BAR_P50_MS = 150.0
TOP_N = 5
# Tags that say nothing about a subject (reading-list bookkeeping), never used as a request.
BOOKKEEPING_TAGS = {
    "no-tag",
    "imported",
    "bibtex-import",
    "toread",
    "to-read",
    "read",
    "review",
    "misc",
    "other",
    "papers",
    "thesis",
    "file-import",
    "citeulike",
}
PHRASES = ("{a}", "{a}", "{a} and {b}", "papers about {a}", "{a} in {b}", "recent work on {a}")
WARM_UP_SECONDS = 300.0  # the worker's first task loads the encoder and embeds topic names
CELERY_DONE = re.compile(r"Task recommender\.request_recommend\[[^\]]+\] succeeded in ([\d.]+)s")


def request_inputs(citeulike: Path, count: int, *, empty_every: int, seed: int) -> list[str]:
    """``count`` requests in words built from citeulike-a's most used subject tags, every
    ``empty_every``-th one empty; the same for a given seed."""
    names = (citeulike / "tags.dat").read_text().splitlines()
    used: Counter[str] = Counter()
    with (citeulike / "item-tag.dat").open() as lines:
        for line in lines:
            used.update(names[int(tag)] for tag in line.split()[1:])
    tags = [
        tag.replace("_", " ").replace("-", " ")
        for tag, _ in used.most_common(400)
        if tag not in BOOKKEEPING_TAGS and len(tag) > 3 and not tag.isdigit()
    ][:300]
    rng = random.Random(seed)
    inputs = []
    for number in range(count):
        if empty_every and number % empty_every == 0:
            inputs.append("")
            continue
        first, second = rng.sample(tags, 2)
        inputs.append(rng.choice(PHRASES).format(a=first, b=second))
    return inputs


def post(port: int, token: str, user_input: str, *, timeout: float = 30.0):
    """(status, headers, decoded body or raw bytes, client milliseconds) of one request."""
    connection = http.client.HTTPConnection(_server.HOST, port, timeout=timeout)
    body = json.dumps({"user_input": user_input, "top_n": TOP_N})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    try:
        connection.request("POST", RECOMMEND, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    try:
        data = json.loads(raw)
    except ValueError:
        data = raw[:300]
    return response.status, dict(response.getheaders()), data, elapsed


def answer_problem(status: int, data, user_input: str) -> str | None:
    """Why an answer is wrong, or None: 200 with results, and with words every explanation
    citing the request."""
    from recommender.ml.request import request_phrases

    if status != 200:
        return f"status {status}: {data!r:.200}"
    if not data.get("results"):
        return "no results"
    text = " ".join(user_input.split())
    if not text:
        return None
    phrases = set(request_phrases(text))
    for item in data["results"]:
        explanation = item.get("explanation") or {}
        evidence = explanation.get("evidence") or {}
        if explanation.get("style") != "request_match":
            return f"explanation style {explanation.get('style')!r} for {text!r}"
        if evidence.get("query") != text or evidence.get("request") not in phrases:
            return f"explanation does not cite {text!r}: {evidence!r:.200}"
    return None


def warm_up(port: int, tokens: list[str], inputs: list[str]) -> list[dict]:
    """Requests until two answers in a row are 200 (the first ones may time out while the worker
    loads the encoder; the endpoint then answers 503 until its Retry-After has passed)."""
    deadline = time.monotonic() + WARM_UP_SECONDS
    log: list[dict] = []
    number = 0
    while time.monotonic() < deadline:
        token, text = tokens[number % len(tokens)], inputs[number % len(inputs)]
        status, headers, _, elapsed = post(port, token, text)
        log.append({"status": status, "client_ms": round(elapsed, 1)})
        number += 1
        if len(log) >= 2 and log[-1]["status"] == log[-2]["status"] == 200:
            return log
        if status == 503:
            time.sleep(min(float(headers.get("Retry-After", 1)), 5.0))
    raise RuntimeError(f"no two answers in a row within {WARM_UP_SECONDS} s: {log[-5:]}")


def measure(server: _server.Gunicorn, tokens: list[str], inputs: list[str], worker=None) -> dict:
    """The requests, sequentially: client, web worker and (with ``worker``) Celery latencies."""
    offset = server.access_offset()
    celery_offset = worker.log.stat().st_size if worker is not None else 0
    cpu_before = cpu_used(server, worker)
    client_ms, problems = [], []
    for number, text in enumerate(inputs):
        status, _, data, elapsed = post(server.port, tokens[number % len(tokens)], text)
        client_ms.append(elapsed)
        if (problem := answer_problem(status, data, text)) is not None:
            problems.append(problem)
    cpu = {
        name: round((after - before) / len(inputs) * 1000, 2)
        for (name, after), before in zip(
            cpu_used(server, worker).items(), cpu_before.values(), strict=True
        )
    }
    web_ms = [ms for _, path, _, ms in server.access_entries(offset) if path == RECOMMEND]
    figures = {
        "requests": len(inputs),
        "with_words": sum(1 for text in inputs if text.strip()),
        "wrong_answers": len(problems),
        "wrong_answer_examples": problems[:5],
        "client": summary(client_ms),
        "client_with_words": summary([ms for ms, t in zip(client_ms, inputs, strict=True) if t]),
        "client_without_words": summary(
            [ms for ms, t in zip(client_ms, inputs, strict=True) if not t]
        ),
        "web_worker": summary(web_ms),
        # CPU time per request: the figure least disturbed by other load on the machine.
        "cpu_ms_per_request": cpu,
    }
    if worker is not None:
        with worker.log.open(errors="replace") as handle:
            handle.seek(celery_offset)
            task_ms = [float(s) * 1000 for s in CELERY_DONE.findall(handle.read())]
        figures["celery_task"] = summary(task_ms)
    return figures


def cpu_used(server: _server.Gunicorn, worker) -> dict[str, float]:
    """CPU seconds used so far by the web workers and (with ``worker``) the Celery worker and
    its pool process."""
    used = {"web_workers": sum(map(_server.cpu_seconds, server.worker_pids()))}
    if worker is not None:
        pids = [worker.process.pid, *_server.children_of(worker.process.pid)]
        used["celery_worker"] = sum(map(_server.cpu_seconds, pids))
    return used


def summary(values: list[float]) -> dict:
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(_server.percentile(values, 50), 2),
        "p90_ms": round(_server.percentile(values, 90), 2),
        "p99_ms": round(_server.percentile(values, 99), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "max_ms": round(max(values), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _server.deployment_options(parser)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--readers", type=int, default=50, help="readers sending them")
    parser.add_argument("--empty-every", type=int, default=5, help="one request in N has no words")
    parser.add_argument("--embedded-requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    _data.data_option(parser)
    args = parser.parse_args()
    if (citeulike := _data.citeulike(args.data)) is None:
        return 2

    env, data = _server.deployment_open(args, citeulike=citeulike)
    machine = _server.machine()  # after the preparation: the load the requests met
    # Readers of the warm-ups, of the measured requests, of the in-process ones: each a few
    # requests, within the throttle (settings: "recommend").
    ids = _server.reader_ids(2 * args.readers + 10)
    tokens = _server.tokens_for(ids)
    warm_tokens = [tokens[pk] for pk in ids[:10]]
    measured_tokens = [tokens[pk] for pk in ids[10 : 10 + args.readers]]
    embedded_tokens = [tokens[pk] for pk in ids[10 + args.readers :]]
    inputs = request_inputs(citeulike, args.requests, empty_every=args.empty_every, seed=args.seed)
    warm_inputs = request_inputs(citeulike, 10, empty_every=0, seed=args.seed + 1)
    redis = _server.redis_client(args.redis_db)
    _server.queues_purge(redis)
    print(
        f"citeulike-a: {data['articles']} articles, MF v{data['model_version']}, hybrid "
        f"{data['hybrid_version'] or 'not active'}; {args.requests} requests from "
        f"{args.readers} readers, e.g. {inputs[1:4]}",
        flush=True,
    )

    with _server.CeleryWorker(env) as worker, _server.Gunicorn(env, workers=2) as server:
        started = time.perf_counter()
        warm = warm_up(server.port, warm_tokens, warm_inputs)
        warm_seconds = time.perf_counter() - started
        print(f"warm: {len(warm)} requests, {warm_seconds:.1f} s", flush=True)
        celery = measure(server, measured_tokens, inputs, worker)
    print(json.dumps(celery, indent=1), flush=True)

    embedded = None
    if args.embedded_requests:
        eager = env | {"CELERY_TASK_ALWAYS_EAGER": "1"}
        with _server.Gunicorn(eager, workers=1) as server:
            status, _, _, first_ms = post(server.port, embedded_tokens[0], warm_inputs[0])
            embedded = measure(
                server, embedded_tokens, inputs[: args.embedded_requests], worker=None
            )
            embedded["first_request"] = {"status": status, "client_ms": round(first_ms, 1)}
        print(json.dumps(embedded, indent=1), flush=True)
    queued = _server.queues_purge(redis)

    met = {
        "client_p50_ms": celery["client"]["p50_ms"] <= BAR_P50_MS,
        "every_answer_correct": celery["wrong_answers"] == 0
        and (embedded is None or embedded["wrong_answers"] == 0),
    }
    for bar, ok in met.items():
        print(f"  {bar:22s} {'ok' if ok else 'MISSED'}")
    _server.report_write(
        "recommend_requests",
        machine=machine,
        data=data,
        config={
            "gunicorn_workers": 2,
            "celery_workers": "1 (queues default,ml,inference; concurrency 1)",
            "requests": args.requests,
            "readers": args.readers,
            "empty_every": args.empty_every,
            "top_n": TOP_N,
            "seed": args.seed,
            "request_examples": inputs[:10],
            "client": "one Python client, sequential requests (http.client)",
        },
        bars={"limits": {"client_p50_ms": BAR_P50_MS}, "met": met},
        warm_up={"requests": warm, "seconds": round(warm_seconds, 1)},
        celery_worker=celery,
        embedded_in_process=embedded,
        celery_tasks_left_queued=queued,
    )
    return 0 if all(met.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
