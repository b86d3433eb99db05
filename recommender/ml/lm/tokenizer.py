"""A byte-level BPE tokenizer trained on the catalogue's titles, with the LM's special tokens.

Histories are written as ``<|bos|> title <|sep|> title <|sep|> ...``: ``<|sep|>`` closes every
title, so "the next title" is everything up to the next ``<|sep|>``. Text is NFKC-normalised and
lower-cased (a small model learns more from a smaller vocabulary); byte-level BPE never needs an
unknown token, so a title published after training is still encodable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

PAD, BOS, SEP, EOS = "<|pad|>", "<|bos|>", "<|sep|>", "<|eos|>"
SPECIAL_TOKENS = (PAD, BOS, SEP, EOS)
DEFAULT_VOCAB_SIZE = 4096


@dataclass(frozen=True)
class SpecialIds:
    pad: int
    bos: int
    sep: int
    eos: int


def _strip_special(text: str) -> str:
    # A title that contained "<|sep|>" literally would otherwise end early inside histories.
    for token in SPECIAL_TOKENS:
        text = text.replace(token, " ")
    return text


class TitleTokenizer:
    """Wraps a ``tokenizers.Tokenizer`` that holds the four special tokens."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        found = [tokenizer.token_to_id(token) for token in SPECIAL_TOKENS]
        missing = [token for token, id_ in zip(SPECIAL_TOKENS, found, strict=True) if id_ is None]
        if missing:
            raise ValueError(f"tokenizer lacks the special tokens {missing}")
        self.tokenizer = tokenizer
        self.ids = SpecialIds(*(id_ for id_ in found if id_ is not None))

    @classmethod
    def train(
        cls, texts: Iterable[str], *, vocab_size: int = DEFAULT_VOCAB_SIZE, min_frequency: int = 2
    ) -> TitleTokenizer:
        """Train BPE on ``texts`` (the catalogue's titles); the vocabulary is at most
        ``vocab_size`` tokens, fewer on a small catalogue."""
        tokenizer = Tokenizer(models.BPE())
        tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
        tokenizer.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=vocab_size,
            min_frequency=min_frequency,
            special_tokens=list(SPECIAL_TOKENS),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
            show_progress=False,
        )
        tokenizer.train_from_iterator((_strip_special(text) for text in texts), trainer=trainer)
        return cls(tokenizer)

    @classmethod
    def from_base(cls, directory: Path) -> TitleTokenizer:
        """The ``tokenizer.json`` of a local Hugging Face checkpoint, plus our special tokens
        (the model's embeddings must then be resized to ``vocab_size``)."""
        tokenizer = Tokenizer.from_file(str(Path(directory) / "tokenizer.json"))
        tokenizer.add_special_tokens(list(SPECIAL_TOKENS))
        return cls(tokenizer)

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.get_vocab_size(with_added_tokens=True)

    def encode_titles(self, titles: Sequence[str], *, max_tokens: int) -> list[list[int]]:
        """Token ids of each title (no special tokens), cut to its first ``max_tokens``."""
        encodings = self.tokenizer.encode_batch(
            [_strip_special(title) for title in titles], add_special_tokens=False
        )
        return [encoding.ids[:max_tokens] for encoding in encodings]

    def decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode(list(ids), skip_special_tokens=True).strip()

    def save(self, path: Path) -> None:
        self.tokenizer.save(str(path))

    @classmethod
    def load(cls, path: Path) -> TitleTokenizer:
        return cls(Tokenizer.from_file(str(path)))
