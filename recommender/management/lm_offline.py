"""``evaluate_offline --model lm``: fit the LM within ``--time-budget`` and evaluate it by
generation, with progress bars (torch is imported here, never by the web process)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.ml.data import InteractionMatrix
from recommender.ml.lm.offline import evaluate_lm, users_sample

if TYPE_CHECKING:  # torch-bearing modules: only their types are needed here
    from recommender.ml.lm.recommender import LMRecommender
    from recommender.ml.lm.train import TrainProgress

DEFAULT_TIME_BUDGET_SECONDS = 240.0


def evaluate_lm_command(
    command: BaseCommand,
    options: dict[str, Any],
    train: InteractionMatrix,
    test: InteractionMatrix,
    articles: list[dict[str, str]],
    ks: Sequence[int],
    candidates: np.ndarray | None,
) -> tuple[LMRecommender, dict[str, float]]:
    """(fitted LMRecommender, metrics) for evaluate_offline's LM branch."""
    budget = options["time_budget"]
    if budget is None:
        budget = DEFAULT_TIME_BUDGET_SECONDS
    if budget <= 0:
        raise CommandError("--time-budget must be > 0")
    model_params = {"time_budget_s": budget}
    if options["threads"] is not None:
        model_params["threads"] = options["threads"]
    titles = [article["title"] for article in articles]
    sample = users_sample(test, max_users=options["max_users"], seed=options["seed"])
    evaluated = int((np.diff(sample.positives.indptr) > 0).sum())
    with (
        tqdm(total=round(budget), unit="s", desc="train", file=command.stderr) as training,
        tqdm(total=evaluated, unit="user", desc="generate", file=command.stderr) as users,
    ):

        def on_train(progress: TrainProgress) -> None:
            training.update(round(progress.elapsed_s) - training.n)
            training.set_postfix(step=progress.step, loss=f"{progress.loss:.3f}")

        return evaluate_lm(
            train,
            test,
            titles,
            ks=ks,
            candidates=candidates,
            max_users=options["max_users"],
            seed=options["seed"],
            model_params=model_params,
            on_train=on_train,
            on_users=users.update,
        )
