"""Offline evaluation from canonical CSV files (DESIGN §5); needs no database at all."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender.ml.adapter import ColdStartALS
from recommender.ml.content import ContentRecommender
from recommender.ml.csvio import CsvFormatError, read_articles_csv, read_id_list
from recommender.ml.csvio import read_interactions_csv as read_interactions
from recommender.ml.data import build_interaction_matrix, reindex_users
from recommender.ml.explain_eval import evaluate_explanations, evaluate_hybrid_explanations
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.metrics import evaluate
from recommender.ml.popular import PopularityRecommender
from recommender.ml.search import Budget, tuned_hybrid, tuned_mf
from recommender.ml.text import EmbeddingCache, article_text, get_encoder

from ..lm_offline import evaluate_lm_command
from ..request_offline import evaluate_requests

MF_OPTIONS = ("factors", "regularization", "alpha", "iterations", "threads")


class Command(BaseCommand):
    help = (
        "Train a model in memory on TRAIN, rank the whole catalogue (or --candidates) for every "
        "user with TEST interactions, print Recall/NDCG/coverage and write them as JSON."
    )
    # The command works from files only; system checks are skipped so an unreachable database
    # (or none at all) cannot get in the way.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", required=True, type=Path, help="articles.csv (catalogue)")
        parser.add_argument("--train", required=True, type=Path, help="training interactions.csv")
        parser.add_argument("--test", required=True, type=Path, help="test interactions.csv")
        parser.add_argument(
            "--model",
            required=True,
            choices=("popular", "mf", "lm", "content", "adapter", "hybrid"),
        )
        parser.add_argument("--k", nargs="+", type=int, default=[10, 20], help="cut-offs K")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--json", type=Path, help="write the results here")
        parser.add_argument(
            "--candidates", type=Path, help="rank only the article ids listed (one per line)"
        )
        parser.add_argument("--factors", type=int)
        parser.add_argument("--regularization", type=float)
        parser.add_argument("--alpha", type=float)
        parser.add_argument("--iterations", type=int)
        parser.add_argument("--threads", type=int)
        parser.add_argument("--pool", type=int, help="--model hybrid: candidates per source")
        parser.add_argument(
            "--search-trials",
            type=int,
            help="--model mf/hybrid: settings tried on validation data carved from TRAIN "
            "(default: RECSITE_MF_SEARCH_TRIALS, RECSITE_HYBRID_SEARCH_TRIALS; 1: no search); "
            "the options above pin a setting",
        )
        parser.add_argument(
            "--search-seconds",
            type=float,
            help="no search trial starts after this many seconds (default: "
            "RECSITE_SEARCH_SECONDS; 0: no limit but the trials)",
        )
        parser.add_argument(
            "--queries",
            type=Path,
            help="queries.csv (user_id,query): evaluate the POST /api/recommend/ path for the "
            "listed readers (--model content: the query text alone; mf, hybrid: everything "
            "that model serves)",
        )
        parser.add_argument(
            "--explain",
            action="store_true",
            help="explain every evaluated reader's top 10 and audit the explanations (mf, "
            "hybrid, or the request path with --queries)",
        )
        parser.add_argument(
            "--max-users",
            type=int,
            help="with --explain: explain a seeded random sample of this many evaluated readers",
        )
        parser.add_argument(
            "--time-budget", type=float, help="--model lm: training seconds at most (default 300)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        ks = sorted(set(options["k"]))
        if ks[0] < 1:
            raise CommandError("--k values must be positive")
        weights = settings.RECSITE_EVENT_WEIGHTS
        if (
            options["explain"]
            and options["model"] not in ("mf", "hybrid")
            and not options["queries"]
        ):
            raise CommandError("--explain needs --model mf or hybrid, or --queries")
        if options["max_users"] is not None and options["max_users"] < 1:
            raise CommandError("--max-users must be > 0")
        try:
            articles = read_articles_csv(options["articles"])
            item_ids = [article["article_id"] for article in articles]
            train_rows = list(read_interactions(options["train"]))
            train = build_interaction_matrix(train_rows, weights=weights, item_ids=item_ids)
            test_all = build_interaction_matrix(
                read_interactions(options["test"]), weights=weights, item_ids=item_ids
            )
            candidates = self._candidates(options["candidates"], train)
        except (CsvFormatError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        # Users unknown to the training data have no user vector to rank with; they are
        # reported, not evaluated.
        test = reindex_users(test_all, train.user_ids)
        unknown_test_users = int(sum(train.user_index(uid) is None for uid in test_all.user_ids))

        search = None
        if options["model"] == "lm":
            model, metrics = evaluate_lm_command(
                self, options, train, test, train_rows, self._embeddings(articles), ks, candidates
            )
        elif options["queries"]:
            if options["model"] in ("mf", "hybrid"):
                model, search = self._tuned(options, articles, train)
            else:
                model = self._model(options, articles)
                if options["model"] != "content":  # content: the query text alone, nothing to fit
                    model.fit(train)
            metrics = evaluate_requests(
                options,
                model,
                train,
                test,
                articles,
                self._embeddings(articles),
                self._encoder().encode,
                ks,
            )
        elif options["model"] in ("mf", "hybrid"):
            model, search = self._tuned(options, articles, train)
            metrics = evaluate(model, train, test, ks=ks, candidates=candidates)
        else:
            model = self._model(options, articles)
            model.fit(train)
            metrics = evaluate(model, train, test, ks=ks, candidates=candidates)
        result = {
            "model": model.name,
            **metrics,
            "train_seconds": round(model.train_seconds, 3),
            "params": model.params,
            "seed": options["seed"],
            "k": ks,
            "data": {
                "articles": len(item_ids),
                "train_users": train.shape[0],
                "train_interactions": int(train.positives.nnz),
                "test_interactions": int(test_all.positives.nnz),
                "test_users_not_in_train": unknown_test_users,
                "candidates": None if candidates is None else len(candidates),
            },
        }
        if search is not None:
            result["search"] = search
        if options["explain"] and not options["queries"]:
            result.update(self._explain(model, train, test, articles, options))
        self._print_table(result, ks)
        if options["json"]:
            try:
                options["json"].write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {options['json']}: {exc.strerror}") from exc

    def _candidates(self, path: Path | None, train) -> np.ndarray | None:
        if path is None:
            return None
        ids = read_id_list(path)
        indices = [train.item_index(article_id) for article_id in ids]
        unknown = [
            article_id for article_id, index in zip(ids, indices, strict=True) if index is None
        ]
        if unknown:
            raise CommandError(
                f"{path}: {len(unknown)} id(s) not in --articles, e.g. {', '.join(unknown[:5])}"
            )
        if not indices:
            raise CommandError(f"{path}: no candidate ids")
        return np.unique(np.asarray(indices, dtype=np.int64))

    def _model(self, options, articles):
        if options["model"] == "popular":
            return PopularityRecommender()
        if options["model"] == "content":
            return ContentRecommender(self._embeddings(articles))
        pinned = self._pinned(options)
        return ColdStartALS(self._embeddings(articles), seed=options["seed"], **pinned)

    def _pinned(self, options) -> dict[str, Any]:
        """The MF (and hybrid) settings given as options, checked."""
        names = (*MF_OPTIONS, "pool") if options["model"] == "hybrid" else MF_OPTIONS
        chosen = {name: options[name] for name in names if options[name] is not None}
        for name, value in chosen.items():
            if value < 0 or (value == 0 and name in ("factors", "iterations", "threads", "pool")):
                raise CommandError(f"--{name} must be {'>= 0' if value < 0 else '> 0'}")
        return chosen

    def _tuned(self, options, articles, train) -> tuple[Any, dict[str, Any]]:
        """--model mf / hybrid: settings searched on validation data carved from ``train``
        alone (recommender.ml.search), options pinning theirs, then fitted on all of it."""
        pinned = self._pinned(options)
        if options["search_trials"] is not None and options["search_trials"] < 1:
            raise CommandError("--search-trials must be > 0")
        seconds = options["search_seconds"]
        if seconds is None:
            seconds = settings.RECSITE_SEARCH_SECONDS
        elif seconds < 0:
            raise CommandError("--search-seconds must be >= 0")
        deadline = time.perf_counter() + seconds if seconds else float("inf")
        params = dict(settings.RECSITE_MF_PARAMS)
        seed = options["seed"]

        def budget(default_trials: int) -> Budget:
            return Budget(trials=options["search_trials"] or default_trials, deadline=deadline)

        if options["model"] == "mf":
            mf_budget = budget(settings.RECSITE_MF_SEARCH_TRIALS)
            return tuned_mf(train, params=params, pinned=pinned, budget=mf_budget, seed=seed)
        return tuned_hybrid(
            train,
            self._embeddings(articles),
            params=params,
            pinned=pinned,
            mf_budget=budget(settings.RECSITE_MF_SEARCH_TRIALS),
            hybrid_budget=budget(settings.RECSITE_HYBRID_SEARCH_TRIALS),
            seed=seed,
        )

    def _encoder(self):
        return get_encoder(
            settings.RECSITE_TEXT_ENCODER or None, threads=settings.RECSITE_ENCODER_THREADS
        )

    def _embeddings(self, articles) -> np.ndarray:
        """float32 (n_articles, d): title + summary embeddings, cached on disk by text hash
        (settings.RECSITE_EMBEDDING_CACHE_DIR), so a rerun encodes nothing."""
        encoder = self._encoder()
        texts = [
            article_text(article["title"], article.get("summary") or "") for article in articles
        ]
        cache = EmbeddingCache(settings.RECSITE_EMBEDDING_CACHE_DIR, encoder.id)
        with tqdm(total=0, unit="text", desc="embedding", file=self.stderr) as bar:

            def encode(missing: list[str]) -> np.ndarray:
                bar.total = len(missing)
                return encoder.encode(missing, progress=bar.update)

            vectors, encoded = cache.embed(texts, encode)
        self.stderr.write(f"{encoded} of {len(texts)} texts encoded, the rest from the cache")
        return vectors

    def _explain(self, model, train, test, articles, options) -> dict:
        users = np.flatnonzero(np.diff(test.positives.indptr) > 0)
        if options["max_users"] is not None and options["max_users"] < len(users):
            rng = np.random.default_rng(options["seed"])
            users = np.sort(rng.choice(users, size=options["max_users"], replace=False))
        item_topics = None
        if any(article.get("topics") for article in articles):
            item_topics = [
                [topic for topic in (article.get("topics") or "").split("|") if topic]
                for article in articles
            ]
        # Thousands of small solves: multi-threaded BLAS only adds overhead (and the ablations
        # dominate); threadpoolctl comes with the dev requirements.
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            threadpool_limits = None
        with threadpool_limits(1, "blas") if threadpool_limits else contextlib.nullcontext():
            evaluate_model = (
                evaluate_hybrid_explanations
                if isinstance(model, HybridRecommender)
                else evaluate_explanations
            )
            return evaluate_model(
                model,
                train,
                users,
                k=10,
                titles={article["article_id"]: article["title"] for article in articles},
                item_topics=item_topics,
                seed=options["seed"],
            )

    def _print_table(self, result: dict, ks: list[int]) -> None:
        params = ", ".join(f"{key}={value}" for key, value in result["params"].items())
        self.stdout.write(f"model {result['model']}" + (f" ({params})" if params else ""))
        self.stdout.write(
            f"users evaluated {result['users_evaluated']}, train {result['train_seconds']:.2f} s"
        )
        self.stdout.write("metric".ljust(16) + "".join(f"@{k}".rjust(10) for k in ks))
        for metric in ("recall", "ndcg", "coverage", "long_tail_share"):
            row = "".join(f"{result[f'{metric}@{k}']:10.4f}" for k in ks)
            self.stdout.write(metric.ljust(16) + row)
        for name, search in result.get("search", {}).items():
            self.stdout.write(
                f"{name} search: {len(search['tried'])} tried in {search['seconds']} s "
                f"(stopped by {search['stopped_by']}), chosen {search['chosen']} "
                f"at {search['metric']} {search['score']}"
            )
        if "explanation_fidelity" in result:
            self.stdout.write(
                f"explanations {result['explanations']} for {result['explain_users']} readers: "
                f"fidelity {result['explanation_fidelity']}, invalid citations "
                f"{result['invalid_citations']}, unique {result['unique_explanation_ratio']}, "
                f"styles {result['style_counts']}"
            )
