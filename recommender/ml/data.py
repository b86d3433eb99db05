"""Interaction events -> the user x item confidence-weight matrix every recommender trains on.

Pure numpy/scipy: the web process builds one user's weights at request time (``fold_in_weights``)
with exactly the rules the trainer uses (``build_interaction_matrix``), so serving and training
can never disagree about what an event is worth.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .events import EVENT_WEIGHTS_DEFAULT

# Re-exported: callers inside Django pass settings.RECSITE_EVENT_WEIGHTS (which defaults to
# these), everything else gets them.
EVENT_WEIGHTS_DEFAULT = EVENT_WEIGHTS_DEFAULT

SECONDS_PER_DAY = 86400.0


@dataclass
class InteractionMatrix:
    """Users x items, aligned with the external ids of both axes.

    positives: csr float32 (n_users, n_items), accumulated event weights in (0, cap]; this is the
        raw weight w, the models turn it into a confidence (MF: 1 + alpha * w).
    negatives: csr float32 (n_users, n_items), 1.0 where the user disliked the item; such cells
        are never positive.
    user_ids, item_ids: str arrays, row -> user id and column -> item id.
    """

    positives: sp.csr_matrix
    negatives: sp.csr_matrix
    user_ids: np.ndarray
    item_ids: np.ndarray
    _user_lookup: dict[str, int] | None = field(default=None, init=False, repr=False)
    _item_lookup: dict[str, int] | None = field(default=None, init=False, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.positives.shape
        return int(rows), int(columns)

    def user_index(self, user_id: object) -> int | None:
        if self._user_lookup is None:
            self._user_lookup = {uid: row for row, uid in enumerate(self.user_ids.tolist())}
        return self._user_lookup.get(str(user_id))

    def item_index(self, item_id: object) -> int | None:
        if self._item_lookup is None:
            self._item_lookup = {iid: col for col, iid in enumerate(self.item_ids.tolist())}
        return self._item_lookup.get(str(item_id))

    def seen(self, user_index: int | np.integer[Any]) -> np.ndarray:
        """Column indices (int64) the user interacted with, positively or by a dislike."""
        pos = self.positives.indices[
            self.positives.indptr[user_index] : self.positives.indptr[user_index + 1]
        ]
        neg = self.negatives.indices[
            self.negatives.indptr[user_index] : self.negatives.indptr[user_index + 1]
        ]
        return np.concatenate([pos, neg]).astype(np.int64)


def _event_weights(
    events: Sequence[str], values: Sequence[float | None], weights: Mapping[str, float]
) -> np.ndarray:
    unknown = set(events) - set(weights)
    if unknown:
        raise ValueError(f"unknown event type(s): {', '.join(sorted(unknown))}")
    out = np.fromiter((weights[e] for e in events), dtype=np.float64, count=len(events))
    is_rating = np.fromiter((e == "rating" for e in events), dtype=bool, count=len(events))
    if is_rating.any():
        rating_values = np.array(
            [1.0 if v is None else float(v) for v, r in zip(values, is_rating, strict=True) if r]
        )
        out[is_rating] *= rating_values
    return out


def _aggregate(
    rows: np.ndarray,
    cols: np.ndarray,
    events: Sequence[str],
    values: Sequence[float | None],
    timestamps: Sequence[float | None],
    *,
    n_cols: int,
    weights: Mapping[str, float],
    cap: float,
    half_life_days: float | None,
    now: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Collapse events into cells.

    Returns (pos_keys, pos_weights, neg_keys) as flat cell keys row * n_cols + col (int64, sorted)
    plus float32 weights in (0, cap]. A dislike makes the cell negative unless a positive event
    is known to have happened after the last dislike (the reader changed their mind).
    """
    w = _event_weights(events, values, weights)
    ts = np.array([np.nan if t is None else float(t) for t in timestamps], dtype=np.float64)
    if half_life_days is not None and len(ts):
        newest = np.nanmax(ts) if np.isfinite(ts).any() else 0.0
        reference = newest if now is None else now
        age = reference - np.nan_to_num(ts, nan=reference)  # undated events do not decay
        age_days = np.clip(age / SECONDS_PER_DAY, 0, None)
        w = w * 0.5 ** (age_days / half_life_days)
    keys = rows.astype(np.int64) * n_cols + cols.astype(np.int64)
    negative = w < 0
    positive = w > 0
    # -inf stands for "time unknown": an undated positive never overrides a dislike.
    ts_known = np.nan_to_num(ts, nan=-np.inf)

    neg_keys, neg_inverse = np.unique(keys[negative], return_inverse=True)
    last_dislike = np.full(len(neg_keys), -np.inf)
    np.maximum.at(last_dislike, neg_inverse, ts_known[negative])

    pos_keys, pos_inverse = np.unique(keys[positive], return_inverse=True)
    pos_weights = np.zeros(len(pos_keys))
    np.add.at(pos_weights, pos_inverse, w[positive])
    last_positive = np.full(len(pos_keys), -np.inf)
    np.maximum.at(last_positive, pos_inverse, ts_known[positive])

    # Cells with both signs: the later kind wins; ties (or no timestamps) go to the dislike.
    where = np.searchsorted(neg_keys, pos_keys)
    inside = where < len(neg_keys)
    clash = np.zeros(len(pos_keys), dtype=bool)
    clash[inside] = neg_keys[where[inside]] == pos_keys[inside]
    positive_wins = np.zeros(len(pos_keys), dtype=bool)
    positive_wins[clash] = last_positive[clash] > last_dislike[where[clash]]
    keep_pos = ~clash | positive_wins
    revoked = np.zeros(len(neg_keys), dtype=bool)
    revoked[where[clash & positive_wins]] = True
    return (
        pos_keys[keep_pos],
        np.minimum(pos_weights[keep_pos], cap).astype(np.float32),
        neg_keys[~revoked],
    )


