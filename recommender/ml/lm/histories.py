"""Readers' histories as token sequences, and the split that validates the LM.

A history is a list of item indices (columns of the catalogue) in reading order. Written as text
it is ``[bos] t_1 [sep] t_2 [sep] ... t_k [sep]`` where ``t_i`` are the tokens of item i's title;
the sequence is assembled from per-title encodings, so a title's tokens are the same wherever it
appears (in a history, in the candidate trie, as a scored candidate).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .tokenizer import SpecialIds


@dataclass(frozen=True)
class HeldOut:
    """One validation example: the reader's history before ``target``, and ``target``."""

    user: int
    history: list[int]
    target: int


def history_tokens(
    items: Sequence[int],
    title_tokens: Sequence[Sequence[int]],
    ids: SpecialIds,
    *,
    max_tokens: int,
) -> list[int]:
    """``[bos] t_1 [sep] ... t_k [sep]`` keeping the most recent titles that fit in
    ``max_tokens`` tokens (at least ``[bos]``); token ids as Python ints."""
    kept: list[Sequence[int]] = []
    length = 1
    for item in reversed(items):
        tokens = title_tokens[item]
        if length + len(tokens) + 1 > max_tokens:
            break
        kept.append(tokens)
        length += len(tokens) + 1
    sequence = [ids.bos]
    for tokens in reversed(kept):
        sequence.extend(tokens)
        sequence.append(ids.sep)
    return sequence


def text_prompt_tokens(
    segments: Sequence[Sequence[int]], ids: SpecialIds, *, max_tokens: int
) -> list[int]:
    """A free-text request as a prompt: each segment (a line of the request, encoded) is written
    like a title the reader read, so the model continues with a title that would follow them."""
    return history_tokens(range(len(segments)), segments, ids, max_tokens=max_tokens)


def leave_last_out(
    histories: Sequence[Sequence[int]], *, min_length: int = 2
) -> tuple[list[list[int]], list[HeldOut]]:
    """Hold out the last item of every history with at least ``min_length`` items.

    Returns (training histories, one ``HeldOut`` per such reader); shorter histories stay whole
    in the training set. ``user`` is the history's position in ``histories``.
    """
    train, held_out = [], []
    for user, items in enumerate(histories):
        items = list(items)
        if len(items) >= min_length:
            held_out.append(HeldOut(user=user, history=items[:-1], target=items[-1]))
            train.append(items[:-1])
        else:
            train.append(items)
    return train, held_out


def training_windows(
    histories: Sequence[Sequence[int]],
    title_tokens: Sequence[Sequence[int]],
    ids: SpecialIds,
    *,
    block_size: int,
    rng: np.random.Generator,
    shuffle_order: bool,
) -> list[list[int]]:
    """One epoch of training sequences: per history (with at least one title), a window of at
    most ``block_size`` tokens of consecutive titles.

    In reading order the window ends at a random title, so over the epochs every part of a long
    history is seen. ``shuffle_order`` instead permutes each history and keeps its end: for data
    without reading times (a library of articles, e.g. citeulike) the order carries no
    information, and a fresh permutation per epoch teaches the model which titles go together
    rather than one arbitrary order.
    """
    windows = []
    for items in histories:
        if not items:
            continue
        items = list(items)
        if shuffle_order:
            items = [items[i] for i in rng.permutation(len(items))]
            end = len(items)
        else:
            end = int(rng.integers(1, len(items) + 1))
        windows.append(history_tokens(items[:end], title_tokens, ids, max_tokens=block_size))
    return windows
