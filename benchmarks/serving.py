"""Benchmark 2 (issue 3): serving readers' lists from gunicorn over PostgreSQL + Redis.

gunicorn (2 sync workers, OPENBLAS_NUM_THREADS=1) over PostgreSQL and Redis with citeulike-a
loaded, embedded and an MF version active, with the hybrid over it when it beat MF (the first
run imports, embeds and trains; later runs reuse them). wrk drives 16 concurrent connections
for 20 s at a time, in interleaved rounds, against

- the trivial endpoint ``GET /api/health/live`` (a view that touches neither the database nor
  the cache: no authentication, no throttle, a constant body), the baseline of the same run;
- ``GET /api/recommendations/`` with cached lists, each request carrying the next of
  ``--readers`` imported readers' tokens (their lists were computed during the warm-up).

Then cache misses: ``--miss-readers`` other readers, each requested once by 16 client threads.
The first pass is each reader's first request ever: their explanations are written then. The
measured pass comes after the readers' lists, rendered pages and cached explanations were
deleted from Redis, as after an interaction: the list is computed again and the stored
explanations are read back and checked.

Latency is reported twice. *Client* latency (wrk) includes the wait in gunicorn's accept queue:
16 closed-loop clients on 2 single-threaded workers make it 16 / throughput by Little's law,
whatever the endpoint. *Worker* latency (gunicorn's access log, the time a worker spent on the
request) is the cost of serving one request; the latency bars apply to it.

Bars: cached worker p50 <= 5 ms and p99 <= 20 ms; cached throughput >= 0.5x the trivial
endpoint's; cache-miss worker p99 <= 60 ms; no error response. The RSS of the web workers after
warm-up is reported.

    .venv/bin/python benchmarks/serving.py [--rounds 3] [--duration 20] [--connections 16]
    .venv/bin/python benchmarks/serving.py --experiment

``--experiment`` runs the same measurements with a team-draft interleaving experiment running
on lists, every reader in it (traffic share 1): each request reads the running experiment with
the reader's pages, and a miss computes and merges two arms' lists. The arms are the active MF
version alone and the active hybrid over it (else the newest other ready MF version); the
experiment is stopped at the end. Writes benchmarks/results/serving_experiment.json.

Needs PostgreSQL and Redis on 127.0.0.1 and wrk (``apt-get install -y wrk``). Writes
benchmarks/results/serving.json; exits 1 when a bar is missed, 2 when something is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _data  # noqa: E402
import _server  # noqa: E402

LUA = Path(__file__).resolve().parent / "wrk_tokens.lua"
TRIVIAL = "/api/health/live"
RECOMMENDATIONS = "/api/recommendations/"
BARS = {"cached_p50_ms": 5.0, "cached_p99_ms": 20.0, "throughput_ratio": 0.5, "miss_p99_ms": 60.0}


def wrk(port: int, path: str, *, seconds: int, connections: int, tokens: Path | None) -> dict:
    """One wrk run (one thread: the load generator must leave the cores to gunicorn)."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout=10s",
        "-s",
        str(LUA),
        f"http://{_server.HOST}:{port}{path}",
    ]
    if tokens is not None:
        command += ["--", str(tokens)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=seconds + 30)
    finally:
        if process.poll() is None:
            process.kill()
    text = output.decode(errors="replace")
    lines = [line for line in text.splitlines() if line.startswith("WRK_RESULT ")]
    if process.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{text}")
    return json.loads(lines[-1].removeprefix("WRK_RESULT "))


class CpuMeter:
    """CPU seconds used by the gunicorn workers and by this process's finished children."""

    def __init__(self, server: _server.Gunicorn):
        self.server = server

    def __enter__(self):
        self.workers = sum(map(_server.cpu_seconds, self.server.worker_pids()))
        self.children = _children_cpu()
        return self

    def __exit__(self, *exc):
        self.workers = sum(map(_server.cpu_seconds, self.server.worker_pids())) - self.workers
        self.children = _children_cpu() - self.children


def _children_cpu() -> float:
    usage = os.times()
    return usage.children_user + usage.children_system


