"""Signal receivers, connected in RecommenderConfig.ready(): keep cached lists and the article
rows they show in step with what readers and editors do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import Article, Interaction, SearchQuery, Topic
from articles.signals import article_published

from .cache import lists
from .cache.boosts import boosts_forget
from .cache.readers import reader_caches_forget
from .dispatch import EMBED_ARTICLES, EMBED_SEARCHES, REFRESH_USER_LISTS, task_dispatch
from .models import EditorialBoost, ModelVersion

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def reader_list_on_interaction(
    sender: type[Interaction], *, user: User, interactions: list[Interaction], **kwargs: Any
) -> None:
    # Sent inside the write's transaction. Deleting now and again once it commits makes the very
    # next request recompute from the new behaviour (a list cached meanwhile from the rows as they
    # were is dropped too), even before the refresh task ran; the task then re-warms the cache.
    lists.reader_list_forget(user_id=user.pk, kind=ModelVersion.Kind.MF)
    transaction.on_commit(
        lambda: lists.reader_list_forget(user_id=user.pk, kind=ModelVersion.Kind.MF)
    )
    # In the outbox with the interaction: a dead broker delays the refresh, never loses it.
    task_dispatch(REFRESH_USER_LISTS, args=[[user.pk]])


def reader_list_on_preferences(sender: type[models.Model], *, user: User, **kwargs: Any) -> None:
    """Interactions withdrawn or a topic (un)followed: like new behaviour (above), and the
    reader's explanations too, since one may cite what was withdrawn or unfollowed."""
    user_id = user.pk

    def forget() -> None:
        reader_caches_forget(user_id=user_id, kinds=(ModelVersion.Kind.MF,), phrases=False)

    forget()
    transaction.on_commit(forget)
    task_dispatch(REFRESH_USER_LISTS, args=[[user_id]])


def article_dict_on_change(sender: type[Article], instance: Article, **kwargs: Any) -> None:
    article_id = instance.pk
    transaction.on_commit(lambda: lists.article_dicts_forget(article_ids=[article_id]))


def article_dict_on_topics_change(
    sender: type[models.Model],
    instance: Article | Topic,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # Forward: one article's topics changed. Reverse: a topic's articles changed (a reverse
    # clear names none; those rows expire with lists.ARTICLE_TTL_SECONDS).
    article_ids = list(pk_set or ()) if reverse else [instance.pk]
    transaction.on_commit(lambda: lists.article_dicts_forget(article_ids=article_ids))


def topics_on_change(sender: type[Topic], instance: Topic, **kwargs: Any) -> None:
    # Results show topic names, and the topic filter needs every slug: forget both.
    article_ids = list(instance.articles.values_list("pk", flat=True))

    def forget() -> None:
        lists.topic_slugs_forget()
        lists.article_dicts_forget(article_ids=article_ids)

    transaction.on_commit(forget)


# Connected here rather than in RecommenderConfig.ready() because it needs no configuration.
# ``article_published`` is sent inside the write's transaction, for a newly published article or
# a published article whose text changed: embed it on a worker.
@receiver(article_published, dispatch_uid="recommender.embed_article")
def article_embedding_on_publish(sender: type[Article], *, article: Article, **kwargs: Any) -> None:
    task_dispatch(EMBED_ARTICLES, args=[[article.pk]])


# A signed-in reader's search steers their content profile once a worker has embedded it.
@receiver(post_save, sender=SearchQuery, dispatch_uid="recommender.embed_searches")
def search_embedding_on_search(
    sender: type[SearchQuery], instance: SearchQuery, created: bool, **kwargs: Any
) -> None:
    if created and instance.user_id is not None:
        task_dispatch(EMBED_SEARCHES, args=[instance.user_id])


@receiver(post_save, sender=EditorialBoost, dispatch_uid="recommender.boosts")
@receiver(post_delete, sender=EditorialBoost, dispatch_uid="recommender.boosts_d")
def editorial_boosts_on_change(**kwargs: Any) -> None:
    """A boost saved or deleted (admin, shell or cascade) applies to the next page served."""
    boosts_forget()
    # Again once committed: a page served meanwhile may have cached the boosts as they were.
    transaction.on_commit(boosts_forget)
