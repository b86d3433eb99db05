""" "More like this": how close two articles are, from three signals that each stand for
meaning in its own way.

- text: the cosine of the two articles' title + summary embeddings. On its own it can follow
  shared wording rather than subject: "The hidden costs of night trains" and "The hidden costs
  of radio astronomy" are close for the encoder (cosine about 0.5 for titles with a templated
  summary, above same-subject pairs worded differently);
- co-reading: the cosine of the two articles' MF item factors, or of their readerships;
- topic agreement: how much the two articles' topics overlap (editors assign topics by subject,
  so a shared topic is the most direct evidence that two articles are about the same thing).

The score is ``(1 - coread_weight) * text + coread_weight * coread + topic_weight * topics``:
co-reading and text trade places as before, and agreeing topics add a bonus on top, so an
article nobody has read, or a catalogue without topics, is ranked exactly as the first two
signals rank it.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

import numpy as np

Score = TypeVar("Score", float, np.ndarray)


def topic_agreement(topics: Collection[str], other: Collection[str]) -> float:
    """The Jaccard index of two topic sets, in [0, 1]: 1 for the same topics, 0 when they share
    none or either has none."""
    first, second = set(topics), set(other)
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def similar_score(
    *, text: Score, coread: Score, topics: Score, coread_weight: float, topic_weight: float
) -> Score:
    """The blended "more like this" score of a pair (floats) or of aligned arrays of pairs.

    ``text`` and ``coread`` are cosines in [-1, 1] (0 where unknown), ``topics`` a
    ``topic_agreement`` in [0, 1]; ``coread_weight`` in [0, 1], ``topic_weight`` >= 0.
    """
    return (1 - coread_weight) * text + coread_weight * coread + topic_weight * topics
