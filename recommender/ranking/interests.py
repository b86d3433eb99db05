"""The interests a reader removed (their "me" page) and the filter that applies them.

A removed topic takes its articles out of the reader's list; a removed key phrase takes out the
articles whose title contains it. Either way the reader's cached list and explanations are
dropped, so the next page already respects it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from articles.models import Article, Topic

from ..cache import lists
from ..cache.readers import reader_caches_forget
from ..models import HiddenInterest, ModelVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _changed(user_id: int) -> None:
    reader_caches_forget(user_id=user_id, kinds=(ModelVersion.Kind.MF,), phrases=False)


@transaction.atomic
def interest_hide(*, user: User, topic: Topic | None = None, phrase: str = "") -> HiddenInterest:
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
def interest_restore(*, user: User, hidden_id: int) -> bool:
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
    dropped: set[int] = set()
    if phrases:
        ids = [article_id for article_id, _, _ in reader_list.items]
        for phrase in phrases:
            dropped.update(
                Article.objects.filter(pk__in=ids, title__icontains=phrase).values_list(
                    "pk", flat=True
                )
            )
    return reader_list._replace(
        items=tuple(
            item
            for item in reader_list.items
            if item[0] not in dropped and not topics.intersection(item[2])
        ),
    )
