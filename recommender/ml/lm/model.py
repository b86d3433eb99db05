"""``SequenceLM``: the causal LM over reading sequences behind the Recommender interface, and
what it hands the web process.

Scores are ``state . output_row``: ``states`` gives a reader's sequence state float32
(dim + 1,) (the last hidden state after their history, then a 1 that multiplies the item bias)
and ``output_embeddings`` float32 (n_items, dim + 1). Both are plain numpy, so a web process
scores with a memory-mapped ``output_embeddings.npy`` and a state a worker computed
(recommender.runtime.sequences). ``new_item_outputs`` gives an article published after training
its output row from its text alone (the output projection; no own embedding, no bias).

Artifacts (no pickles): ``network.safetensors`` (weights), ``item_text_embeddings.npy`` (the
frozen inputs), ``output_embeddings.npy``, ``output_projection.npy`` (text_dim + 1, dim: weight,
then bias), ``item_ids.npy``, ``params.json`` (parameters, training statistics).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_meta, save_array, save_meta
from recommender.ml.base import Recommender, fitted
from recommender.ml.content import normalize_rows
from recommender.ml.data import InteractionMatrix

from .sequences import Histories, leave_last_out, unordered_histories
from .threads import torch_threads
from .train import TrainConfig, TrainProgress, TrainStats, last_hidden, train_network

if TYPE_CHECKING:  # torch-bearing: imported inside the methods that build or run it
    from .network import SequenceNetwork

ARTIFACT_FORMAT = 2  # 1 was the title-token LM
STATE_BATCH = 256


class SequenceLM(Recommender):
    """See the module docstring. ``item_embeddings`` float32 (n_items, text_dim): the
    catalogue's text embeddings aligned with the matrix columns (zero rows: no text).

    Defaults chosen on MovieLens 100K validation (each reader's second-to-last rating; see
    docs/benchmarks.md, benchmarks/lm_settings_search.py): 2 layers of 64 dimensions, histories
    cut to their last 50 items, dropout 0.2 (0.5 learnt slower: validation NDCG@10 0.093
    against 0.108 within the same budget), learning rate 2e-3, tied input/output embeddings (a
    second projection for the output: 0.105) with an own embedding per item added to the
    projected text (the projected text alone: 0.074; MovieLens titles and genres say little
    about a film), and the items of one moment (same recorded time) permuted among themselves
    every epoch (``shuffle_ties``: 0.114 against 0.108; half of MovieLens' consecutive ratings
    share their second, and their file order is no reading order)."""

    name = "lm"

    def __init__(
        self,
        item_embeddings: np.ndarray,
        *,
        dim: int = 64,
        layers: int = 2,
        heads: int = 2,
        max_length: int = 50,
        dropout: float = 0.2,
        tied: bool = True,
        id_embeddings: bool = True,
        batch_size: int = 128,
        lr: float = 2e-3,
        shuffle_ties: bool = True,
        max_epochs: int = 200,
        patience: int = 5,
        time_budget_s: float = 300.0,
        seed: int = 0,
        threads: int | None = None,
    ) -> None:
        self.item_embeddings = normalize_rows(np.asarray(item_embeddings, dtype=np.float32))
        self.params: dict[str, Any] = {
            "dim": dim,
            "layers": layers,
            "heads": heads,
            "max_length": max_length,
            "dropout": dropout,
            "tied": tied,
            "id_embeddings": id_embeddings,
            "batch_size": batch_size,
            "lr": lr,
            "shuffle_ties": shuffle_ties,
            "max_epochs": max_epochs,
            "patience": patience,
            "time_budget_s": time_budget_s,
            "seed": seed,
        }
        self.threads = threads
        self.network: SequenceNetwork | None = None
        self.item_ids: np.ndarray | None = None
        self.outputs: np.ndarray | None = None  # float32 (n_items, dim + 1), once fitted
        self.ordered = True
        self.histories: list[list[int]] = []  # the fitted matrix's rows, for score_users
        self.train_stats: TrainStats | None = None
        self.train_seconds = 0.0

    # --- training ---------------------------------------------------------------------------

    def _network(self) -> SequenceNetwork:
        import torch

        # torch-bearing: loaded only once a model is built (workers and commands)
        from .network import SequenceNetwork

        p = self.params
        torch.manual_seed(p["seed"])
        return SequenceNetwork(
            torch.from_numpy(np.array(self.item_embeddings)),
            dim=p["dim"],
            layers=p["layers"],
            heads=p["heads"],
            max_length=p["max_length"],
            dropout=p["dropout"],
            tied=p["tied"],
            id_embeddings=p["id_embeddings"],
        )

    def fit(
        self,
        matrix: InteractionMatrix,
        *,
        histories: Histories | None = None,
        callback: Callable[[TrainProgress], None] | None = None,
    ) -> Self:
        """Train on ``histories`` of ``matrix``'s rows (``sequences.ordered_histories``; None:
        the rows carry no order, ``unordered_histories``). Each reader's last item is held out
        for early stopping; the best epoch's model is the fitted one."""
        started = time.perf_counter()
        if len(self.item_embeddings) != matrix.shape[1]:
            raise ValueError(
                f"{len(self.item_embeddings)} item embeddings for {matrix.shape[1]} items"
            )
        if histories is None:
            histories = unordered_histories(matrix, seed=self.params["seed"])
        if len(histories.items) != matrix.shape[0]:
            raise ValueError(f"{len(histories.items)} histories for {matrix.shape[0]} rows")
        p = self.params
        train, targets = leave_last_out(histories.items)
        moments = None
        if p["shuffle_ties"] and histories.moments is not None:
            moments = histories.cut([len(items) for items in train]).moments
        self.ordered = histories.ordered
        self.network = self._network()
        config = TrainConfig(
            max_length=p["max_length"],
            time_budget_s=p["time_budget_s"],
            max_epochs=p["max_epochs"],
            patience=p["patience"],
            batch_size=p["batch_size"],
            lr=p["lr"],
            seed=p["seed"],
            shuffle_order=not histories.ordered,
            moments=moments,
            threads=self.threads,
        )
        self.train_stats = train_network(self.network, train, targets, config, callback=callback)
        self.item_ids = np.asarray(matrix.item_ids, dtype=str)
        self.histories = [list(items) for items in histories.items]
        self.outputs = self._outputs()
        self.train_seconds = time.perf_counter() - started
        return self

    @property
    def validation(self) -> dict[str, float]:
        """The held-out last items' metrics at the chosen epoch, plus the epochs trained."""
        stats = fitted(self.train_stats)
        return {**stats.validation, "epochs": stats.epochs, "best_epoch": stats.best_epoch}

    # --- scoring ----------------------------------------------------------------------------

    def _outputs(self) -> np.ndarray:
        import torch

        with torch_threads(self.threads), torch.inference_mode():
            return fitted(self.network).output_embeddings().numpy().astype(np.float32)

    def output_embeddings(self) -> np.ndarray:
        """float32 (n_items, dim + 1): each item's output embedding, its bias last."""
        return fitted(self.outputs)

    def states(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """float32 (len(histories), dim + 1): each history's sequence state (item indices,
        oldest first; the model reads the last ``max_length``), a trailing 1 for the bias. An
        empty history has a zero state: its scores are the items' biases."""
        import torch

        network = fitted(self.network)
        states = np.ones((len(histories), self.params["dim"] + 1), dtype=np.float32)
        with torch_threads(self.threads), torch.inference_mode():
            for start in range(0, len(histories), STATE_BATCH):
                batch = histories[start : start + STATE_BATCH]
                hidden = last_hidden(network, batch, self.params["max_length"])
                states[start : start + len(batch), :-1] = hidden.numpy()
        return states

    def score_histories(self, histories: Sequence[Sequence[int]]) -> np.ndarray:
        """float32 (len(histories), n_items): every item's score after each history."""
        scores: np.ndarray = self.states(histories) @ self.output_embeddings().T
        return scores

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """float32 (len(user_indices), n_items) after each row's history: the order given to
        ``fit`` for the fitted matrix's rows, else the row's items in a seeded order."""
        if matrix.shape[0] == len(self.histories):
            histories = self.histories
        else:
            histories = unordered_histories(matrix, seed=self.params["seed"]).items
        return self.score_histories([histories[int(user)] for user in user_indices])

    def new_item_outputs(self, text_embeddings: np.ndarray) -> np.ndarray:
        """float32 (m, dim + 1): output rows for articles outside the catalogue from their text
        embeddings float32 (m, text_dim) (no own embedding, zero bias)."""
        return project_new_items(self.output_projection(), text_embeddings)

    def output_projection(self) -> np.ndarray:
        """float32 (text_dim + 1, dim): the text -> output embedding map, its bias last."""
        network = fitted(self.network)
        layer = network.input_projection
        if network.output_projection is not None:
            layer = network.output_projection
        weight = layer.weight.detach().numpy().T
        return np.concatenate([weight, layer.bias.detach().numpy()[None]]).astype(np.float32)

    # --- artifacts --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        from safetensors.torch import save_file

        directory = Path(directory)
        network = fitted(self.network)
        save_file(
            {name: value.contiguous() for name, value in network.state_dict().items()},
            str(directory / "network.safetensors"),
        )
        save_array(directory / "item_text_embeddings.npy", self.item_embeddings)
        save_array(directory / "output_embeddings.npy", self.output_embeddings())
        save_array(directory / "output_projection.npy", self.output_projection())
        save_array(directory / "item_ids.npy", fitted(self.item_ids))
        stats = None if self.train_stats is None else self.train_stats.__dict__
        save_meta(
            directory / "params.json",
            self.name,
            ARTIFACT_FORMAT,
            params=self.params,
            ordered=self.ordered,
            train_seconds=self.train_seconds,
            train_stats=stats,
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True, threads: int | None = None) -> Self:
        """What ``save`` wrote, with the network (torch) ready to compute states."""
        from safetensors.torch import load_file

        directory = Path(directory)
        meta = load_meta(directory / "params.json", cls.name, ARTIFACT_FORMAT, "sequence LM")
        model = cls(
            load_array(directory / "item_text_embeddings.npy", mmap=False),
            **meta["params"],
            threads=threads,
        )
        model.network = model._network()
        model.network.load_state_dict(load_file(str(directory / "network.safetensors")))
        model.network.eval()
        model.item_ids = load_array(directory / "item_ids.npy", mmap)
        model.outputs = load_array(directory / "output_embeddings.npy", mmap)
        model.ordered = meta["ordered"]
        model.train_seconds = meta["train_seconds"]
        if meta["train_stats"] is not None:
            model.train_stats = TrainStats(**meta["train_stats"])
        return model


def project_new_items(projection: np.ndarray, text_embeddings: np.ndarray) -> np.ndarray:
    """float32 (m, dim + 1): ``[unit text rows . W + b, 0]`` for ``projection`` float32
    (text_dim + 1, dim) (``SequenceLM.output_projection``); numpy, for web processes too."""
    texts = normalize_rows(np.asarray(text_embeddings, dtype=np.float32))
    rows = texts @ projection[:-1] + projection[-1]
    return np.concatenate([rows, np.zeros((len(rows), 1), dtype=np.float32)], axis=1)
