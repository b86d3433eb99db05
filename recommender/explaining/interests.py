"""What we believe a reader is interested in (their "me" page): their strongest topics and the
key phrases mined from what they read and searched, minus what they removed
(recommender.ranking.interests)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache

from articles.models import Article, Topic
from recommender.ml.phrases import candidate_phrases, select_phrases

from .. import selectors
from ..cache.readers import reader_phrases_key
from ..dispatch import MINE_READER_PHRASES, task_dispatch
from ..models import HiddenInterest
from ..ranking.content import content_profile, positive_article_ids
from ..ranking.personalisation import personalisation_enabled
from ..runtime.embeddings import embedding_index, encoder, recent_search_texts
from . import evidence

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_TOPICS = 8
MAX_PHRASES = 6
# Mined phrases are kept this long; a new history changes them slowly.
PHRASES_TTL_SECONDS = 6 * 60 * 60


@dataclass(frozen=True)
class TopicInterest:
    topic: Topic
    count: int  # articles of the topic in the reader's positive history


@dataclass(frozen=True)
class Interests:
    topics: list[TopicInterest]
    phrases: list[str]
    hidden: list[HiddenInterest]


def reader_interests(*, user: User) -> Interests:
    """The reader's strongest topics (by articles in their positive history), minus hidden;
    nothing inferred while their personalisation is off."""
    hidden = list(
        HiddenInterest.objects.filter(user=user).select_related("topic").order_by("-created_at")
    )
    if not personalisation_enabled(user_id=user.pk):
        return Interests(topics=[], phrases=[], hidden=hidden)
    reader = evidence.reader_read(user_id=user.pk)
    counts = Counter(slug for slugs in reader.topics_of.values() for slug in slugs)
    for slug in reader.hidden_topics:
        counts.pop(slug, None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_TOPICS]
    topics = Topic.objects.in_bulk([slug for slug, _ in ranked], field_name="slug")
    hidden_phrases = {row.phrase for row in hidden if row.phrase}
    return Interests(
        topics=[TopicInterest(topics[slug], count) for slug, count in ranked if slug in topics],
        phrases=[
            phrase for phrase in reader_phrases(user_id=user.pk) if phrase not in hidden_phrases
        ],
        hidden=hidden,
    )


def reader_phrases(*, user_id: int) -> list[str]:
    """The reader's mined key phrases from the cache; when there are none yet, mining is queued
    (it needs the text encoder, which web processes never load) and the page shows topics only."""
    phrases = cache.get(reader_phrases_key(user_id))
    if phrases is None:
        task_dispatch(MINE_READER_PHRASES, args=[user_id])
        return []
    return phrases


def reader_phrases_mine(*, user_id: int) -> list[str]:
    """Mine and cache the reader's key phrases: candidate n-grams of their history's titles and
    their searches, embedded with the text encoder, the closest to their profile embedding (the
    mean embedding of what they read and searched) kept. Workers only: loads the encoder."""
    events = selectors.interaction_events_of(user_id=user_id)
    index = embedding_index() if personalisation_enabled(user_id=user_id) else None
    profile = (
        None if index is None else content_profile(index=index, user_id=user_id, events=events)
    )
    phrases: list[str] = []
    if profile is not None:
        titles = Article.objects.filter(pk__in=positive_article_ids(events)).values_list(
            "title", flat=True
        )
        candidates = candidate_phrases([*titles, *recent_search_texts(user_id=user_id)])
        if candidates:
            vectors = encoder().encode(candidates)
            selected = select_phrases(candidates, vectors, profile, n=MAX_PHRASES)
            phrases = [phrase for phrase, _ in selected]
    cache.set(reader_phrases_key(user_id), phrases, timeout=PHRASES_TTL_SECONDS)
    return phrases
