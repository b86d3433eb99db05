"""A reader's behaviour as fold-in weights, by the same rules as training: the one helper that
serving (recommender.ranking) and explanation evidence (recommender.explaining) fold a reader in
with."""

from collections.abc import Sequence

import numpy as np
from django.conf import settings

from recommender.ml.data import fold_in_weights

# A reader's (id, event, value) rows: ids are article ids or model columns; value is None for
# events that carry none (recommender.selectors.interaction_events_of).
Event = tuple[int, str, float | None]


def positive_weights(events: Sequence[Event]) -> tuple[np.ndarray, np.ndarray]:
    """(ids int64, weights float32) of the positive history in ``events``, a sequence of (id,
    event, value) where the ids are article ids or model columns alike; a dislike takes an
    article out of it, repeated events add up to settings.RECSITE_WEIGHT_CAP."""
    if not events:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids, kinds, values = zip(*events, strict=True)
    positive_ids, weights, _disliked = fold_in_weights(
        np.asarray(ids, dtype=np.int64),
        kinds,
        values,
        weights=settings.RECSITE_EVENT_WEIGHTS,
        cap=settings.RECSITE_WEIGHT_CAP,
    )
    return positive_ids, weights


def model_history(
    column_of: dict[int, int], events: Sequence[Event]
) -> tuple[list[Event], np.ndarray, np.ndarray]:
    """A reader's fold-in into one model, as serving scores it and explanations cite it: (their
    (column, event, value) events on articles the model knows, the positive columns int64 and
    their weights float32 (``positive_weights``))."""
    known = [
        (column_of[article_id], event, value)
        for article_id, event, value in events
        if article_id in column_of
    ]
    return (known, *positive_weights(known))


def positive_events() -> list[str]:
    """The events that count for a reader (a positive training weight)."""
    return [event for event, weight in settings.RECSITE_EVENT_WEIGHTS.items() if weight > 0]
