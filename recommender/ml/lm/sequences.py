"""Readers' histories as item sequences: their order, the validation item, training chunks.

Pure numpy. A history is a list of item indices (columns of the catalogue), oldest first, each
item once (where it was first read). Data with reading times gives the order (ties keep file
order); data without any (citeulike-a lists a library by article id) has none, and the model
must not pretend it does: ``Histories.ordered`` is False, training permutes each history anew
every epoch and a history is read in a fixed random permutation (see ``SequenceLM``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recommender.ml.data import InteractionMatrix


@dataclass(frozen=True)
class Histories:
    """``items[u]``: matrix row u's positive items, oldest first; ``ordered``: whether that
    order is the reading order (False: no timestamps, the order is meaningless); ``moments[u]``
    (ordered histories only): for each of those items, the rank of its reading time among the
    row's distinct times: items of one moment were read at the same recorded time, and the
    order among them is only the file's (MovieLens rates in bursts: half its consecutive
    ratings share their second)."""

    items: list[list[int]]
    ordered: bool
    moments: list[list[int]] | None = None

    def cut(self, lengths: Sequence[int]) -> Histories:
        """Each row's first ``lengths[u]`` items (and their moments)."""
        items = [row[:length] for row, length in zip(self.items, lengths, strict=True)]
        moments = None
        if self.moments is not None:
            moments = [row[:length] for row, length in zip(self.moments, lengths, strict=True)]
        return Histories(items=items, ordered=self.ordered, moments=moments)


def ordered_histories(rows: Iterable[tuple[Any, ...]], matrix: InteractionMatrix) -> Histories:
    """Each row of ``matrix``: its positive cells ordered by the time of their first event in
    ``rows`` (``(user_id, item_id, event, value, timestamp | None)``, the rows the matrix was
    built from); ties and undated events keep file order (undated ones after dated ones).
    Cells that are not positive in ``matrix`` (dislikes, unknown items) are left out."""
    first_seen: dict[tuple[int, int], tuple[float, int]] = {}
    dated = False
    for position, (user_id, item_id, _event, _value, timestamp) in enumerate(rows):
        user, item = matrix.user_index(user_id), matrix.item_index(item_id)
        if user is None or item is None:
            continue
        dated = dated or timestamp is not None
        when = (float("inf") if timestamp is None else float(timestamp), position)
        key = (user, item)
        if key not in first_seen or when < first_seen[key]:
            first_seen[key] = when
    positives = matrix.positives
    items, moments = [], []
    for user in range(matrix.shape[0]):
        columns = positives.indices[positives.indptr[user] : positives.indptr[user + 1]]
        keyed = sorted((first_seen.get((user, int(c)), (float("inf"), 0)), int(c)) for c in columns)
        items.append([column for _, column in keyed])
        times = [when for (when, _position), _column in keyed]
        moments.append([int(rank) for rank in np.unique(times, return_inverse=True)[1]])
    return Histories(items=items, ordered=dated, moments=moments if dated else None)


def unordered_histories(matrix: InteractionMatrix, *, seed: int) -> Histories:
    """Each row's positive items in a fixed random permutation (seeded per row): for data that
    carries no order."""
    positives = matrix.positives
    items = []
    for user in range(matrix.shape[0]):
        columns = positives.indices[positives.indptr[user] : positives.indptr[user + 1]]
        order = np.random.default_rng([seed, user]).permutation(len(columns))
        items.append(columns[order].astype(np.int64).tolist())
    return Histories(items=items, ordered=False)


def leave_last_out(
    histories: Sequence[Sequence[int]], *, min_length: int = 2
) -> tuple[list[list[int]], np.ndarray]:
    """(each history without its last item, int64 targets: that last item, -1 for histories
    shorter than ``min_length``, which stay whole)."""
    train, targets = [], np.full(len(histories), -1, dtype=np.int64)
    for user, items in enumerate(histories):
        if len(items) >= min_length:
            train.append(list(items[:-1]))
            targets[user] = items[-1]
        else:
            train.append(list(items))
    return train, targets


def training_chunks(
    histories: Sequence[Sequence[int]],
    *,
    max_length: int,
    rng: np.random.Generator,
    shuffle_order: bool,
    moments: Sequence[Sequence[int]] | None = None,
) -> list[list[int]]:
    """One epoch of training sequences: every history (of at least 2 items) cut into chunks of
    at most ``max_length + 1`` items from its end backwards, consecutive chunks sharing one item
    (a chunk's inputs are all but its last item, its targets all but its first), so each
    transition is learnt once per epoch. ``shuffle_order`` permutes each history first;
    ``moments`` (``Histories.moments``) permutes the items of each moment among themselves,
    anew every epoch, so the model cannot learn an order the data does not have."""
    chunks = []
    for user, items in enumerate(histories):
        if len(items) < 2:
            continue
        sequence = list(items)
        if shuffle_order:
            sequence = [sequence[i] for i in rng.permutation(len(sequence))]
        elif moments is not None:
            order = np.lexsort((rng.random(len(sequence)), np.asarray(moments[user])))
            sequence = [sequence[i] for i in order]
        end = len(sequence)
        while end > 1:
            start = max(0, end - max_length - 1)
            chunks.append(sequence[start:end])
            end = start + 1
    return chunks


def recent(history: Sequence[int], max_length: int) -> list[int]:
    """The last ``max_length`` items of ``history`` (what the model reads)."""
    return list(history[-max_length:]) if max_length else []
