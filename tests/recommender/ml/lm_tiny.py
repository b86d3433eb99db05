"""A tiny catalogue and library for the LM tests, and a 1-layer LM trained on it once per test
session (a second or two), shared by every test that only reads it."""

from __future__ import annotations

import functools

import numpy as np

from recommender.ml.lm.recommender import LMRecommender

THEMES = {
    "astronomy": ["stars", "galaxies", "comets", "planets", "nebulae"],
    "biology": ["cells", "genes", "proteins", "enzymes", "bacteria"],
    "cooking": ["bread", "sauces", "pastry", "soups", "noodles"],
}
# Two articles share a title: generation cannot tell them apart, so one title stands for both.
DUPLICATE = (0, 1)


def titles() -> list[str]:
    """30 titles, 10 per theme: items 0-9 astronomy, 10-19 biology, 20-29 cooking."""
    result = []
    for words in THEMES.values():
        for number in range(10):
            result.append(f"the {words[number % 5]} of {words[(number + 2) % 5]} {number // 5}")
    result[DUPLICATE[1]] = result[DUPLICATE[0]]
    return result


def histories() -> list[list[int]]:
    """20 readers, each 6 articles of one theme (seeded)."""
    rng = np.random.default_rng(0)
    return [(10 * (reader % 3) + rng.permutation(10)[:6]).tolist() for reader in range(20)]


TINY_PARAMS = {
    "n_layer": 1,
    "n_head": 2,
    "n_embd": 32,
    "n_positions": 128,
    "vocab_size": 300,
    "block_size": 96,
    "max_steps": 120,
    "time_budget_s": 60.0,
    "batch_size": 8,
    "lr": 1e-2,
    "num_beams": 6,
    "threads": 1,
}


def tiny_recommender() -> LMRecommender:
    params = dict(TINY_PARAMS)
    threads = params.pop("threads")
    return LMRecommender(**params, threads=threads)


@functools.cache
def trained() -> LMRecommender:
    """Fitted on ``histories()`` over ``titles()``; item ids "a0".."a29". Do not mutate."""
    item_ids = np.array([f"a{i}" for i in range(30)])
    return tiny_recommender().fit_histories(
        item_ids=item_ids, titles=titles(), histories=histories()
    )
