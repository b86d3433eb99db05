"""Celery tasks of the articles app (autodiscovered by recsite.celery)."""

import logging

from celery import shared_task
from django.conf import settings

from . import services

logger = logging.getLogger(__name__)


# Scheduled daily by the beat entry of migration 0003 (editable in the admin).
@shared_task(name="articles.purge_old_views", soft_time_limit=10 * 60, time_limit=15 * 60)
def purge_old_views() -> int:
    deleted = services.interactions_purge_views(
        older_than_days=settings.RECSITE_VIEW_RETENTION_DAYS
    )
    logger.info(
        "Deleted %d view events older than %d days", deleted, settings.RECSITE_VIEW_RETENTION_DAYS
    )
    return deleted
