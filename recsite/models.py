"""Models of the project app: request bookkeeping of the API, not content or behaviour."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a user sent with an API POST, and the response it got.

    The row is inserted before the view runs and filled with the response in the same database
    transaction as the view's writes (recsite.idempotency): a committed row always has its
    response, and a request that died half-way left neither its writes nor its key.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idempotency_keys",
        verbose_name=_("user"),
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    request_hash = models.CharField(
        max_length=64,
        help_text="SHA-256 of the method, path and canonical body.",
        verbose_name=_("request hash"),
    )
    # Null only inside the transaction that claimed the key (no other one can see it then).
    status_code = models.PositiveSmallIntegerField(null=True, verbose_name=_("status code"))
    body = models.BinaryField(default=b"", verbose_name=_("body"))
    content_type = models.CharField(max_length=255, blank=True, verbose_name=_("content type"))
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
