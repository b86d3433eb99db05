"""``LMRecommender``: the causal LM behind the Recommender interface, and what it stores.

Artifacts (no pickles): ``model/`` (``save_pretrained``: config.json + model.safetensors),
``tokenizer.json``, the title index ``item_ids.npy`` + ``title_tokens.npy`` (int32, all titles'
tokens end to end) + ``title_offsets.npy`` (int64, n_items + 1), and ``params.json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_meta, save_array, save_meta
from recommender.ml.base import Recommender, fitted
from recommender.ml.data import InteractionMatrix

from .generate import Generated, generate, score_candidates
from .histories import history_tokens, text_prompt_tokens
from .model import build_model, load_base, load_model, max_positions, save_model
from .tokenizer import DEFAULT_VOCAB_SIZE, TitleTokenizer
from .train import TrainConfig, TrainProgress, TrainStats, train_model
from .trie import TitleTrie

if TYPE_CHECKING:
    from .model import CausalLM

ARTIFACT_FORMAT = 1


def histories_from_matrix(matrix: InteractionMatrix, *, seed: int = 0) -> list[list[int]]:
    """Each user row's positive items as a history. A matrix keeps no reading order, so the
    order is a fixed random permutation per user (seeded), not the column order."""
    return [_row_history(matrix, user, seed=seed) for user in range(matrix.shape[0])]


def _row_history(matrix: InteractionMatrix, user: int, *, seed: int) -> list[int]:
    positives = matrix.positives
    items = positives.indices[positives.indptr[user] : positives.indptr[user + 1]]
    history: list[int] = items[np.random.default_rng([seed, user]).permutation(len(items))].tolist()
    return history


class LMRecommender(Recommender):
    """A GPT-2 over readers' histories written as titles; recommends by constrained beam search.

    Item indices are the columns of the catalogue it was fitted on (``item_ids``). Scores are
    sequence log-likelihoods (<= 0, higher is better).
    """

    name = "lm"

    def __init__(
        self,
        *,
        n_layer: int = 2,
        n_head: int = 4,
        n_embd: int = 128,
        n_positions: int = 256,
        dropout: float = 0.0,
        vocab_size: int = DEFAULT_VOCAB_SIZE,
        # Titles are cut to their first 8 tokens: about 15 fit in a 128-token window instead
        # of 9, and the LM's warm Recall@20 on citeulike-a rose by 40% (README). 16,910 of
        # its 16,980 titles stay distinct; the rest share a trie entry standing for each.
        max_title_tokens: int = 8,
        block_size: int = 128,
        time_budget_s: float = 300.0,
        max_steps: int | None = None,
        batch_size: int = 16,
        lr: float = 2e-3,
        num_beams: int = 20,
        seed: int = 0,
        base: str = "",
        threads: int | None = None,
    ) -> None:
        self.params: dict[str, Any] = {
            "n_layer": n_layer,
            "n_head": n_head,
            "n_embd": n_embd,
            "n_positions": n_positions,
            "dropout": dropout,
            "vocab_size": vocab_size,
            "max_title_tokens": max_title_tokens,
            "block_size": block_size,
            "time_budget_s": time_budget_s,
            "max_steps": max_steps,
            "batch_size": batch_size,
            "lr": lr,
            "num_beams": num_beams,
            "seed": seed,
            "base": base,
        }
        self.threads = threads
        self.model: CausalLM | None = None
        self.tokenizer: TitleTokenizer | None = None
        self.item_ids: np.ndarray | None = None
        self.title_tokens: list[list[int]] = []
        self.train_stats: TrainStats | None = None
        self.train_seconds = 0.0
        self._trie: TitleTrie | None = None

    # --- training ---------------------------------------------------------------------------

    def fit(
        self,
        matrix: InteractionMatrix,
        *,
        titles: Sequence[str] | None = None,
        histories: Sequence[Sequence[int]] | None = None,
        callback: Callable[[TrainProgress], None] | None = None,
    ) -> Self:
        """Train on ``matrix``'s catalogue: ``titles`` holds one title per column (required);
        ``histories`` are column indices in reading order, one list per reader. Without
        ``histories`` the matrix rows are used, each permuted anew every epoch (no order)."""
        if titles is None or len(titles) != matrix.shape[1]:
            raise ValueError("fit needs one title per column of the matrix")
        shuffle_order = histories is None
        if histories is None:
            histories = histories_from_matrix(matrix, seed=self.params["seed"])
        return self.fit_histories(
            item_ids=np.asarray(matrix.item_ids),
            titles=titles,
            histories=histories,
            shuffle_order=shuffle_order,
            callback=callback,
        )

    def fit_histories(
        self,
        *,
        item_ids: np.ndarray,
        titles: Sequence[str],
        histories: Sequence[Sequence[int]],
        shuffle_order: bool = False,
        callback: Callable[[TrainProgress], None] | None = None,
    ) -> Self:
        """Train the tokenizer on ``titles`` (aligned with ``item_ids``: item index i is
        ``item_ids[i]``) and the LM on ``histories`` (item indices in reading order);
        ``shuffle_order`` when the order carries no information (see ``training_windows``)."""
        if len(titles) != len(item_ids):
            raise ValueError(f"{len(titles)} titles for {len(item_ids)} items")
        p = self.params
        if p["base"]:
            tokenizer = TitleTokenizer.from_base(Path(p["base"]))
        else:
            tokenizer = TitleTokenizer.train(titles, vocab_size=p["vocab_size"])
        self.tokenizer, ids = tokenizer, tokenizer.ids
        self.item_ids = np.asarray(item_ids)
        self.title_tokens = tokenizer.encode_titles(titles, max_tokens=p["max_title_tokens"])
        self._trie = None
        if p["base"]:
            model = load_base(Path(p["base"]), tokenizer.vocab_size, ids)
        else:
            model = build_model(
                tokenizer.vocab_size,
                ids,
                seed=p["seed"],
                n_layer=p["n_layer"],
                n_head=p["n_head"],
                n_embd=p["n_embd"],
                n_positions=p["n_positions"],
                dropout=p["dropout"],
            )
        self.model = model
        config = TrainConfig(
            time_budget_s=p["time_budget_s"],
            max_steps=p["max_steps"],
            batch_size=p["batch_size"],
            block_size=min(p["block_size"], max_positions(model)),
            lr=p["lr"],
            seed=p["seed"],
            shuffle_order=shuffle_order,
            threads=self.threads,
        )
        self.train_stats = train_model(
            model, histories, self.title_tokens, ids, config, callback=callback
        )
        self.train_seconds = self.train_stats.seconds
        return self

    # --- prompts and candidates -------------------------------------------------------------

    @property
    def prompt_tokens(self) -> int:
        """Longest prompt: the training window, so that the model sees what it learnt from."""
        block: int = self.params["block_size"]
        return min(block, max_positions(fitted(self.model)) - self.trie.max_length)

    @property
    def trie(self) -> TitleTrie:
        """The trie of every column's title (keys are column indices), built once."""
        if self._trie is None:
            self._trie = TitleTrie(
                self.title_tokens, range(len(self.title_tokens)), sep=fitted(self.tokenizer).ids.sep
            )
        return self._trie

    def history_prompt(self, history: Sequence[int]) -> list[int]:
        """Prompt tokens for a history of column indices, oldest first."""
        return history_tokens(
            history, self.title_tokens, fitted(self.tokenizer).ids, max_tokens=self.prompt_tokens
        )

    def text_prompt(self, text: str) -> list[int]:
        """Prompt tokens for a free-text request; each non-empty line is written as a title."""
        lines = [line for line in text.splitlines() if line.strip()]
        segments = fitted(self.tokenizer).encode_titles(
            lines, max_tokens=self.params["max_title_tokens"]
        )
        return text_prompt_tokens(
            [s for s in segments if s], fitted(self.tokenizer).ids, max_tokens=self.prompt_tokens
        )

    def encode_titles(self, titles: Sequence[str]) -> list[list[int]]:
        return fitted(self.tokenizer).encode_titles(
            titles, max_tokens=self.params["max_title_tokens"]
        )

    # --- recommending -----------------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[Sequence[int]],
        candidates: Sequence[np.ndarray],
        *,
        n: int,
        trie: TitleTrie | None = None,
        num_beams: int | None = None,
    ) -> list[list[Generated]]:
        """Constrained beam search for each prompt over its ``candidates`` (keys of ``trie``,
        by default column indices of this model's own trie) with ``num_beams`` beams (default
        params["num_beams"], never fewer than ``n``); see ``generate.generate``."""
        trie = trie or self.trie
        views = [trie.restrict(np.asarray(keys)) for keys in candidates]
        return generate(
            fitted(self.model),
            prompts,
            views,
            fitted(self.tokenizer).ids,
            top_n=n,
            num_beams=max(n, num_beams or self.params["num_beams"]),
            threads=self.threads,
        )

    def recommend(
        self,
        user_index: int,
        matrix: InteractionMatrix,
        *,
        n: int = 10,
        candidates: np.ndarray | None = None,
        exclude_seen: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` by generation (not by ranking ``score_users``): column indices int64 and
        log-likelihoods float32, best first; the row's items, in a seeded order, are the
        prompt."""
        history = self.user_history(user_index, matrix)
        allowed = np.arange(matrix.shape[1]) if candidates is None else np.asarray(candidates)
        if exclude_seen:
            allowed = np.setdiff1d(allowed, matrix.seen(user_index))
        [found] = self.generate([self.history_prompt(history)], [allowed], n=n)
        items = [key for generated in found for key in generated.keys]
        scores = [generated.loglik for generated in found for _ in generated.keys]
        return np.asarray(items, dtype=np.int64), np.asarray(scores, dtype=np.float32)

    def user_history(self, user_index: int, matrix: InteractionMatrix) -> list[int]:
        """The row's positive items in the seeded order of ``histories_from_matrix``."""
        return _row_history(matrix, user_index, seed=self.params["seed"])

    def score_history(
        self, history: Sequence[int], items: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """float32 (len(items),): log-likelihood of each column's title after ``history``."""
        return self.score_prompt(
            self.history_prompt(history), [self.title_tokens[item] for item in items]
        )

    def score_prompt(
        self, prompt: Sequence[int], candidates: Sequence[Sequence[int]]
    ) -> np.ndarray:
        """float32 (len(candidates),): log-likelihood of each candidate title (token lists, e.g.
        from ``encode_titles``) after ``prompt`` (``history_prompt`` or ``text_prompt``)."""
        return score_candidates(
            fitted(self.model), prompt, candidates, fitted(self.tokenizer).ids, threads=self.threads
        )

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """float32 (len(user_indices), n_items): every title's log-likelihood after the user's
        history (teacher-forced, the whole catalogue: slow on a large one; ``recommend``
        generates instead)."""
        everything = np.arange(matrix.shape[1])
        return np.stack(
            [
                self.score_history(self.user_history(int(user), matrix), everything)
                for user in user_indices
            ]
        ).astype(np.float32)

    # --- artifacts --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_model(fitted(self.model), directory / "model")
        fitted(self.tokenizer).save(directory / "tokenizer.json")
        save_array(directory / "item_ids.npy", fitted(self.item_ids))
        lengths = [len(tokens) for tokens in self.title_tokens]
        save_array(directory / "title_offsets.npy", np.concatenate([[0], np.cumsum(lengths)]))
        flat = [token for tokens in self.title_tokens for token in tokens]
        save_array(directory / "title_tokens.npy", np.asarray(flat, dtype=np.int32))
        stats = None if self.train_stats is None else self.train_stats.__dict__
        save_meta(
            directory / "params.json",
            self.name,
            ARTIFACT_FORMAT,
            params=self.params,
            train_seconds=self.train_seconds,
            train_stats=stats,
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True, threads: int | None = None) -> Self:
        """What ``save`` wrote; the weights are read into memory (torch), the arrays too unless
        ``mmap`` (the title index is small)."""
        directory = Path(directory)
        meta = load_meta(directory / "params.json", cls.name, ARTIFACT_FORMAT, "lm model")
        recommender = cls(**meta["params"], threads=threads)
        recommender.tokenizer = TitleTokenizer.load(directory / "tokenizer.json")
        recommender.model = load_model(directory / "model")
        recommender.item_ids = load_array(directory / "item_ids.npy", mmap)
        offsets = load_array(directory / "title_offsets.npy", mmap=False)
        flat = load_array(directory / "title_tokens.npy", mmap=False).tolist()
        recommender.title_tokens = [
            flat[start:end] for start, end in zip(offsets[:-1], offsets[1:], strict=True)
        ]
        recommender.train_seconds = meta["train_seconds"]
        if meta["train_stats"] is not None:
            recommender.train_stats = TrainStats(**meta["train_stats"])
        return recommender
