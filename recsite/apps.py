from django.apps import AppConfig


class RecsiteConfig(AppConfig):
    name = "recsite"
    verbose_name = "recsite site"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_save

        from . import authentication, privacy

        privacy.register_recsite()

        pre_save.connect(
            authentication.tokens_revoke_on_password_change,
            sender=get_user_model(),
            dispatch_uid="recsite.tokens_revoke_on_password_change",
        )
