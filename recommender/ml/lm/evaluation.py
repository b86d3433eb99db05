"""Measuring the LM as it recommends: by generation over the candidates, not by ranking scores.

``validate`` measures next-item prediction on held-out last reads (training service);
``GenerativeRanking`` lets ``recommender.ml.metrics.evaluate`` measure a split exactly like every
other model (DESIGN §5), with each user's ranking being the model's generated top K.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from recommender.ml.base import fitted
from recommender.ml.data import InteractionMatrix
from recommender.ml.metrics import ndcg_at_k, recall_at_k

from .histories import HeldOut
from .recommender import LMRecommender
from .train import perplexity

PROMPTS_PER_BATCH = 8


def validate(
    recommender: LMRecommender,
    held_out: Sequence[HeldOut],
    *,
    ks: Sequence[int] = (10, 20),
    max_users: int | None = None,
    seed: int = 0,
) -> dict[str, float]:
    """{"perplexity", "recall@K", "ndcg@K" for each K, "users_evaluated"}: perplexity over every
    held-out title; Recall/NDCG of its generated top max(ks) among all items the reader has not
    read, on ``max_users`` readers drawn with ``seed`` (all when None)."""
    ks = sorted(set(ks))
    result = {
        "perplexity": perplexity(
            fitted(recommender.model),
            held_out,
            recommender.title_tokens,
            fitted(recommender.tokenizer).ids,
            max_prompt_tokens=recommender.prompt_tokens,
            threads=recommender.threads,
        )
    }
    examples = list(held_out)
    if max_users is not None and len(examples) > max_users:
        chosen = np.random.default_rng(seed).choice(len(examples), max_users, replace=False)
        examples = [examples[i] for i in sorted(chosen)]
    sums = dict.fromkeys([f"{name}@{k}" for k in ks for name in ("recall", "ndcg")], 0.0)
    n_items = len(recommender.title_tokens)
    for start in range(0, len(examples), PROMPTS_PER_BATCH):
        batch = examples[start : start + PROMPTS_PER_BATCH]
        found = recommender.generate(
            [recommender.history_prompt(example.history) for example in batch],
            [np.setdiff1d(np.arange(n_items), example.history) for example in batch],
            n=ks[-1],
        )
        for example, generated in zip(batch, found, strict=True):
            ranked = np.array([key for item in generated for key in item.keys])
            for k in ks:
                sums[f"recall@{k}"] += recall_at_k(ranked, {example.target}, k)
                sums[f"ndcg@{k}"] += ndcg_at_k(ranked, {example.target}, k)
    for name, total in sums.items():
        result[name] = total / len(examples) if examples else 0.0
    result["users_evaluated"] = len(examples)
    return result


class GenerativeRanking:
    """For ``metrics.evaluate``: each user's generated top ``k`` (among ``candidates``, unseen
    items only) get their log-likelihoods, every other item -inf, so the ranking ``evaluate``
    takes is exactly what the LM would recommend."""

    def __init__(
        self,
        recommender: LMRecommender,
        *,
        k: int,
        candidates: np.ndarray | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.recommender = recommender
        self.k = k
        self.candidates = candidates
        self.progress = progress

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """float32 (len(user_indices), n_items)."""
        n_items = matrix.shape[1]
        pool = np.arange(n_items) if self.candidates is None else np.asarray(self.candidates)
        scores = np.full((len(user_indices), n_items), -np.inf, dtype=np.float32)
        for start in range(0, len(user_indices), PROMPTS_PER_BATCH):
            users = [int(user) for user in user_indices[start : start + PROMPTS_PER_BATCH]]
            found = self.recommender.generate(
                [
                    self.recommender.history_prompt(self.recommender.user_history(user, matrix))
                    for user in users
                ],
                [np.setdiff1d(pool, matrix.seen(user)) for user in users],
                n=self.k,
            )
            for row, generated in enumerate(found, start=start):
                for item in generated:
                    scores[row, list(item.keys)] = item.loglik
            if self.progress is not None:
                self.progress(len(users))
        return scores
