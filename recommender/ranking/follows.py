"""Topics the reader follows, as a feature of their list: the articles of a followed topic have
their score multiplied by settings.RECSITE_FOLLOW_BOOST (scores min-max normalised over the
list first, as editorial boosts do). Removing the follow therefore lowers such an article's
score, which is what makes "On Space, a topic you follow" a faithful explanation.
"""

from __future__ import annotations

import numpy as np
from django.conf import settings

from articles.selectors import followed_topic_slugs

from ..cache import lists
from .editorial import SCORE_FLOOR


def reader_list_with_follows(*, user_id: int, reader_list: lists.ReaderList) -> lists.ReaderList:
    followed = followed_topic_slugs(user_id=user_id)
    if not followed or not reader_list.items:
        return reader_list
    return reader_list._replace(
        items=followed_boosted(reader_list.items, followed, factor=settings.RECSITE_FOLLOW_BOOST)
    )


def followed_boosted(items: tuple, followed: set[str], *, factor: float) -> tuple:
    """``items`` ((id, score, topic slugs), best first) rescored: scores min-max normalised to
    [SCORE_FLOOR, 1], those with a topic in ``followed`` multiplied by ``factor``, re-sorted
    (a stable sort: equal scores keep their order)."""
    scores = np.array([score for _, score, _ in items], dtype=np.float64)
    span = scores.max() - scores.min()
    normalised = SCORE_FLOOR + (1 - SCORE_FLOOR) * (
        (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
    )
    boost = np.array([factor if followed.intersection(topics) else 1.0 for _, _, topics in items])
    rescored = normalised * boost
    order = np.argsort(-rescored, kind="stable")
    return tuple((items[i][0], float(rescored[i]), items[i][2]) for i in order)
