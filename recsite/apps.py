from django.apps import AppConfig


class RecsiteConfig(AppConfig):
    name = "recsite"
    verbose_name = "recsite site"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate, pre_save

        from . import authentication, privacy, schedules

        privacy.register_recsite()

        pre_save.connect(
            authentication.tokens_revoke_on_password_change,
            sender=get_user_model(),
            dispatch_uid="recsite.tokens_revoke_on_password_change",
        )
        # post_migrate is sent once per app after all migrations ran: listen to one app only.
        post_migrate.connect(
            schedules.schedules_on_migrate, sender=self, dispatch_uid="recsite.schedules"
        )
