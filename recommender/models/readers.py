"""A reader's own choices about how they are recommended to."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalisationSetting(models.Model):
    """Whether ``user``'s lists are personal. Off: they get the non-personal (trending, then
    newest) list, and their behaviour is used neither for their own recommendations nor to
    train the model for others. No row means on (the default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="personalisation",
        verbose_name=_("user"),
    )
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("personalisation setting")
        verbose_name_plural = _("personalisation settings")

    def __str__(self) -> str:
        return f"{self.user_id} personalisation {'on' if self.enabled else 'off'}"
