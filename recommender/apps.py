from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommenderConfig(AppConfig):
    name = "recommender"
    verbose_name = _("Recommendations")

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

        from articles.models import Article, Topic
        from articles.signals import interaction_recorded, reader_preferences_changed

        # Registers the tasks, which recommender.dispatch requests by name (eager ones too).
        from . import privacy, receivers, tasks  # noqa: F401

        privacy.register_recommender()

        interaction_recorded.connect(
            receivers.reader_list_on_interaction, dispatch_uid="recommender.reader_list"
        )
        reader_preferences_changed.connect(
            receivers.reader_list_on_preferences, dispatch_uid="recommender.reader_preferences"
        )
        post_save.connect(
            receivers.article_dict_on_change, sender=Article, dispatch_uid="recommender.article"
        )
        post_delete.connect(
            receivers.article_dict_on_change, sender=Article, dispatch_uid="recommender.article_d"
        )
        m2m_changed.connect(
            receivers.article_dict_on_topics_change,
            sender=Article.topics.through,
            dispatch_uid="recommender.article_topics",
        )
        post_save.connect(
            receivers.topics_on_change, sender=Topic, dispatch_uid="recommender.topic"
        )
        pre_delete.connect(
            receivers.topics_on_change, sender=Topic, dispatch_uid="recommender.topic_d"
        )
