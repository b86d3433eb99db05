from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles and behaviour")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from . import privacy

        privacy.register_articles()
        pre_delete.connect(
            privacy.forget_on_account_delete,
            sender=get_user_model(),
            dispatch_uid="articles.privacy_cache",
        )
