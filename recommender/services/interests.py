"""What we believe a reader is interested in (their "me" page), and the interests they removed.

A removed topic takes its articles out of the reader's list; a removed key phrase takes out the
articles whose title contains it. Either way the reader's cached list and explanations are
dropped, so the next page already respects it.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, transaction

from articles.models import Article, Topic
from recommender.ml.phrases import candidate_phrases, select_phrases

from .. import selectors
from ..models import HiddenInterest, ModelVersion
from ..privacy import PHRASES
from . import evidence, lists
from .personalisation import personalisation_enabled

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


def reader_interests(*, user) -> Interests:
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


def _phrases_key(user_id: int) -> str:
    return PHRASES.key(user=user_id)


def reader_phrases(*, user_id: int) -> list[str]:
    """The reader's mined key phrases from the cache; when there are none yet, mining is queued
    (it needs the text encoder, which web processes never load) and the page shows topics only."""
    phrases = cache.get(_phrases_key(user_id))
    if phrases is None:
        # Imported here: recommender.tasks imports the services, this one included.
        from ..tasks import mine_reader_phrases
        from .outbox import task_enqueue

        task_enqueue(task=mine_reader_phrases, args=[user_id])
        return []
    return phrases


def reader_phrases_forget(*, user_id: int) -> None:
    cache.delete(_phrases_key(user_id))


def reader_phrases_mine(*, user_id: int) -> list[str]:
    """Mine and cache the reader's key phrases: candidate n-grams of their history's titles and
    their searches, embedded with the text encoder, the closest to their profile embedding (the
    mean embedding of what they read and searched) kept. Workers only: loads the encoder."""
    from .content import content_profile, positive_article_ids
    from .embeddings import embedding_index, encoder, recent_search_texts

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
    cache.set(_phrases_key(user_id), phrases, timeout=PHRASES_TTL_SECONDS)
    return phrases


def _changed(user_id: int) -> None:
    # Imported here: explanations import serving, which imports this module.
    from .explanations import explanations_forget

    lists.reader_list_forget(user_id=user_id, kind=ModelVersion.Kind.MF)
    explanations_forget(user_id=user_id)


@transaction.atomic
def interest_hide(*, user, topic: Topic | None = None, phrase: str = "") -> HiddenInterest:
    """Remove a topic or a key phrase from what recommendations lean on (idempotent)."""
    phrase = " ".join(phrase.split()).lower()[:200]
    if (topic is None) == (not phrase):
        raise ValueError("hide exactly one of a topic or a phrase")
    kind = HiddenInterest.Kind.TOPIC if topic is not None else HiddenInterest.Kind.PHRASE
    try:
        with transaction.atomic():
            hidden, _ = HiddenInterest.objects.get_or_create(
                user=user, kind=kind, topic=topic, phrase=phrase
            )
    except IntegrityError:  # a concurrent identical request won the race
        hidden = HiddenInterest.objects.get(user=user, kind=kind, topic=topic, phrase=phrase)
    user_id = user.pk
    transaction.on_commit(lambda: _changed(user_id))
    return hidden


@transaction.atomic
def interest_restore(*, user, hidden_id: int) -> bool:
    """Bring a removed interest back; False if it is not one of the reader's."""
    deleted, _ = HiddenInterest.objects.filter(pk=hidden_id, user=user).delete()
    if deleted:
        user_id = user.pk
        transaction.on_commit(lambda: _changed(user_id))
    return bool(deleted)


def reader_list_without_hidden(*, user_id: int, reader_list: lists.ReaderList) -> lists.ReaderList:
    """``reader_list`` minus the articles of the reader's hidden topics and phrases."""
    hidden = list(
        HiddenInterest.objects.filter(user_id=user_id).values_list("topic__slug", "phrase")
    )
    if not hidden or not reader_list.items:
        return reader_list
    topics = {slug for slug, _ in hidden if slug}
    phrases = [phrase for _, phrase in hidden if phrase]
    dropped = set()
    if phrases:
        ids = [article_id for article_id, _, _ in reader_list.items]
        for phrase in phrases:
            dropped.update(
                Article.objects.filter(pk__in=ids, title__icontains=phrase).values_list(
                    "pk", flat=True
                )
            )
    return lists.ReaderList(
        reader_list.strategy,
        tuple(
            item
            for item in reader_list.items
            if item[0] not in dropped and not topics.intersection(item[2])
        ),
    )
