"""Reads of content and behaviour. Each returns a queryset (or plain data) for views to render."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .models import Article, Interaction, Topic, TopicFollow

if TYPE_CHECKING:  # the user model as a type; the code asks get_user_model() at run time
    from django.contrib.auth.models import AnonymousUser, User


def articles_published() -> QuerySet[Article]:
    return Article.objects.filter(status=Article.Status.PUBLISHED).prefetch_related("topics")


def articles_visible_to(user: User | AnonymousUser | None) -> QuerySet[Article]:
    """Editors see every article; everybody else only published ones."""
    if user is not None and user.is_authenticated and user.has_perm("articles.change_article"):
        return Article.objects.all().prefetch_related("topics")
    return articles_published()


def article_get_for_reader(
    *, user: User | AnonymousUser | None, slug: str | None = None, pk: int | None = None
) -> Article:
    """The article if ``user`` may see it, else Http404 (drafts are invisible, not forbidden)."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    article = articles_visible_to(user).filter(**lookup).first()
    if article is None:
        raise Http404("No such article.")
    return article


def articles_latest() -> QuerySet[Article]:
    return articles_published().order_by("-published_at", "-id")


def articles_trending(*, days: int | None = None) -> QuerySet[Article]:
    """Published articles ordered by how many interactions they had in the last ``days`` days
    (dislikes excluded); only articles with at least one such interaction."""
    days = days or settings.RECSITE_TRENDING_DAYS
    since = timezone.now() - timedelta(days=days)
    recent = Q(interactions__created_at__gte=since) & ~Q(
        interactions__event=Interaction.Event.DISLIKE
    )
    return (
        articles_published()
        .annotate(recent_reads=Count("interactions", filter=recent))
        .filter(recent_reads__gt=0)
        .order_by("-recent_reads", "-published_at", "-id")
    )


def topics_with_counts() -> QuerySet[Topic]:
    return Topic.objects.annotate(
        published_count=Count("articles", filter=Q(articles__status=Article.Status.PUBLISHED))
    ).order_by("name")


def interactions_of(*, user: User) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(user=user)
        .select_related("article")
        .order_by("-created_at", "-id")
    )


def reading_history(*, user: User) -> QuerySet[Interaction]:
    """The reader's positive behaviour, newest first (what the "me" page lists)."""
    return interactions_of(user=user).exclude(event=Interaction.Event.DISLIKE)


def history_by_article(*, user: User) -> QuerySet[Article]:
    """The articles of the reader's positive behaviour, most recently touched first, each
    annotated with ``last_event_at`` (one row per article; ``events_by_article`` fills in what
    they did)."""
    positive = Q(interactions__user=user) & ~Q(interactions__event=Interaction.Event.DISLIKE)
    return (
        Article.objects.filter(positive)
        .annotate(last_event_at=Max("interactions__created_at", filter=positive))
        .order_by("-last_event_at", "-id")
    )


def events_by_article(*, user: User, article_ids: list[int]) -> dict[int, list[Interaction]]:
    """The reader's positive events on each of ``article_ids``, oldest first."""
    found: dict[int, list[Interaction]] = {pk: [] for pk in article_ids}
    rows = (
        Interaction.objects.filter(user=user, article_id__in=article_ids)
        .exclude(event=Interaction.Event.DISLIKE)
        .order_by("created_at", "id")
    )
    for interaction in rows:
        found[interaction.article_id].append(interaction)
    return found


def articles_with_event(*, user: User, event: str) -> QuerySet[Article]:
    """Published articles the reader saved (``bookmark``) or liked, most recent first."""
    mine = Q(interactions__user=user, interactions__event=event)
    return (
        articles_published()
        .filter(mine)
        .annotate(marked_at=Max("interactions__created_at", filter=mine))
        .order_by("-marked_at", "-id")
    )


def topics_followed(*, user: User | AnonymousUser | None) -> QuerySet[Topic]:
    if user is None or not user.is_authenticated:
        return Topic.objects.none()
    return Topic.objects.filter(follows__user=user).order_by("name")


def followed_topic_slugs(*, user_id: int) -> set[str]:
    return set(TopicFollow.objects.filter(user_id=user_id).values_list("topic__slug", flat=True))


def article_events_of(*, user: User | AnonymousUser | None, article: Article) -> set[str]:
    if user is None or not user.is_authenticated:
        return set()
    return set(
        Interaction.objects.filter(user=user, article=article).values_list("event", flat=True)
    )


def topic_get(*, slug: str) -> Topic:
    """The topic with ``slug``, else Http404 (topics are public, so no user is needed)."""
    topic = Topic.objects.filter(slug=slug).first()
    if topic is None:
        raise Http404("No such topic.")
    return topic


def articles_in_topic(*, topic: Topic) -> QuerySet[Article]:
    """Published articles of ``topic``, newest first."""
    return articles_latest().filter(topics=topic)


def published_titles() -> list[tuple[int, str]]:
    """(id, title) of every published article, by id: the catalogue as text."""
    return list(
        Article.objects.filter(status=Article.Status.PUBLISHED)
        .order_by("pk")
        .values_list("pk", "title")
    )


def title_summaries(*, article_ids: list[int]) -> dict[int, tuple[str, str]]:
    """{id: (title, summary)} of the given articles (whatever their status)."""
    rows = Article.objects.filter(pk__in=article_ids).values_list("pk", "title", "summary")
    return {pk: (title, summary) for pk, title, summary in rows}


def published_topic_names() -> dict[int, list[str]]:
    """{id: the names of its topics} of every published article (an empty list: none)."""
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    found: dict[int, list[str]] = {pk: [] for pk in published.values_list("pk", flat=True)}
    rows = Article.topics.through.objects.filter(article__status=Article.Status.PUBLISHED)
    for article_id, name in rows.order_by("topic__name").values_list("article_id", "topic__name"):
        found[article_id].append(name)
    return found


def published_catalogue_stamp() -> tuple[int, int, str]:
    """(count, largest id, latest update) of the published articles: changes whenever an
    article is published, withdrawn or edited, so a cache built from the catalogue can tell
    that it is stale with one cheap query."""
    row = Article.objects.filter(status=Article.Status.PUBLISHED).aggregate(
        count=Count("pk"), last_id=Max("pk"), updated=Max("updated_at")
    )
    updated = row["updated"].isoformat() if row["updated"] else ""
    return row["count"], row["last_id"] or 0, updated


def reading_orders(*, events: list[str], user_id: int | None = None) -> dict[int, list[int]]:
    """Per active reader (or only ``user_id``), the published articles they interacted with by
    one of ``events``, in the order of their first such interaction; articles the reader
    dismissed ("not interested") are left out."""
    rows = Interaction.objects.filter(
        user__is_active=True, article__status=Article.Status.PUBLISHED, event__in=events
    )
    dismissed = Interaction.objects.filter(event=Interaction.Event.DISLIKE)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
        dismissed = dismissed.filter(user_id=user_id)
    dismissed_pairs = set(dismissed.values_list("user_id", "article_id"))
    orders: dict[int, dict[int, None]] = {}
    ordered = rows.order_by("user_id", "created_at", "pk").values_list("user_id", "article_id")
    for reader, article in ordered.iterator(chunk_size=10_000):
        if (reader, article) not in dismissed_pairs:
            orders.setdefault(reader, {})[article] = None
    return {reader: list(articles) for reader, articles in orders.items()}
