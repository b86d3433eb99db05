from django.apps import AppConfig


class RecsiteConfig(AppConfig):
    name = "recsite"
    verbose_name = "recsite site"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from . import authentication, privacy

        privacy.register_recsite()

        for signal in (post_save, post_delete):
            signal.connect(
                authentication.account_forget_on_token_change,
                sender=Token,
                dispatch_uid=f"recsite.token_account_{signal is post_save}",
            )
        # An account's deletion deletes its token, which the receiver above handles.
        post_save.connect(
            authentication.account_forget_on_user_change,
            sender=get_user_model(),
            dispatch_uid="recsite.user_account",
        )