def measure(server, path, *, seconds, connections, tokens) -> dict:
    offset = server.access_offset()
    with CpuMeter(server) as cpu:
        result = wrk(server.port, path, seconds=seconds, connections=connections, tokens=tokens)
    worker_ms = [ms for _, logged, _, ms in server.access_entries(offset) if logged == path]
    statuses = [status for _, logged, status, _ in server.access_entries(offset)]
    seconds_run = result["duration_us"] / 1e6
    errors = sum(value for key, value in result.items() if key.startswith("errors_"))
    return {
        "requests": result["requests"],
        "throughput_rps": result["requests"] / seconds_run,
        "errors": errors,
        "non_2xx_logged": sum(1 for status in statuses if not 200 <= status < 300),
        "client_p50_ms": result["p50_us"] / 1000,
        "client_p90_ms": result["p90_us"] / 1000,
        "client_p99_ms": result["p99_us"] / 1000,
        "worker_p50_ms": _server.percentile(worker_ms, 50),
        "worker_p90_ms": _server.percentile(worker_ms, 90),
        "worker_p99_ms": _server.percentile(worker_ms, 99),
        "worker_mean_ms": statistics.fmean(worker_ms) if worker_ms else float("nan"),
        "worker_cpu_s": cpu.workers,
        "worker_cpu_ms_per_request": cpu.workers / max(result["requests"], 1) * 1000,
        "wrk_cpu_s": cpu.children,
    }


def fetch_all(port: int, tokens: list[str], *, concurrency: int) -> dict:
    """GET the recommendations once per token from ``concurrency`` threads; client latencies."""
    pending = iter(tokens)
    lock = threading.Lock()
    latencies, failures = [], []

    def client():
        while True:
            with lock:
                token = next(pending, None)
            if token is None:
                return
            started = time.perf_counter()
            try:
                status, _ = _server.http_get(port, RECOMMENDATIONS, token=token)
            except OSError as error:
                status = repr(error)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    failures.append(status)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "seconds": time.perf_counter() - started,
        "latencies": latencies,
        "failures": failures,
    }


def miss_pass(server, tokens: list[str], *, concurrency: int, redis) -> dict:
    # Readers' lists, rendered pages and cached explanations go (an interaction deletes the
    # first two and changes the scores the third is keyed by); article rows, topics and the
    # active versions stay cached.
    deleted = sum(
        redis.delete(*batch)
        for pattern in ("*:rec:list:*", "*:rec:pages:[0-9]*", "*:rec:expl:*")
        for batch in _batched_keys(redis, pattern)
    )
    offset = server.access_offset()
    with CpuMeter(server) as cpu:
        fetched = fetch_all(server.port, tokens, concurrency=concurrency)
    worker_ms = [ms for _, path, _, ms in server.access_entries(offset) if path == RECOMMENDATIONS]
    return {
        "readers": len(tokens),
        "lists_deleted_before": deleted,
        "errors": len(fetched["failures"]),
        # What they were: a status, or the client's exception (e.g. its 10 s timeout).
        "error_examples": [str(failure) for failure in fetched["failures"][:5]],
        "throughput_rps": len(tokens) / fetched["seconds"],
        "client_p50_ms": _server.percentile(fetched["latencies"], 50),
        "client_p99_ms": _server.percentile(fetched["latencies"], 99),
        "worker_p50_ms": _server.percentile(worker_ms, 50),
        "worker_p90_ms": _server.percentile(worker_ms, 90),
        "worker_p99_ms": _server.percentile(worker_ms, 99),
        "worker_mean_ms": statistics.fmean(worker_ms) if worker_ms else float("nan"),
        "worker_cpu_s": cpu.workers,
        "worker_cpu_ms_per_request": cpu.workers / len(tokens) * 1000,
    }


def _batched_keys(redis, pattern: str, size: int = 1000):
    batch = []
    for key in redis.scan_iter(match=pattern, count=size):
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def check_response(port: int, token: str) -> dict:
    status, body = _server.http_get(port, RECOMMENDATIONS, token=token)
    if status != 200:
        raise RuntimeError(f"GET {RECOMMENDATIONS} answered {status}: {body[:300]!r}")
    data = json.loads(body)
    return {"strategy": data["strategy"], "results": len(data["results"])}


def memory(server) -> dict:
    return {str(pid): _server.memory_mib(pid) for pid in server.worker_pids()}


