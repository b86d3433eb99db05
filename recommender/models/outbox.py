"""Background work requested by a write, recorded in the write's own transaction (a
transactional outbox): a Redis outage can delay that work, never lose it."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


def new_task_id() -> str:
    return str(uuid.uuid4())


class OutboxMessage(models.Model):
    """A Celery task to publish and/or cache keys to delete, pending until ``sent_at`` is set.

    ``task_id`` is fixed when the row is written, so a message published twice (the relay died
    between publishing and marking it sent) reaches the worker as the same task id."""

    task = models.CharField(
        max_length=200, blank=True, help_text="Celery task name, if any.", verbose_name=_("task")
    )
    args = models.JSONField(default=list, blank=True, verbose_name=_("args"))
    kwargs = models.JSONField(default=dict, blank=True, verbose_name=_("kwargs"))
    task_id = models.CharField(
        max_length=36, unique=True, default=new_task_id, verbose_name=_("task id")
    )
    # Deleted (unprefixed cache keys) before the task is published: invalidations that could
    # not reach Redis when the write happened.
    cache_keys = models.JSONField(default=list, blank=True, verbose_name=_("cache keys"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The relay's scan: pending rows, oldest first (a partial index stays small).
            models.Index(
                fields=["id"], condition=models.Q(sent_at=None), name="outbox_pending_idx"
            ),
            models.Index(fields=["sent_at"], name="outbox_sent_at_idx"),
        ]

    def __str__(self) -> str:
        what = self.task or f"forget {len(self.cache_keys)} cache keys"
        return f"{what} ({'sent' if self.sent_at else 'pending'})"
