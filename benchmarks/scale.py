"""The scale run (issue 13): what each cost becomes at 1x, 10x and 100x citeulike-a.

For one ``--size`` (each size runs alone, in a database of its own, ``recsite_scale_<size>``):

1. **import**: a fresh database, migrated, filled by benchmarks/scale_data.py (COPY);
2. **embedding**: the synthetic vectors' write and the snapshot web processes map; the real
   encoder's throughput on a sample of the generated texts, extrapolated to the catalogue;
3. **training**: ``manage.py retrain --sync`` (MF, then the hybrid over it, with their ANN
   indexes: built at every size here so that exact and ANN serving can be compared), its
   wall time, peak memory (max RSS) and the MF and hybrid train seconds of the versions;
4. **NDCG@10 lost to ANN**: a hybrid fitted on a warm split of the same data (per reader 20 %
   held out, seed 0) ranks sampled held-out readers over the whole catalogue and from the ANN
   candidates (recommender.ml.hybrid_ann); same model, same readers;
5. **cache-miss latency** of ``GET /api/recommendations/`` (gunicorn, 2 sync workers, PostgreSQL +
   Redis), exact full scoring (RECSITE_ANN_MIN_ARTICLES above the catalogue) against ANN
   candidates (threshold 0): a first pass per mode writes explanations, the second (lists,
   pages and explanations deleted from Redis, as after an interaction) is measured; worker
   p50/p99 from gunicorn's access log (benchmarks/serving.py's ``miss_pass``);
6. **list-refresh throughput**: ``refresh_user_lists`` batches for ``--refresh-readers`` readers
   with one, then two Celery workers (concurrency 1 each, queue ``default``).

Writes benchmarks/results/scale_<size>.json and redraws benchmarks/results/scale.png from every
scale_*.json present.

    nice -n 5 .venv/bin/python benchmarks/scale.py --size 1x --redis-db 10

Needs PostgreSQL and Redis on 127.0.0.1. The database of the size is dropped and created again
unless ``--reuse`` (then steps 1-3 are skipped when already done).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _server  # noqa: E402
import scale_data  # noqa: E402
import serving  # noqa: E402

EXACT = str(10**9)  # RECSITE_ANN_MIN_ARTICLES above any catalogue: full scoring
ANN = "0"
MIN_HISTORY = 5  # readers of the latency and NDCG samples: personalised lists, not content
REFRESH_BATCH = 50


def database_reset(name: str) -> None:
    import psycopg

    url = f"postgresql://postgres@{_server.HOST}:5432/postgres"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def import_step(env: dict, size: str) -> dict:
    from django.db import connection

    started = time.perf_counter()
    _server.manage(env, "migrate", "--noinput", "-v", "0")
    migrated = time.perf_counter() - started
    connection.ensure_connection()
    generated = scale_data.generate(connection.connection, size)
    return {**generated, "migrate_seconds": round(migrated, 2)}


def embedding_step(sample: int) -> dict:
    from articles.models import Article
    from recommender.runtime.embeddings import encoder
    from recommender.training.embeddings import embedding_snapshot_build

    started = time.perf_counter()
    snapshot = embedding_snapshot_build()
    snapshot_seconds = time.perf_counter() - started
    texts = [
        f"{title}. {summary}"
        for title, summary in Article.objects.order_by("pk").values_list("title", "summary")[
            :sample
        ]
    ]
    measured = {}
    if sample:
        text_encoder = encoder()
        text_encoder.encode(texts[:16])  # loading and warm-up are not the steady rate
        started = time.perf_counter()
        text_encoder.encode(texts)
        per_second = len(texts) / (time.perf_counter() - started)
        measured = {"encoder_sample": len(texts), "encoder_articles_per_second": per_second}
    return {
        "snapshot_version": snapshot.pk if snapshot else None,
        "snapshot_seconds": round(snapshot_seconds, 2),
        **measured,
    }


def training_step(env: dict) -> dict:
    from recommender.models import ModelVersion

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    _server.manage(env, "retrain", "--sync")
    wall = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    mf = ModelVersion.objects.filter(kind=ModelVersion.Kind.MF).latest("pk")
    hybrid = ModelVersion.objects.filter(kind=ModelVersion.Kind.HYBRID).latest("pk")
    return {
        "retrain_wall_seconds": round(wall, 1),
        # The largest child so far: the retrain unless migrate was larger (it never is).
        "retrain_peak_rss_mib": round(max(peak_kib, before) / 1024, 1),
        "mf_version": mf.pk,
        "mf_status": mf.status,
        "mf_train_seconds": mf.train_seconds,
        "mf_params": mf.params,
        "mf_ndcg@10": mf.metrics.get("ndcg@10"),
        "hybrid_version": hybrid.pk,
        "hybrid_status": hybrid.status,
        "hybrid_train_seconds": hybrid.train_seconds,
        "hybrid_ndcg@10": hybrid.metrics.get("ndcg@10"),
    }


def ann_quality_step(readers: int) -> dict:
    """NDCG@10 of exact and ANN ranking by one hybrid fitted on a warm split."""
    import numpy as np
    from django.conf import settings

    from recommender import selectors
    from recommender.ml.data import build_interaction_matrix
    from recommender.ml.hybrid import HybridRecommender, history
    from recommender.ml.hybrid_ann import HybridANN, candidate_scores
    from recommender.ml.splits import warm_split
    from recommender.training.embeddings import article_vectors

    matrix = build_interaction_matrix(
        selectors.training_rows(),
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
        item_ids=selectors.published_article_ids(),
    )
    train, test = warm_split(matrix, test_fraction=0.2, seed=0)
    _, vectors = article_vectors(article_ids=np.asarray(matrix.item_ids).astype(int).tolist())
    started = time.perf_counter()
    model = HybridRecommender(vectors, seed=0, **settings.RECSITE_MF_PARAMS).fit(train)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    ann = HybridANN.build(model.base)
    build_seconds = time.perf_counter() - started
    held = test.positives.tocsr()
    eligible = np.flatnonzero(
        (np.diff(held.indptr) > 0) & (np.diff(train.positives.indptr) >= MIN_HISTORY)
    )
    sample = np.random.default_rng(0).choice(eligible, min(readers, len(eligible)), replace=False)
    discounts = 1.0 / np.log2(np.arange(2, 12))
    exact_ndcg, ann_ndcg, overlap, exact_ms, ann_ms = [], [], [], [], []
    for user in sample:
        relevant = set(held.indices[held.indptr[user] : held.indptr[user + 1]].tolist())
        ideal = discounts[: min(10, len(relevant))].sum()
        columns, weights = history(train, user)
        seen = train.seen(user)
        started = time.perf_counter()
        scores = model.reader_scores(columns, weights, seen)
        scores[seen] = -np.inf
        exact_top = np.argsort(-scores)[:10]
        exact_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        picked, candidate = candidate_scores(
            model, ann, columns=columns, weights=weights, seen=seen, extra=10
        )
        ann_top = picked[np.argsort(-candidate)[:10]]
        ann_ms.append((time.perf_counter() - started) * 1000)
        for top, out in ((exact_top, exact_ndcg), (ann_top, ann_ndcg)):
            gains = np.array([item in relevant for item in top.tolist()], dtype=float)
            out.append(float(gains @ discounts[: len(gains)] / ideal))
        overlap.append(len(set(exact_top.tolist()) & set(ann_top.tolist())) / 10)
    exact_mean, ann_mean = float(np.mean(exact_ndcg)), float(np.mean(ann_ndcg))
    return {
        "readers": len(sample),
        "split": "warm, 20 % per reader held out, seed 0; readers with >= 5 training items",
        "hybrid_fit_seconds": round(fit_seconds, 1),
        "ann_build_seconds": round(build_seconds, 1),
        "exact_ndcg@10": exact_mean,
        "ann_ndcg@10": ann_mean,
        "ndcg_lost_relative": (exact_mean - ann_mean) / exact_mean if exact_mean else 0.0,
        "top10_overlap": float(np.mean(overlap)),
        "exact_scoring_ms_p50": float(np.median(exact_ms)),
        "ann_scoring_ms_p50": float(np.median(ann_ms)),
        "exact_scoring_ms_p99": float(np.percentile(exact_ms, 99)),
        "ann_scoring_ms_p99": float(np.percentile(ann_ms, 99)),
    }


def sample_readers(count: int, *, skip: int = 0) -> list[int]:
    from django.db.models import Count

    from articles.models import Interaction

    return list(
        Interaction.objects.values("user_id")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_HISTORY)
        .order_by("user_id")
        .values_list("user_id", flat=True)[skip : skip + count]
    )


def latency_step(env: dict, redis_db: int, readers: int) -> dict:
    ids = sample_readers(readers)
    tokens = list(_server.tokens_for(ids).values())
    redis = _server.redis_client(redis_db)
    results = {"readers": len(tokens)}
    for mode, threshold in (("exact", EXACT), ("ann", ANN)):
        with _server.Gunicorn({**env, "RECSITE_ANN_MIN_ARTICLES": threshold}) as server:
            print(f"cache misses, {mode}: first pass ...", flush=True)
            serving.miss_pass(server, tokens, concurrency=16, redis=redis)
            print(f"cache misses, {mode}: measured pass ...", flush=True)
            results[mode] = serving.miss_pass(server, tokens, concurrency=16, redis=redis)
            print(json.dumps(results[mode], indent=1), flush=True)
    return results


def refresh_step(env: dict, redis_db: int, readers: int) -> dict:
    from recsite.celery import app

    ids = sample_readers(readers)
    redis = _server.redis_client(redis_db)
    results = {"readers": len(ids), "batch": REFRESH_BATCH}
    for workers in (1, 2):
        _server.queues_purge(redis)
        for batch in serving._batched_keys(redis, "*:rec:list:*"):
            redis.delete(*batch)
        names = [f"scale{number}" for number in range(workers)]
        servers = [_server.CeleryWorker(env, queues="default", name=name) for name in names]
        try:
            for server in servers:
                server.__enter__()
            started = time.perf_counter()
            for batch in _server.iter_chunks(ids, REFRESH_BATCH):
                app.send_task("recommender.refresh_user_lists", args=[batch])
            while _server.queue_backlog(redis) > 0:
                time.sleep(0.2)
            seconds = time.perf_counter() - started
        finally:
            for server in servers:
                server.__exit__(None, None, None)
        results[f"workers_{workers}"] = {
            "seconds": round(seconds, 2),
            "lists_per_second": len(ids) / seconds,
        }
        print(f"refresh, {workers} worker(s): {len(ids) / seconds:.1f} lists/s", flush=True)
    results["speedup_two_workers"] = (
        results["workers_2"]["lists_per_second"] / results["workers_1"]["lists_per_second"]
    )
    return results


def plot() -> Path | None:
    """benchmarks/results/scale.png: each cost against the catalogue size, from every
    scale_*.json present."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reports = sorted(
        (json.loads(path.read_text()) for path in _server.RESULTS.glob("scale_*.json")),
        key=lambda report: report["data"]["articles"],
    )
    if not reports:
        return None
    articles = [report["data"]["articles"] for report in reports]
    figure, (costs, latency) = plt.subplots(1, 2, figsize=(11, 4.2))
    series = {
        "import (s)": lambda r: r["data"]["articles_seconds"] + r["data"]["interactions_seconds"],
        "MF training (s)": lambda r: r["training"]["mf_train_seconds"],
        "hybrid training (s)": lambda r: r["training"]["hybrid_train_seconds"],
        "retrain peak RSS (GiB)": lambda r: r["training"]["retrain_peak_rss_mib"] / 1024,
    }
    for label, value in series.items():
        costs.plot(articles, [value(r) for r in reports], marker="o", label=label)
    costs.set(xscale="log", yscale="log", xlabel="articles", title="Offline costs")
    costs.legend(fontsize=8)
    for mode in ("exact", "ann"):
        for q in ("p50", "p99"):
            values = [r["latency"][mode][f"worker_{q}_ms"] for r in reports]
            latency.plot(articles, values, marker="o", label=f"{mode} {q}")
    latency.axhline(60, color="grey", linestyle=":", label="bar: p99 60 ms")
    latency.set(
        xscale="log", xlabel="articles", ylabel="ms", title="Cache-miss latency (gunicorn worker)"
    )
    latency.legend(fontsize=8)
    figure.tight_layout()
    path = _server.RESULTS / "scale.png"
    figure.savefig(path, dpi=110)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(scale_data.SIZES), required=True)
    parser.add_argument("--redis-db", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep the data and models")
    parser.add_argument("--latency-readers", type=int, default=300)
    parser.add_argument("--ndcg-readers", type=int, default=1000)
    parser.add_argument("--refresh-readers", type=int, default=1000)
    parser.add_argument("--encoder-sample", type=int, default=256)
    args = parser.parse_args()

    database = f"recsite_scale_{args.size}"
    env = _server.deployment_env(database=database, redis_db=args.redis_db)
    env["RECSITE_ARTIFACT_DIR"] = str(_server.VAR / f"scale-{args.size}" / "artifacts")
    env["RECSITE_ANN_MIN_ARTICLES"] = ANN  # indexes built at every size, to compare
    machine = _server.machine()
    if not args.reuse:
        database_reset(database)
    _server.setup_django(env, database=database)
    from articles.models import Article
    from recommender.models import ModelVersion

    report: dict = {}
    if not args.reuse or not Article.objects.exists():
        report["data"] = import_step(env, args.size)
        report["embedding"] = embedding_step(args.encoder_sample)
    if not ModelVersion.objects.filter(kind=ModelVersion.Kind.MF).exists() or not args.reuse:
        report["training"] = training_step(env)
    path = _server.RESULTS / f"scale_{args.size}.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    for key in ("data", "embedding", "training"):
        report.setdefault(key, previous.get(key, {}))
    if "encoder_articles_per_second" in report["embedding"]:
        rate = report["embedding"]["encoder_articles_per_second"]
        report["embedding"]["encoder_catalogue_seconds_extrapolated"] = round(
            report["data"]["articles"] / rate, 1
        )
    report["ann_quality"] = ann_quality_step(args.ndcg_readers)
    print(json.dumps(report["ann_quality"], indent=1), flush=True)
    _server.queues_purge(_server.redis_client(args.redis_db))
    report["latency"] = latency_step(env, args.redis_db, args.latency_readers)
    report["refresh"] = refresh_step(env, args.redis_db, args.refresh_readers)
    data = report.pop("data")
    _server.report_write(
        f"scale_{args.size}",
        machine=machine,
        data={"dataset": f"synthetic {args.size} citeulike-a (benchmarks/scale_data.py)", **data},
        **report,
    )
    print(f"wrote {plot()}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    raise SystemExit(main())
