"""A tiny catalogue whose readers always read the next article of a cycle, for the sequence LM's
tests: article i is followed by article i + 1 (mod N_ITEMS), so the next item is known exactly
from the order and not at all from the set of items read. Texts are random unit vectors."""

import functools

import numpy as np

from recommender.ml.data import build_interaction_matrix
from recommender.ml.lm.model import SequenceLM
from recommender.ml.lm.sequences import ordered_histories

N_ITEMS = 24
N_READERS = 30
TEXT_DIM = 16
# Small and fast: a few seconds on one thread, and the cycle is learnt within about 10 epochs.
TINY_PARAMS = {
    "dim": 32,
    "layers": 1,
    "heads": 2,
    "max_length": 8,
    "dropout": 0.0,
    "batch_size": 16,
    "lr": 5e-3,
    "max_epochs": 12,
    "patience": 3,
    "time_budget_s": 60.0,
    "threads": 1,
}


def histories() -> list[list[int]]:
    """Reader r reads 6 to 9 consecutive articles of the cycle, starting at a seeded item."""
    rng = np.random.default_rng(0)
    return [
        [(int(start) + step) % N_ITEMS for step in range(int(length))]
        for start, length in zip(
            rng.integers(0, N_ITEMS, N_READERS), rng.integers(6, 10, N_READERS), strict=True
        )
    ]


def texts() -> np.ndarray:
    vectors = np.random.default_rng(1).normal(size=(N_ITEMS, TEXT_DIM)).astype(np.float32)
    normalized: np.ndarray = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return normalized


def rows() -> list[tuple[str, str, str, None, float]]:
    """The histories as interaction rows, time = position (reader after reader)."""
    return [
        (f"u{reader}", f"a{item}", "read", None, float(position))
        for reader, items in enumerate(histories())
        for position, item in enumerate(items)
    ]


def matrix():
    return build_interaction_matrix(rows(), item_ids=[f"a{i}" for i in range(N_ITEMS)])


@functools.cache
def trained() -> SequenceLM:
    """One fit per test session (read-only for the tests)."""
    data = matrix()
    return SequenceLM(texts(), **TINY_PARAMS).fit(data, histories=ordered_histories(rows(), data))
