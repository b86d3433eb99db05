"""Signal receivers, connected in RecommenderConfig.ready(): keep cached lists and the article
rows they show in step with what readers and editors do."""

from django.db import transaction

from .models import ModelVersion
from .services import lists


def reader_list_on_interaction(sender, *, user, interactions, **kwargs):
    # Deleting first makes the very next request recompute from the new behaviour, even before
    # the refresh task ran; the task then re-warms the cache.
    lists.reader_list_forget(user_id=user.pk, kind=ModelVersion.Kind.MF)
    # Imported here so that loading the app does not load the training stack (recommender.ml).
    from .tasks import refresh_user_lists

    user_id = user.pk
    transaction.on_commit(lambda: refresh_user_lists.delay([user_id]))


def article_dict_on_change(sender, instance, **kwargs):
    article_id = instance.pk
    transaction.on_commit(lambda: lists.article_dicts_forget(article_ids=[article_id]))


def article_dict_on_topics_change(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    # Forward: one article's topics changed. Reverse: a topic's articles changed (a reverse
    # clear names none; those rows expire with lists.ARTICLE_TTL_SECONDS).
    article_ids = list(pk_set or ()) if reverse else [instance.pk]
    transaction.on_commit(lambda: lists.article_dicts_forget(article_ids=article_ids))


def topics_on_change(sender, instance, **kwargs):
    # Results show topic names, and the topic filter needs every slug: forget both.
    article_ids = list(instance.articles.values_list("pk", flat=True))

    def forget():
        lists.topic_slugs_forget()
        lists.article_dicts_forget(article_ids=article_ids)

    transaction.on_commit(forget)
