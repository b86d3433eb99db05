"""Training the LM within a time budget, and its validation perplexity.

The learning rate warms up linearly and then follows a cosine to zero over whichever runs out
first, the step limit or the time budget, so a run that is cut by the clock still ends on a small
learning rate instead of mid-stride.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .histories import HeldOut, history_tokens, training_windows
from .threads import torch_threads
from .tokenizer import SpecialIds

if TYPE_CHECKING:  # torch-bearing: imported inside the functions that train
    import torch

    from .model import CausalLM


@dataclass(frozen=True)
class TrainConfig:
    time_budget_s: float = 300.0
    max_steps: int | None = None  # tests fix the steps (deterministic); None: the clock decides
    batch_size: int = 16
    block_size: int = 128
    lr: float = 2e-3
    warmup_steps: int = 50
    weight_decay: float = 0.01
    seed: int = 0
    shuffle_order: bool = False
    threads: int | None = None


@dataclass(frozen=True)
class TrainProgress:
    step: int
    epoch: int
    elapsed_s: float
    fraction: float  # of the budget (steps or time) used, 0..1
    loss: float


@dataclass(frozen=True)
class TrainStats:
    steps: int
    epochs: float
    seconds: float
    loss: float  # mean training loss over the last 20 steps
    tokens: int


def _batches(
    windows: list[list[int]], batch_size: int, pad: int, rng: np.random.Generator
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Padded (input_ids, attention_mask, labels) tensors; similar lengths are batched together
    so that little compute goes to padding."""
    import torch

    order = np.argsort([len(window) for window in windows], kind="stable")
    chunks = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    for chunk_index in rng.permutation(len(chunks)):
        chunk = [windows[i] for i in chunks[chunk_index]]
        width = max(len(window) for window in chunk)
        input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, window in enumerate(chunk):
            input_ids[row, : len(window)] = torch.tensor(window)
            mask[row, : len(window)] = 1
        labels = input_ids.masked_fill(mask == 0, -100)
        yield input_ids, mask, labels


def _loss(
    model: CausalLM, input_ids: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor
) -> torch.Tensor:
    """Mean next-token cross-entropy over the non-padding positions."""
    import torch

    logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1]
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]).float(), labels[:, 1:].reshape(-1), ignore_index=-100
    )


def train_model(
    model: CausalLM,
    histories: Sequence[Sequence[int]],
    title_tokens: Sequence[Sequence[int]],
    ids: SpecialIds,
    config: TrainConfig,
    *,
    callback: Callable[[TrainProgress], None] | None = None,
) -> TrainStats:
    """Train ``model`` (in place) on ``histories`` (item indices in reading order) until the time
    budget or ``max_steps`` is used up; returns what was done."""
    import torch

    if not any(histories):
        raise ValueError("no history with at least one title to learn from")
    rng = np.random.default_rng(config.seed)
    torch.manual_seed(config.seed)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay, betas=(0.9, 0.98)
    )
    started = time.monotonic()
    step, epoch, tokens = 0, 0, 0
    recent: list[float] = []
    n_windows = sum(1 for items in histories if items)
    windows_done = 0

    def used() -> float:
        """Share of the budget used: of the steps when they are fixed, else of the time; the
        time budget stops training either way."""
        elapsed = (time.monotonic() - started) / config.time_budget_s
        if elapsed >= 1.0:
            return 1.0
        return step / config.max_steps if config.max_steps else elapsed

    model.train()
    with torch_threads(config.threads):
        while used() < 1.0:
            windows = training_windows(
                histories,
                title_tokens,
                ids,
                block_size=config.block_size,
                rng=rng,
                shuffle_order=config.shuffle_order,
            )
            for input_ids, mask, labels in _batches(windows, config.batch_size, ids.pad, rng):
                fraction = used()
                if fraction >= 1.0:
                    break
                warmup = min(1.0, (step + 1) / config.warmup_steps)
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * warmup * 0.5 * (1 + math.cos(math.pi * fraction))
                loss = _loss(model, input_ids, mask, labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                step += 1
                tokens += int(mask.sum())
                windows_done += len(input_ids)
                recent = [*recent[-19:], loss.item()]
                if callback is not None:
                    callback(
                        TrainProgress(
                            step=step,
                            epoch=epoch,
                            elapsed_s=time.monotonic() - started,
                            fraction=used(),
                            loss=recent[-1],
                        )
                    )
            epoch += 1
    model.eval()
    return TrainStats(
        steps=step,
        epochs=windows_done / n_windows,
        seconds=time.monotonic() - started,
        loss=float(np.mean(recent)) if recent else float("nan"),
        tokens=tokens,
    )


def perplexity(
    model: CausalLM,
    examples: Sequence[HeldOut],
    title_tokens: Sequence[Sequence[int]],
    ids: SpecialIds,
    *,
    max_prompt_tokens: int,
    batch_size: int = 32,
    threads: int | None = None,
) -> float:
    """exp(mean negative log-likelihood per token) of each held-out title (its tokens and the
    closing ``[sep]``) given the history before it; ``inf`` without examples."""
    import torch

    total_nll, total_tokens = 0.0, 0
    with torch_threads(threads), torch.inference_mode():
        for start in range(0, len(examples), batch_size):
            chunk = examples[start : start + batch_size]
            rows = []
            for example in chunk:
                prompt = history_tokens(
                    example.history, title_tokens, ids, max_tokens=max_prompt_tokens
                )
                rows.append((prompt, [*title_tokens[example.target], ids.sep]))
            width = max(len(prompt) + len(target) for prompt, target in rows)
            input_ids = torch.full((len(rows), width), ids.pad, dtype=torch.long)
            mask = torch.zeros_like(input_ids)
            labels = torch.full_like(input_ids, -100)
            for row, (prompt, target) in enumerate(rows):
                sequence = prompt + target
                input_ids[row, : len(sequence)] = torch.tensor(sequence)
                mask[row, : len(sequence)] = 1
                labels[row, len(prompt) : len(sequence)] = torch.tensor(target)
            logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1]
            targets = labels[:, 1:]
            nll = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]).float(),
                targets.reshape(-1),
                ignore_index=-100,
                reduction="sum",
            )
            total_nll += float(nll)
            total_tokens += int((targets != -100).sum())
    return math.exp(total_nll / total_tokens) if total_tokens else float("inf")
