"""The peer our MF is measured against: the ``implicit`` library's CPU ALS, fitted with a
benchmark's options (``--regularization``, ``--alpha``, ``--iterations``, ``--threads``,
``--seed``)."""

from __future__ import annotations

import argparse
import time


def als_options(parser: argparse.ArgumentParser) -> None:
    """Add the ALS options both libraries are trained with (``--factors`` is each benchmark's)."""
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--alpha", type=float, default=40.0)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)


class ImplicitScores:
    """Adapter so metrics.evaluate can rank with implicit's factors."""

    def __init__(self, model) -> None:
        self.model = model

    def score_users(self, user_indices, matrix):
        return self.model.user_factors[user_indices] @ self.model.item_factors.T


def fit_implicit(train, args: argparse.Namespace, *, factors: int) -> tuple[ImplicitScores, float]:
    """implicit's ALS with ``factors`` fitted on ``train``, and the seconds the fit took."""
    # Imported here: implicit is a benchmark-only dependency the rest of the module runs without.
    from implicit.cpu.als import AlternatingLeastSquares
    from threadpoolctl import threadpool_limits

    # implicit's own advice: its threads, not BLAS threads, do the parallel work.
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=args.regularization,
            alpha=args.alpha,
            iterations=args.iterations,
            num_threads=args.threads,
            random_state=args.seed,
        )
        started = time.perf_counter()
        model.fit(train.positives, show_progress=False)
        return ImplicitScores(model), time.perf_counter() - started