def experiment_start() -> dict | None:
    """Start an interleaving experiment on lists between the active MF version alone and the
    active hybrid (else the newest other ready MF version), every reader in it."""
    from recommender.experiments.services import experiment_start as start
    from recommender.models import Experiment, ExperimentArm, ModelVersion

    Experiment.objects.filter(
        surface=Experiment.Surface.LIST, state=Experiment.State.RUNNING
    ).update(state=Experiment.State.STOPPED)
    versions = ModelVersion.objects.filter(
        status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.READY]
    ).exclude(artifact_path="")
    mf = versions.get(kind=ModelVersion.Kind.MF, status=ModelVersion.Status.ACTIVE)
    other = (
        versions.filter(kind=ModelVersion.Kind.HYBRID, status=ModelVersion.Status.ACTIVE).first()
        or versions.filter(kind=ModelVersion.Kind.MF).exclude(pk=mf.pk).first()
    )
    if other is None:
        return None
    experiment = Experiment.objects.create(
        name="benchmarks/serving.py --experiment",
        surface=Experiment.Surface.LIST,
        method=Experiment.Method.INTERLEAVING,
        traffic_share=1.0,
    )
    for label, version in (("A", mf), ("B", other)):
        ExperimentArm.objects.create(experiment=experiment, label=label, model_version=version)
    start(experiment=experiment)
    print(f"experiment {experiment.pk}: interleaving {mf} against {other}", flush=True)
    return {"id": experiment.pk, "arms": [str(mf), str(other)], "method": "interleaving"}


