"""Celery tasks: thin, named explicitly, idempotent and safe to retry (DESIGN §7)."""

import logging

from celery import group, shared_task
from django.conf import settings
from django.db import OperationalError

from . import selectors
from .services.serving import reader_list_refresh
from .services.training import RetrainAlreadyRunning, model_version_train_mf

logger = logging.getLogger(__name__)


# Routed to the "ml" queue by settings.CELERY_TASK_ROUTES. The hard limit is below the retrain
# lock's timeout, so a killed worker's lock has expired before anyone needs it again.
@shared_task(name="recommender.retrain", soft_time_limit=55 * 60, time_limit=60 * 60)
def retrain() -> dict:
    try:
        version = model_version_train_mf()
    except RetrainAlreadyRunning:
        logger.info("Retraining skipped: another one is running.")
        return {"status": "skipped"}
    return {"version": version.pk, "status": version.status}


@shared_task(
    name="recommender.refresh_user_lists",
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_user_lists(user_ids: list[int]) -> int:
    """Recompute and cache the lists of ``user_ids`` (deleted or inactive accounts skipped)."""
    present = selectors.active_user_ids_among(user_ids=user_ids)
    if len(present) < len(user_ids):
        logger.info("Skipping %d missing or inactive users", len(user_ids) - len(present))
    for user_id in present:
        reader_list_refresh(user_id=user_id)
    return len(present)


@shared_task(name="recommender.refresh_all_lists", soft_time_limit=5 * 60, time_limit=6 * 60)
def refresh_all_lists() -> int:
    """Fan the active readers out in batches, one ``refresh_user_lists`` task per batch."""
    user_ids = selectors.active_reader_ids(days=settings.RECSITE_ACTIVE_USER_DAYS)
    size = settings.RECSITE_REFRESH_BATCH_SIZE
    batches = [user_ids[start : start + size] for start in range(0, len(user_ids), size)]
    if batches:
        group(refresh_user_lists.s(batch) for batch in batches).apply_async()
    return len(user_ids)
