"""Writes to content and behaviour. Views, serializers and the admin call these, never the ORM."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext

from .models import Article, Interaction, SearchQuery, Topic, TopicFollow
from .signals import article_published, interaction_recorded, reader_preferences_changed

if TYPE_CHECKING:  # the user model as a type; the code asks get_user_model() at run time
    from django.contrib.auth.models import AnonymousUser, User
else:
    User = get_user_model()


def unique_slug(
    *, model: type[Article | Topic], text: str, exclude_pk: int | None = None, max_length: int = 200
) -> str:
    """A slug for ``text`` that no other row of ``model`` has, suffixed -2, -3, ... if taken."""
    base = slugify(text)[:max_length].strip("-") or "item"
    candidates = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    taken = set(candidates.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def topic_get_or_create(*, name: str) -> Topic:
    name = name.strip()
    topic = Topic.objects.filter(name__iexact=name).first()
    if topic is None:
        topic = Topic.objects.create(name=name, slug=unique_slug(model=Topic, text=name))
    return topic


def _announce_if_published(article: Article) -> None:
    # Inside the write's transaction, so work a receiver requests commits with it (or not at all).
    if article.is_published:
        article_published.send(sender=Article, article=article)


@transaction.atomic
def article_create(
    *,
    title: str,
    summary: str = "",
    body: str = "",
    topics: Iterable[Topic] = (),
    author: User | None = None,
    status: str = Article.Status.DRAFT,
    published_at: datetime | None = None,
    external_id: str | None = None,
    slug: str = "",
) -> Article:
    if status == Article.Status.PUBLISHED and published_at is None:
        published_at = timezone.now()
    article = Article(
        title=title,
        summary=summary,
        body=body,
        author=author,
        status=status,
        published_at=published_at,
        external_id=external_id,
        slug=slug or unique_slug(model=Article, text=title),
    )
    article.full_clean()
    article.save()
    article.topics.set(topics)
    _announce_if_published(article)
    return article


TEXT_FIELDS = ("title", "summary", "body")


@transaction.atomic
def article_update(
    *, article: Article, topics: Iterable[Topic] | None = None, **fields: Any
) -> Article:
    """Update ``fields`` of ``article``.

    Announces the article when it becomes published or a published article's text changes."""
    was_published = article.is_published
    text_before = tuple(getattr(article, name) for name in TEXT_FIELDS)
    for name, value in fields.items():
        setattr(article, name, value)
    if article.is_published and article.published_at is None:
        article.published_at = timezone.now()
    article.full_clean()
    article.save()
    if topics is not None:
        article.topics.set(topics)
    text_changed = text_before != tuple(getattr(article, name) for name in TEXT_FIELDS)
    if article.is_published and (not was_published or text_changed):
        _announce_if_published(article)
    return article


def article_publish(*, article: Article) -> Article:
    return article_update(article=article, status=Article.Status.PUBLISHED)


def article_archive(*, article: Article) -> Article:
    return article_update(article=article, status=Article.Status.ARCHIVED)


def articles_set_status(*, articles: Iterable[Article], status: str) -> int:
    """Bulk publish/archive (the admin actions); returns how many articles changed."""
    changed = 0
    for article in articles:
        if article.status != status:
            article_update(article=article, status=status)
            changed += 1
    return changed


def _validate_event(event: str, value: float | None) -> None:
    if event not in Interaction.Event.values:
        raise ValidationError(
            {
                "event": gettext("Unknown event %(event)r; expected one of %(events)s.")
                % {"event": event, "events": ", ".join(Interaction.Event.values)}
            }
        )
    if event == Interaction.Event.RATING and value is None:
        raise ValidationError({"value": gettext("A rating needs a value.")})


@dataclass(frozen=True)
class InteractionInput:
    article: Article
    event: str = Interaction.Event.READ
    value: float | None = None
    dwell_seconds: int | None = None


@transaction.atomic
def interactions_record(
    *, user: User, items: Iterable[InteractionInput], source: str = Interaction.Source.API
) -> list[Interaction]:
    """Record a batch of behaviour for ``user`` in one transaction (all or nothing)."""
    now = timezone.now()
    rows = []
    for item in items:
        _validate_event(item.event, item.value)
        rows.append(
            Interaction(
                user=user,
                article=item.article,
                event=item.event,
                value=item.value,
                dwell_seconds=item.dwell_seconds,
                source=source,
                created_at=now,
            )
        )
    if len(rows) > settings.RECSITE_INTERACTION_BATCH_LIMIT:
        raise ValidationError(
            {"non_field_errors": f"At most {settings.RECSITE_INTERACTION_BATCH_LIMIT} per request."}
        )
    created = Interaction.objects.bulk_create(rows)
    if created:
        # Inside the transaction: the refresh a receiver requests commits with the rows.
        interaction_recorded.send(sender=Interaction, user=user, interactions=created)
    return created


def interaction_record(
    *,
    user: User,
    article: Article,
    event: str,
    value: float | None = None,
    dwell_seconds: int | None = None,
    source: str = Interaction.Source.WEB,
) -> Interaction:
    item = InteractionInput(article=article, event=event, value=value, dwell_seconds=dwell_seconds)
    return interactions_record(user=user, items=[item], source=source)[0]


# Events a reader can take back from their page: saving and liking are states, not history.
WITHDRAWABLE_EVENTS = (Interaction.Event.BOOKMARK, Interaction.Event.LIKE)


@transaction.atomic
def interaction_withdraw(*, user: User, article: Article, event: str) -> int:
    """Unsave or unlike: delete the reader's ``event`` rows on ``article`` (the signal is
    theirs to take back; the training data then no longer holds it). How many were deleted."""
    if event not in WITHDRAWABLE_EVENTS:
        raise ValidationError({"event": f"Only {', '.join(WITHDRAWABLE_EVENTS)} can be undone."})
    deleted, _ = Interaction.objects.filter(user=user, article=article, event=event).delete()
    if deleted:
        reader_preferences_changed.send(sender=Interaction, user=user)
    return deleted


@transaction.atomic
def topic_follow(*, user: User, topic: Topic) -> TopicFollow:
    """Follow ``topic`` (idempotent): its articles rank higher in the reader's list."""
    try:
        with transaction.atomic():
            follow, created = TopicFollow.objects.get_or_create(user=user, topic=topic)
    except IntegrityError:  # a concurrent identical request won the race
        follow, created = TopicFollow.objects.get(user=user, topic=topic), False
    if created:
        reader_preferences_changed.send(sender=TopicFollow, user=user)
    return follow


@transaction.atomic
def topic_unfollow(*, user: User, topic: Topic) -> bool:
    """Stop following ``topic``; False if the reader did not follow it."""
    deleted, _ = TopicFollow.objects.filter(user=user, topic=topic).delete()
    if deleted:
        reader_preferences_changed.send(sender=TopicFollow, user=user)
    return bool(deleted)


def search_record(
    *, user: User | AnonymousUser | None, text: str, results_count: int
) -> SearchQuery:
    return SearchQuery.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        text=text[:500],
        results_count=results_count,
    )


@transaction.atomic
def user_create(*, username: str, password: str, email: str = "") -> User:
    user = User(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def article_delete(*, article: Article) -> None:
    """Delete the article and, by cascade, the behaviour recorded on it. Archiving keeps both;
    deleting is for content that should never have been there."""
    article.delete()
