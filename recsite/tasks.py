"""Celery tasks of the project app: thin, named explicitly, idempotent (DESIGN §7)."""

import logging

from celery import shared_task

from .idempotency.services import idempotency_keys_purge

logger = logging.getLogger(__name__)


# Daily (recsite/schedules.py, editable in the admin); purging twice is
# harmless, so a redelivered message needs no guard.
@shared_task(name="recsite.purge_idempotency_keys", soft_time_limit=5 * 60, time_limit=6 * 60)
def purge_idempotency_keys() -> int:
    deleted = idempotency_keys_purge()
    logger.info("Purged %d expired idempotency keys.", deleted)
    return deleted
