"""Celery tasks of the articles app (autodiscovered by recsite.celery)."""

import logging

from celery import shared_task

from . import privacy

logger = logging.getLogger(__name__)


# Scheduled daily by recsite/schedules.py (editable in the admin).
@shared_task(
    name="articles.purge_expired_personal_data", soft_time_limit=10 * 60, time_limit=15 * 60
)
def purge_expired_personal_data() -> dict[str, int]:
    """Delete the raw events past their retention; how many, per kind (idempotent)."""
    deleted = privacy.personal_data_purge()
    logger.info("Deleted raw events past their retention: %s", deleted)
    return deleted