def build_interaction_matrix(
    rows: Iterable[tuple[Any, ...]],
    *,
    weights: Mapping[str, float] = EVENT_WEIGHTS_DEFAULT,
    cap: float = 10.0,
    half_life_days: float | None = None,
    now: float | None = None,
    item_ids: Sequence[Any] | None = None,
) -> InteractionMatrix:
    """Build the matrix from ``(user_id, item_id, event, value | None, timestamp_seconds | None)``.

    Repeated events on one (user, item) add up to ``cap``; a "rating" weighs weight * value; a
    negative-weight event (dislike) puts the cell into ``negatives`` instead. With
    ``half_life_days`` each event's weight halves per half-life of age relative to ``now``
    (default: the newest timestamp seen). ``item_ids`` fixes the catalogue and column order
    (items without interactions included); events on items outside it are ignored. Users are
    ordered by first appearance.
    """
    if item_ids is not None:
        item_array = np.asarray([str(i) for i in item_ids], dtype=str)
        item_lookup = {iid: col for col, iid in enumerate(item_array.tolist())}
        if len(item_lookup) != len(item_array):
            raise ValueError("item_ids contains duplicates")
    else:
        item_lookup = {}
    user_lookup: dict[str, int] = {}
    # Compact columns rather than lists of Python objects: 20M rows (the 100x scale run) take
    # about 0.5 GB here instead of several. Events are kept as codes into ``event_names``.
    row_idx, col_idx, timestamps = array("q"), array("q"), array("d")
    event_codes: array[int] = array("B")
    event_of: dict[str, int] = {}
    values: list[float | None] = []  # almost all None: one shared object
    for user_id, item_id, event, value, ts in rows:
        item_key = str(item_id)
        col = item_lookup.get(item_key)
        if col is None:
            if item_ids is not None:
                continue
            col = item_lookup.setdefault(item_key, len(item_lookup))
        row_idx.append(user_lookup.setdefault(str(user_id), len(user_lookup)))
        col_idx.append(col)
        event_codes.append(event_of.setdefault(event or "read", len(event_of)))
        values.append(value)
        timestamps.append(np.nan if ts is None else ts)
    event_names = np.array(list(event_of), dtype=object)
    events = (
        event_names[np.frombuffer(event_codes, dtype=np.uint8)].tolist() if len(event_codes) else []
    )
    if item_ids is None:
        item_array = np.asarray(list(item_lookup), dtype=str)
    n_users, n_items = len(user_lookup), len(item_array)
    pos_keys, pos_w, neg_keys = _aggregate(
        np.asarray(row_idx, dtype=np.int64),
        np.asarray(col_idx, dtype=np.int64),
        events,
        values,
        timestamps,
        n_cols=max(n_items, 1),
        weights=weights,
        cap=cap,
        half_life_days=half_life_days,
        now=now,
    )
    shape = (n_users, n_items)
    positives = sp.csr_matrix(
        (pos_w, (pos_keys // max(n_items, 1), pos_keys % max(n_items, 1))), shape=shape
    )
    negatives = sp.csr_matrix(
        (
            np.ones(len(neg_keys), dtype=np.float32),
            (neg_keys // max(n_items, 1), neg_keys % max(n_items, 1)),
        ),
        shape=shape,
    )
    return InteractionMatrix(
        positives=positives.astype(np.float32),
        negatives=negatives.astype(np.float32),
        user_ids=np.asarray(list(user_lookup), dtype=str),
        item_ids=item_array,
    )


def fold_in_weights(
    item_indices: Sequence[int] | np.ndarray,
    events: Sequence[str],
    values: Sequence[float | None],
    *,
    weights: Mapping[str, float] = EVENT_WEIGHTS_DEFAULT,
    cap: float = 10.0,
    timestamps: Sequence[float | None] | None = None,
    half_life_days: float | None = None,
    now: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One user's events (already mapped to column indices) -> what ``ImplicitALS.fold_in`` takes.

    Returns (idx int64[k] sorted, w float32[k] in (0, cap], disliked int64[m] sorted), with the
    same accumulation/cap/dislike/decay rules as ``build_interaction_matrix``.
    """
    cols = np.asarray(item_indices, dtype=np.int64)
    if timestamps is None:
        timestamps = [None] * len(cols)
    pos_keys, pos_w, neg_keys = _aggregate(
        np.zeros(len(cols), dtype=np.int64),
        cols,
        list(events),
        list(values),
        list(timestamps),
        n_cols=int(cols.max()) + 1 if len(cols) else 1,
        weights=weights,
        cap=cap,
        half_life_days=half_life_days,
        now=now,
    )
    return pos_keys, pos_w, neg_keys


def reindex_users(matrix: InteractionMatrix, user_ids: np.ndarray) -> InteractionMatrix:
    """``matrix`` with rows in the order of ``user_ids`` (another matrix's users, same items).

    Users of ``matrix`` not in ``user_ids`` are dropped; ids absent from ``matrix`` get empty
    rows. Used to align a test matrix built separately with the training matrix.
    """
    source_rows = np.array(
        [-1 if (row := matrix.user_index(uid)) is None else row for uid in user_ids.tolist()],
        dtype=np.int64,
    )
    present = source_rows >= 0
    # A selection matrix picks source rows; absent users get an all-zero row.
    picker = sp.csr_matrix(
        (
            np.ones(int(present.sum()), dtype=np.float32),
            (np.flatnonzero(present), source_rows[present]),
        ),
        shape=(len(user_ids), matrix.shape[0]),
    )
    return InteractionMatrix(
        positives=(picker @ matrix.positives).tocsr().astype(np.float32),
        negatives=(picker @ matrix.negatives).tocsr().astype(np.float32),
        user_ids=np.asarray(user_ids, dtype=str),
        item_ids=matrix.item_ids,
    )
