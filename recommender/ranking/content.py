"""Recommendations from article text, for web processes (numpy only, no encoder):

- ``content_profile``: a reader as the weighted mean embedding of what they read and searched —
  the ranking of readers with too little history for the MF model (strategy "content");
- ``similar_articles``: "more like this", text similarity blended with co-reading and topic
  agreement.
"""

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count

from articles.models import Interaction
from recommender.ml.base import fitted, top_n
from recommender.ml.content import mean_profile, normalize_rows
from recommender.ml.similar import similar_score, topic_agreement

from ..cache import lists
from ..models import ModelVersion
from ..runtime.embeddings import EmbeddingIndex, embedding_index, search_vectors
from ..runtime.history import Event, positive_events, positive_weights
from ..runtime.mf import loaded_mf

# A search counts like a view: a sign of interest, weaker than reading.
SEARCH_WEIGHT = 1.0
# Co-reading uses the most recent readers of an article only, to bound the query.
COREAD_READERS = 500


def positive_article_ids(events: Sequence[Event]) -> list[int]:
    """The articles a reader's (article_id, event, value) events count as read, in first-seen
    order (the fold-in rules of recommender.ml.data: a dislike cancels the article)."""
    ids = list(dict.fromkeys(article_id for article_id, _, _ in events))
    if not ids:
        return []
    column = {article_id: col for col, article_id in enumerate(ids)}
    idx, _weights = _fold(events, column)
    return [ids[col] for col in idx.tolist()]


def _fold(events: Sequence[Event], column: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    # Folded over first-seen columns, so that the positive ids come out in first-seen order.
    return positive_weights(
        [(column[article_id], event, value) for article_id, event, value in events]
    )


def content_profile(
    *, index: EmbeddingIndex, user_id: int, events: Sequence[Event]
) -> np.ndarray | None:
    """float32 (d,) unit vector: the mean of the embeddings of the reader's read articles
    (weighted by their event weights) and recent searches (SEARCH_WEIGHT each); None when
    nothing of it has an embedding."""
    parts: list[np.ndarray] = []
    weights: list[float] = []
    ids = list(dict.fromkeys(article_id for article_id, _, _ in events))
    if ids:
        column = {article_id: col for col, article_id in enumerate(ids)}
        idx, event_weights = _fold(events, column)
        read = [ids[col] for col in idx.tolist()]
        weight_of = dict(zip(read, event_weights.tolist(), strict=True))
        found, vectors = index.vectors_of(weight_of)
        parts.append(vectors)
        weights.extend(weight_of[article_id] for article_id in found)
    searched = search_vectors(index=index, user_id=user_id)
    parts.append(searched)
    weights.extend([SEARCH_WEIGHT] * len(searched))
    if not weights:
        return None
    return mean_profile(np.concatenate(parts), np.asarray(weights, dtype=np.float32))


def content_scores(
    *, index: EmbeddingIndex, profile: np.ndarray, exclude: Iterable[int], n: int
) -> tuple[list[int], list[float]]:
    """(article ids, cosines) of the ``n`` best articles for ``profile``, ``exclude`` left out."""
    rows = [index.row_of[article_id] for article_id in exclude if article_id in index.row_of]
    top, scores = index.top(profile, n, rows)
    return index.article_ids[top].tolist(), scores.tolist()


# ------------------------------------------------------------------------- more like this


@dataclass(frozen=True)
class SimilarArticle:
    article: dict  # lists.article_dict()
    score: float
    text_score: float | None
    coread_score: float | None
    topic_score: float


def similar_articles(*, article_id: int, n: int) -> list[SimilarArticle]:
    """Up to ``n`` published articles like ``article_id``, best first, never itself.

    The score is recommender.ml.similar's blend of the text cosine, co-reading and topic
    agreement (weights: settings.RECSITE_SIMILAR_COREAD_WEIGHT, RECSITE_SIMILAR_TOPIC_WEIGHT);
    co-reading is the cosine of MF item factors when a model is active and knows both articles,
    else the co-occurrence cosine readers / sqrt(readers_a * readers_b). A missing part counts 0,
    so an article nobody has read yet is found by its text and topics alone. Candidates are the
    text and co-reading neighbours; topics re-rank them rather than add candidates of their own.
    """
    wanted = 3 * n + 10  # room for unpublished ones and for the other signal's candidates
    text = _text_neighbours(article_id, wanted)
    coread = _mf_neighbours(article_id, wanted)
    if coread is None:
        coread = _cooccurrence_neighbours(article_id, wanted)
    candidates = sorted((set(text) | set(coread)) - {article_id})
    articles = lists.article_dicts(article_ids=[article_id, *candidates])
    own = articles.get(article_id)
    own_topics = [topic["slug"] for topic in own["topics"]] if own is not None else []
    found = []
    for pk in candidates:
        if pk not in articles:
            continue
        topics = topic_agreement(own_topics, [topic["slug"] for topic in articles[pk]["topics"]])
        score = similar_score(
            text=text.get(pk, 0.0),
            coread=coread.get(pk, 0.0),
            topics=topics,
            coread_weight=settings.RECSITE_SIMILAR_COREAD_WEIGHT,
            topic_weight=settings.RECSITE_SIMILAR_TOPIC_WEIGHT,
        )
        found.append(
            SimilarArticle(articles[pk], float(score), text.get(pk), coread.get(pk), topics)
        )
    found.sort(key=lambda similar: (-similar.score, similar.article["id"]))
    return found[:n]


def _text_neighbours(article_id: int, n: int) -> dict[int, float]:
    index = embedding_index()
    if index is None or article_id not in index.row_of:
        return {}
    _, vector = index.vectors_of([article_id])
    ids, scores = content_scores(index=index, profile=vector[0], exclude=[article_id], n=n)
    return dict(zip(ids, scores, strict=True))


_lock = threading.Lock()
_normalized: dict[int, np.ndarray] = {}


def _mf_neighbours(article_id: int, n: int) -> dict[int, float] | None:
    version = lists.active_version(kind=ModelVersion.Kind.MF)
    loaded = loaded_mf(version=version) if version is not None else None
    if loaded is None or article_id not in loaded.column_of:
        return None
    with _lock:
        if loaded.version_id not in _normalized:
            _normalized.clear()
            _normalized[loaded.version_id] = normalize_rows(fitted(loaded.model.item_factors))
        factors = _normalized[loaded.version_id]
    column = loaded.column_of[article_id]
    scores = factors @ factors[column]
    scores[column] = -np.inf
    top = top_n(scores, n)
    return dict(zip(loaded.item_ids[top].tolist(), scores[top].tolist(), strict=True))


def _cooccurrence_neighbours(article_id: int, n: int) -> dict[int, float]:
    positive = Interaction.objects.filter(event__in=positive_events())
    recent = (
        positive.filter(article_id=article_id)
        .order_by("-created_at")
        .values_list("user_id", flat=True)[: 4 * COREAD_READERS]
    )
    readers = list(dict.fromkeys(recent))[:COREAD_READERS]
    if not readers:
        return {}
    strongest = (
        positive.filter(user_id__in=readers)
        .exclude(article_id=article_id)
        .values("article_id")
        .annotate(readers=Count("user_id", distinct=True))
        .order_by("-readers", "article_id")[:n]
    )
    shared = {row["article_id"]: row["readers"] for row in strongest}
    totals = dict(
        positive.filter(article_id__in=shared)
        .values("article_id")
        .annotate(readers=Count("user_id", distinct=True))
        .values_list("article_id", "readers")
    )
    return {pk: count / float(np.sqrt(len(readers) * totals[pk])) for pk, count in shared.items()}
