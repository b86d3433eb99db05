"""Training the sequence network: next-item cross-entropy over the whole catalogue, early
stopping on each reader's held-out last item, within a time budget.

Torch is imported inside the functions (the network module is torch-bearing). A full softmax is
affordable: 17k articles x 64 dimensions per position is a small matrix product, and it learns
from every item at every step instead of a few sampled negatives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from recommender.ml.metrics import ndcg_at_k, recall_at_k

from .sequences import recent, training_chunks
from .threads import torch_threads

if TYPE_CHECKING:  # torch-bearing: imported inside the functions that train
    import torch

    from .network import SequenceNetwork

VALIDATION_BATCH = 256


@dataclass(frozen=True)
class TrainConfig:
    max_length: int
    time_budget_s: float = 300.0
    max_epochs: int = 200
    patience: int = 5  # epochs without a better validation NDCG@10 before stopping
    batch_size: int = 128
    lr: float = 1e-3
    weight_decay: float = 0.0
    seed: int = 0
    shuffle_order: bool = False
    moments: Sequence[Sequence[int]] | None = None  # permute within them (sequences.Histories)
    threads: int | None = None


@dataclass(frozen=True)
class TrainProgress:
    epoch: int
    elapsed_s: float
    fraction: float  # of the time budget used, 0..1
    loss: float
    ndcg_val: float | None


@dataclass(frozen=True)
class TrainStats:
    epochs: int
    best_epoch: int
    seconds: float
    loss: float  # mean training loss of the last epoch
    validation: dict[str, float]  # at the best epoch: "ndcg@10_val", "recall@20_val", "users_val"


def padded(sequences: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(long (batch, width) item indices + 1 right-padded with 0, long (batch,) lengths)."""
    import torch

    width = max(1, max(len(sequence) for sequence in sequences))
    tokens = torch.zeros((len(sequences), width), dtype=torch.long)
    for row, sequence in enumerate(sequences):
        if len(sequence):
            tokens[row, : len(sequence)] = torch.as_tensor(np.asarray(sequence) + 1)
    lengths = torch.as_tensor([len(sequence) for sequence in sequences], dtype=torch.long)
    return tokens, lengths


def last_hidden(
    network: SequenceNetwork, histories: Sequence[Sequence[int]], max_length: int
) -> torch.Tensor:
    """float (len(histories), dim): the hidden state after each history's last
    ``max_length`` items (zeros for an empty history). Call under inference mode."""
    import torch

    windows = [recent(history, max_length) for history in histories]
    tokens, lengths = padded(windows)
    hidden = network.hidden(tokens)
    last = hidden[torch.arange(len(windows)), (lengths - 1).clamp(min=0)]
    return last * (lengths > 0)[:, None]


def _batches(
    chunks: list[list[int]], batch_size: int, rng: np.random.Generator
) -> Iterator[list[list[int]]]:
    """Chunks of similar lengths batched together (little compute spent on padding)."""
    order = np.argsort([len(chunk) for chunk in chunks], kind="stable")
    groups = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    for group in rng.permutation(len(groups)):
        yield [chunks[i] for i in groups[group]]


def _loss(network: SequenceNetwork, batch: list[list[int]]) -> torch.Tensor:
    """Mean cross-entropy of each next item over the catalogue, padding positions left out."""
    import torch

    tokens, lengths = padded(batch)
    hidden = network.hidden(tokens[:, :-1])
    targets = tokens[:, 1:] - 1
    valid = torch.arange(targets.shape[1])[None, :] < (lengths - 1)[:, None]
    logits = network.logits(hidden[valid])
    return torch.nn.functional.cross_entropy(logits, targets[valid])


def validate(
    network: SequenceNetwork,
    histories: Sequence[Sequence[int]],
    targets: np.ndarray,
    max_length: int,
) -> dict[str, float]:
    """{"ndcg@10_val", "recall@20_val", "users_val"}: each reader with a target (>= 0) ranks
    the whole catalogue after their history, their history's items excluded."""
    import torch

    users = np.flatnonzero(targets >= 0)
    ndcg = recall = 0.0
    network.eval()
    with torch.inference_mode():
        output = network.output_embeddings()
        for start in range(0, len(users), VALIDATION_BATCH):
            batch = users[start : start + VALIDATION_BATCH]
            hidden = last_hidden(network, [histories[user] for user in batch], max_length)
            scores = network.logits(hidden, output).numpy()
            for row, user in enumerate(batch):
                scores[row, list(histories[user])] = -np.inf
                ranked = np.argsort(-scores[row], kind="stable")[:20]
                ndcg += ndcg_at_k(ranked[:10], {int(targets[user])}, 10)
                recall += recall_at_k(ranked, {int(targets[user])}, 20)
    count = max(len(users), 1)
    return {"ndcg@10_val": ndcg / count, "recall@20_val": recall / count, "users_val": len(users)}


def train_network(
    network: SequenceNetwork,
    histories: Sequence[Sequence[int]],
    targets: np.ndarray,
    config: TrainConfig,
    *,
    callback: Callable[[TrainProgress], None] | None = None,
) -> TrainStats:
    """Train ``network`` in place on ``histories`` (item indices, oldest first), measure it
    after every epoch on ``targets`` (each history's held-out next item, -1: none) and keep the
    weights of the best epoch; stops after ``patience`` epochs without gain, ``max_epochs`` or
    the time budget, whichever comes first. Without any target every epoch counts as best."""
    import torch

    if not any(len(items) >= 2 for items in histories):
        raise ValueError("no history with two items to learn a next item from")
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    optimizer = torch.optim.Adam(
        network.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    started = time.monotonic()
    best: dict[str, torch.Tensor] | None = None
    best_ndcg, best_epoch, epoch, loss = -1.0, 0, 0, float("nan")
    validation: dict[str, float] = {}
    has_targets = bool((targets >= 0).any())
    with torch_threads(config.threads):
        while epoch < config.max_epochs and time.monotonic() - started < config.time_budget_s:
            network.train()
            losses = []
            chunks = training_chunks(
                histories,
                max_length=config.max_length,
                rng=rng,
                shuffle_order=config.shuffle_order,
                moments=config.moments,
            )
            for batch in _batches(chunks, config.batch_size, rng):
                value = _loss(network, batch)
                optimizer.zero_grad(set_to_none=True)
                value.backward()
                torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                optimizer.step()
                losses.append(value.item())
                if time.monotonic() - started >= config.time_budget_s:
                    break
            epoch += 1
            loss = float(np.mean(losses))
            measured = validate(network, histories, targets, config.max_length)
            ndcg = measured["ndcg@10_val"] if has_targets else float(epoch)
            if ndcg > best_ndcg:
                best_ndcg, best_epoch, validation = ndcg, epoch, measured
                best = {
                    name: value.detach().clone() for name, value in network.state_dict().items()
                }
            elapsed = time.monotonic() - started
            if callback is not None:
                callback(
                    TrainProgress(
                        epoch=epoch,
                        elapsed_s=elapsed,
                        fraction=min(1.0, elapsed / config.time_budget_s),
                        loss=loss,
                        ndcg_val=measured["ndcg@10_val"] if has_targets else None,
                    )
                )
            if epoch - best_epoch >= config.patience:
                break
    if best is not None:
        network.load_state_dict(best)
    network.eval()
    return TrainStats(
        epochs=epoch,
        best_epoch=best_epoch,
        seconds=time.monotonic() - started,
        loss=loss,
        validation=validation,
    )
