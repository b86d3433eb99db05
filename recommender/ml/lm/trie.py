"""A prefix trie over the candidate titles' token sequences, for constrained beam search.

Stored flat rather than as nested dicts: every distinct sequence (title tokens + ``[sep]``) is a
row of a lexicographically sorted int32 matrix padded with -1, so the sequences that share a
prefix are a contiguous block of rows and the tokens allowed after the prefix are the distinct
values of the next column in that block. 17k titles take a few MB instead of hundreds of
thousands of dict nodes, and the block of a prefix is found by binary search.

Titles that tokenise identically (same title twice, or differing only in case or beyond the
token limit) are one row mapped to several keys: generation cannot tell them apart, so a
generated sequence stands for all of its keys, which share its log-likelihood.

``restrict`` gives a per-request view in which only some keys are candidates (published and
not yet read by this reader); rows without any candidate key are never allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class TitleTrie:
    def __init__(
        self, sequences: Sequence[Sequence[int]], keys: Sequence[int], *, sep: int
    ) -> None:
        """``sequences[i]`` are the title tokens of ``keys[i]`` (an item index or article id);
        ``[sep]`` is appended here. Empty titles are left out (nothing could generate them)."""
        if len(sequences) != len(keys):
            raise ValueError(f"{len(sequences)} sequences for {len(keys)} keys")
        self.sep = sep
        rows: dict[tuple[int, ...], list[int]] = {}
        for tokens, key in zip(sequences, keys, strict=True):
            if len(tokens):
                rows.setdefault((*map(int, tokens), sep), []).append(int(key))
        unique = sorted(rows)
        self.max_length = max((len(row) for row in unique), default=0)
        self.rows = np.full((len(unique), self.max_length), -1, dtype=np.int32)
        for index, row in enumerate(unique):
            self.rows[index, : len(row)] = row
        # keys of row r: self.keys[self.key_starts[r] : self.key_starts[r + 1]], ascending
        grouped = [sorted(rows[row]) for row in unique]
        self.keys = np.array([key for group in grouped for key in group], dtype=np.int64)
        self.key_row = np.repeat(np.arange(len(unique)), [len(group) for group in grouped])
        self.key_starts = np.concatenate([[0], np.cumsum([len(group) for group in grouped])])

    def __len__(self) -> int:
        return len(self.rows)

    def restrict(self, allowed_keys: np.ndarray | None = None) -> TrieView:
        """A view in which only ``allowed_keys`` can be generated (None: every key)."""
        if allowed_keys is None:
            active_keys = np.ones(len(self.keys), dtype=bool)
        else:
            active_keys = np.isin(self.keys, np.asarray(allowed_keys, dtype=np.int64))
        return TrieView(self, active_keys)


class TrieView:
    """The trie with a subset of keys as candidates; remembers the blocks of prefixes it was
    asked about (beam search asks about the same prefixes over and over)."""

    def __init__(self, trie: TitleTrie, active_keys: np.ndarray) -> None:
        self.trie = trie
        self.active_keys = active_keys
        self.active_rows = np.zeros(len(trie), dtype=bool)
        self.active_rows[trie.key_row[active_keys]] = True
        self._blocks: dict[tuple[int, ...], tuple[int, int]] = {(): (0, len(trie))}
        self._allowed: dict[tuple[int, ...], list[int]] = {}

    @property
    def candidates(self) -> int:
        """Number of candidate keys."""
        return int(self.active_keys.sum())

    def _block(self, prefix: tuple[int, ...]) -> tuple[int, int]:
        block = self._blocks.get(prefix)
        if block is None:
            lo, hi = self._block(prefix[:-1])
            depth = len(prefix) - 1
            if lo < hi and depth < self.trie.max_length:
                column = self.trie.rows[lo:hi, depth]
                token = prefix[-1]
                lo, hi = (
                    lo + int(np.searchsorted(column, token, "left")),
                    lo + int(np.searchsorted(column, token, "right")),
                )
            else:
                lo = hi
            block = self._blocks[prefix] = (lo, hi)
        return block

    def allowed(self, prefix: Sequence[int]) -> list[int]:
        """Tokens that continue ``prefix`` towards a candidate title; [] when none does (the
        prefix left the trie, or it is a complete title)."""
        prefix = tuple(int(token) for token in prefix)
        allowed = self._allowed.get(prefix)
        if allowed is None:
            lo, hi = self._block(prefix)
            depth = len(prefix)
            if lo >= hi or depth >= self.trie.max_length:
                allowed = []
            else:
                column = self.trie.rows[lo:hi, depth][self.active_rows[lo:hi]]
                allowed = [int(token) for token in np.unique(column) if token >= 0]
            self._allowed[prefix] = allowed
        return allowed

    def keys_of(self, sequence: Sequence[int]) -> list[int]:
        """Candidate keys whose title is exactly ``sequence`` (tokens + ``[sep]``), ascending."""
        sequence = tuple(int(token) for token in sequence)
        lo, hi = self._block(sequence)
        trie = self.trie
        for row in range(lo, hi):
            length = int((trie.rows[row] >= 0).sum())
            if length == len(sequence):
                start, end = trie.key_starts[row], trie.key_starts[row + 1]
                keys: list[int] = trie.keys[start:end][self.active_keys[start:end]].tolist()
                return keys
        return []
