"""``evaluate_offline --model lm``: fit the sequence LM on the training file's reading orders
within ``--time-budget`` and rank the whole catalogue (or ``--candidates``) for every test
reader, with a progress bar (torch is imported here, never by the web process).

The order is the training file's timestamps (ties in file order): with each reader's last
interactions as the test file, this is the next-article protocol. A training file without any
timestamp (citeulike-a) has no order, and the LM does not pretend one: it trains on every
history permuted anew each epoch and reads a history in a fixed random permutation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommender.ml.data import InteractionMatrix
from recommender.ml.lm.model import SequenceLM
from recommender.ml.lm.sequences import ordered_histories
from recommender.ml.lm.train import TrainProgress
from recommender.ml.metrics import evaluate

DEFAULT_TIME_BUDGET_SECONDS = 300.0


def evaluate_lm_command(
    command: BaseCommand,
    options: dict[str, Any],
    train: InteractionMatrix,
    test: InteractionMatrix,
    train_rows: list[tuple[Any, ...]],
    embeddings: np.ndarray,
    ks: Sequence[int],
    candidates: np.ndarray | None,
) -> tuple[SequenceLM, dict[str, Any]]:
    """(fitted SequenceLM, metrics with the LM's validation) for evaluate_offline's LM
    branch."""
    budget = options["time_budget"]
    if budget is None:
        budget = DEFAULT_TIME_BUDGET_SECONDS
    if budget <= 0:
        raise CommandError("--time-budget must be > 0")
    histories = ordered_histories(train_rows, train)
    model = SequenceLM(
        embeddings, time_budget_s=budget, seed=options["seed"], threads=options["threads"]
    )
    with tqdm(total=round(budget), unit="s", desc="train", file=command.stderr) as bar:

        def on_epoch(progress: TrainProgress) -> None:
            bar.update(min(round(progress.elapsed_s), bar.total) - bar.n)
            bar.set_postfix(epoch=progress.epoch, loss=f"{progress.loss:.3f}")

        model.fit(train, histories=histories if histories.ordered else None, callback=on_epoch)
    metrics: dict[str, Any] = evaluate(model, train, test, ks=ks, candidates=candidates)
    return model, {**metrics, "ordered": histories.ordered, "validation": model.validation}