def experiment_end(experiment_id: int) -> None:
    from recommender.experiments.services import experiment_stop
    from recommender.models import Experiment

    experiment_stop(experiment=Experiment.objects.get(pk=experiment_id))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _server.deployment_options(parser)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved trivial/cached runs")
    parser.add_argument("--readers", type=int, default=500, help="readers of the cached runs")
    parser.add_argument("--miss-readers", type=int, default=2000)
    parser.add_argument(
        "--experiment", action="store_true", help="with an interleaving experiment running"
    )
    _data.data_option(parser)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install -y wrk): cannot benchmark.")
        return 2
    if (citeulike := _data.citeulike(args.data)) is None:
        return 2

    machine = _server.machine()
    env, data = _server.deployment_open(args, citeulike=citeulike)
    experiment = None
    if args.experiment:
        experiment = experiment_start()
        if experiment is None:
            print("--experiment needs a second ranker: an active hybrid or another ready MF.")
            return 2
        data["experiment"] = experiment
    hit_ids = _server.reader_ids(args.readers)
    miss_ids = _server.reader_ids(args.miss_readers, skip=args.readers)
    tokens = _server.tokens_for(hit_ids + miss_ids)
    hit_tokens = [tokens[pk] for pk in hit_ids]
    miss_tokens = [tokens[pk] for pk in miss_ids]
    redis = _server.redis_client(args.redis_db)
    _server.queues_purge(redis)
    print(
        f"citeulike-a: {data['articles']} articles, {data['interactions']} interactions, "
        f"MF v{data['model_version']}, hybrid {data['hybrid_version'] or 'not active'}; "
        f"{args.workers} gunicorn workers, "
        f"{args.connections} connections",
        flush=True,
    )

    with (
        tempfile.TemporaryDirectory() as scratch,
        _server.Gunicorn(env, workers=args.workers) as server,
    ):
        token_file = Path(scratch) / "tokens.txt"
        token_file.write_text("\n".join(hit_tokens) + "\n")
        print("warm-up: computing the cached readers' lists ...", flush=True)
        warm = fetch_all(server.port, hit_tokens, concurrency=args.connections)
        if warm["failures"]:
            raise RuntimeError(f"warm-up failures: {warm['failures'][:5]}")
        sample = check_response(server.port, hit_tokens[0])
        wrk(server.port, TRIVIAL, seconds=3, connections=args.connections, tokens=None)
        wrk(
            server.port, RECOMMENDATIONS, seconds=3, connections=args.connections, tokens=token_file
        )
        memory_warm = memory(server)

        rounds = []
        for number in range(1, args.rounds + 1):
            trivial = measure(
                server, TRIVIAL, seconds=args.duration, connections=args.connections, tokens=None
            )
            cached = measure(
                server,
                RECOMMENDATIONS,
                seconds=args.duration,
                connections=args.connections,
                tokens=token_file,
            )
            rounds.append({"trivial": trivial, "cached": cached})
            print(
                f"round {number}: trivial {trivial['throughput_rps']:.0f} req/s, cached "
                f"{cached['throughput_rps']:.0f} req/s (worker p50 "
                f"{cached['worker_p50_ms']:.2f} ms, p99 {cached['worker_p99_ms']:.2f} ms)",
                flush=True,
            )

        print(f"cache misses: {len(miss_tokens)} readers, first pass (warms articles) ...")
        first_pass = miss_pass(server, miss_tokens, concurrency=args.connections, redis=redis)
        print("cache misses: measured pass ...", flush=True)
        misses = miss_pass(server, miss_tokens, concurrency=args.connections, redis=redis)
        memory_end = memory(server)
    if experiment is not None:
        experiment_end(experiment["id"])
    # No worker runs here: drop the tasks the requests queued (impressions to record).
    queued = _server.queues_purge(redis)

    def median(kind: str, key: str) -> float:
        return statistics.median(round_[kind][key] for round_ in rounds)

    keys = rounds[0]["cached"].keys()
    summary = {kind: {key: median(kind, key) for key in keys} for kind in ("trivial", "cached")}
    ratio = statistics.median(
        r["cached"]["throughput_rps"] / r["trivial"]["throughput_rps"] for r in rounds
    )
    errors = sum(r[kind]["errors"] + r[kind]["non_2xx_logged"] for r in rounds for kind in r)
    errors += misses["errors"] + first_pass["errors"]
    bars = {
        "cached_p50_ms": summary["cached"]["worker_p50_ms"] <= BARS["cached_p50_ms"],
        "cached_p99_ms": summary["cached"]["worker_p99_ms"] <= BARS["cached_p99_ms"],
        "throughput_ratio": ratio >= BARS["throughput_ratio"],
        "miss_p99_ms": misses["worker_p99_ms"] <= BARS["miss_p99_ms"],
        "no_errors": errors == 0,
    }
    wrk_cpu = sum(r[kind]["wrk_cpu_s"] for r in rounds for kind in r)
    worker_cpu = sum(r[kind]["worker_cpu_s"] for r in rounds for kind in r)

    print(f"\n{'':28s}{'req/s':>8s}{'worker p50':>12s}{'p99':>8s}", end="")
    print(f"{'client p50':>12s}{'p99':>8s}{'CPU/req':>9s}")
    for name, row in (
        ("trivial /api/health/live", summary["trivial"]),
        ("cached recommendations", summary["cached"]),
        ("cache-miss (first pass)", first_pass),
        ("cache-miss recommendations", misses),
    ):
        print(
            f"{name:28s}{row['throughput_rps']:8.0f}{row['worker_p50_ms']:12.2f}"
            f"{row['worker_p99_ms']:8.2f}{row['client_p50_ms']:12.2f}{row['client_p99_ms']:8.2f}"
            f"{row['worker_cpu_ms_per_request']:9.2f}"
        )
    print(f"(medians of {args.rounds} rounds; milliseconds; CPU/req: worker CPU time per request)")
    print(f"cached / trivial throughput: x{ratio:.2f} (bar >= {BARS['throughput_ratio']})")
    for bar, ok in bars.items():
        print(f"  {bar:18s} {'ok' if ok else 'MISSED'}")
    for pid, values in memory_warm.items():
        print(
            f"worker {pid} RSS after warm-up {values['rss']:.0f} MiB (anon {values['anon']:.0f}, "
            f"file {values['file']:.0f}); at the end {memory_end.get(pid, {}).get('rss', 0):.0f}"
        )
    print(f"load generator: wrk used {wrk_cpu:.1f} CPU s, the workers {worker_cpu:.1f} CPU s")

    _server.report_write(
        "serving_experiment" if args.experiment else "serving",
        machine=machine,
        data=data,
        config={
            "workers": args.workers,
            "worker_class": "sync",
            "connections": args.connections,
            "seconds_per_run": args.duration,
            "rounds": args.rounds,
            "cached_readers": args.readers,
            "miss_readers": args.miss_readers,
            "trivial_endpoint": TRIVIAL,
            "sample_response": sample,
            "load_generator": "wrk -t1 (benchmarks/wrk_tokens.lua), Python threads for misses",
        },
        bars={"limits": BARS, "met": bars},
        median=summary | {"throughput_ratio": ratio},
        misses=misses,
        misses_first_pass=first_pass,
        rounds=rounds,
        memory_mib={"after_warm_up": memory_warm, "at_end": memory_end},
        cpu_seconds={"wrk": wrk_cpu, "gunicorn_workers": worker_cpu},
        celery_tasks_queued_by_requests=queued,
    )
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
