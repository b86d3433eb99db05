"""Celery tasks: thin, named explicitly, idempotent and safe to retry (DESIGN §7)."""

import functools
import logging
from collections.abc import Callable
from typing import Any

from celery import Task, group, shared_task
from django.conf import settings
from django.db import OperationalError

from . import selectors
from .cache import lists
from .cache.task_results import task_result_get, task_result_set
from .explaining.interests import reader_phrases_mine
from .explaining.requests import request_answer
from .models import ModelVersion
from .outbox import outbox_pending_count, outbox_purge, outbox_relay
from .ranking.request import NoTextIndex
from .ranking.sequence import NoLanguageModel, sequence_state_refresh
from .ranking.sequence import lm_recommend as lm_recommend_service
from .ranking.serving import reader_list_refresh
from .signals import retrain_stage_done
from .training.embeddings import articles_embed, searches_embed
from .training.lm import LMTrainingAlreadyRunning, model_version_train_lm
from .training.mf import RetrainAlreadyRunning, model_version_train_mf

logger = logging.getLogger(__name__)


# Tasks that only read and write rows retry a dropped database connection (a PostgreSQL restart
# or failover), backing off; a retry is safe because every task here is idempotent.
RETRY_ON_DATABASE_ERROR: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "max_retries": 3,
}

# A bound task's body: the task, then its arguments; returns its JSON result.
TaskRun = Callable[..., dict]


def once_per_task_id(name: str) -> Callable[[TaskRun], TaskRun]:
    """For a bound task: a delivery whose task id already finished returns the first result
    (with ``"duplicate": True``) instead of running again. A skipped run is not remembered."""

    def decorate(run: TaskRun) -> TaskRun:
        @functools.wraps(run)
        def once(self: Task, *args: Any, **kwargs: Any) -> dict:
            # A finished task id is remembered for a week, so that a second delivery of the same
            # message (a redelivery after a lost acknowledgement) does not train again.
            task_id = self.request.id
            if task_id and (done := task_result_get(name=name, task_id=task_id)) is not None:
                logger.info("%s skipped: task %s already ran.", name, task_id)
                return {**done, "duplicate": True}
            result = run(self, *args, **kwargs)
            if task_id and result.get("status") != "skipped":
                task_result_set(name=name, task_id=task_id, result=result)
            return result

        return once

    return decorate


def _retrain_progress(stage: str) -> None:
    logger.info("Retraining: %s done", stage)
    retrain_stage_done.send(sender="recommender.retrain", stage=stage)


# Routed to the "ml" queue by settings.CELERY_TASK_ROUTES. A killed worker's retrain lock
# expires within settings.RECSITE_RETRAIN_LOCK_SECONDS (recommender.training.locks), and its
# half-trained row is marked failed by the next training.
@shared_task(bind=True, name="recommender.retrain", soft_time_limit=55 * 60, time_limit=60 * 60)
@once_per_task_id("retrain")
def retrain(self: Task) -> dict:
    try:
        version = model_version_train_mf(progress=_retrain_progress)
    except RetrainAlreadyRunning:
        logger.info("Retraining skipped: another one is running.")
        return {"status": "skipped"}
    return {"version": version.pk, "status": version.status}


@shared_task(
    name="recommender.refresh_user_lists",
    soft_time_limit=5 * 60,
    time_limit=6 * 60,
    **RETRY_ON_DATABASE_ERROR,
)
def refresh_user_lists(user_ids: list[int]) -> int:
    """Recompute and cache the lists of ``user_ids`` (deleted or inactive accounts skipped)."""
    present = selectors.active_user_ids_among(user_ids=user_ids)
    if len(present) < len(user_ids):
        logger.info("Skipping %d missing or inactive users", len(user_ids) - len(present))
    for user_id in present:
        # The state first: the list computed next may rank with it (the hybrid's LM feature).
        sequence_state_refresh(user_id=user_id)
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


# Routed to the "ml" queue (settings.CELERY_TASK_ROUTES): it loads the text encoder.
@shared_task(
    name="recommender.embed_articles",
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
    **RETRY_ON_DATABASE_ERROR,
)
def embed_articles(article_ids: list[int] | None = None) -> dict:
    """Embed the given published articles (all of them when None) whose text changed; a
    missing, unpublished or unchanged article is skipped, so a retry is harmless."""
    return articles_embed(article_ids=article_ids, rebuild_snapshot=article_ids is None)


@shared_task(
    name="recommender.embed_searches",
    soft_time_limit=2 * 60,
    time_limit=3 * 60,
    **RETRY_ON_DATABASE_ERROR,
)
def embed_searches(user_id: int) -> int:
    """Embed the reader's recent searches for their content profile, then recompute their list
    (it may now rank differently)."""
    if not selectors.active_user_ids_among(user_ids=[user_id]):
        logger.info("Skipping searches of missing or inactive user %s", user_id)
        return 0
    embedded = searches_embed(user_id=user_id)
    if embedded:
        lists.reader_list_forget(user_id=user_id, kind=ModelVersion.Kind.MF)
        reader_list_refresh(user_id=user_id)
    return embedded


# Routed to the "ml" queue by settings.CELERY_TASK_ROUTES; the hard limit is below the lock's
# timeout, so a killed worker's lock has expired before anyone needs it again.
@shared_task(bind=True, name="recommender.train_lm", soft_time_limit=55 * 60, time_limit=60 * 60)
@once_per_task_id("train_lm")
def train_lm(self: Task) -> dict:
    try:
        version = model_version_train_lm()
    except LMTrainingAlreadyRunning:
        logger.info("LM training skipped: another one is running.")
        return {"status": "skipped"}
    return {"version": version.pk, "status": version.status}


# Routed to the "inference" queue. A web request waits for the answer (POST /api/recommend/), so
# the limits are short and there is no retry: the request has given up by then.
@shared_task(name="recommender.lm_recommend", soft_time_limit=60, time_limit=90)
def lm_recommend(
    user_id: int | None, user_input: str, top_n: int, version: list | None = None
) -> dict:
    """Generated recommendations as plain JSON ({"model_version": None, ...} when no LM is
    active); ``version`` [id, artifact path]: an experiment arm's LM instead of the active one.
    See recommender.ranking.sequence.lm_recommend."""
    try:
        return lm_recommend_service(
            user_id=user_id,
            user_input=user_input,
            top_n=top_n,
            version=lists.ActiveVersion(*version) if version else None,
        )
    except NoLanguageModel as error:
        return {"model_version": None, "results": [], "detail": str(error)}


# Routed to the "inference" queue, like lm_recommend: a web request waits for the answer.
@shared_task(name="recommender.request_recommend", soft_time_limit=60, time_limit=90)
def request_recommend(user_id: int, user_input: str, top_n: int) -> dict:
    """The answer to a request in words as plain JSON ({"model_version": None, "results": [],
    "detail": ...} when it cannot be answered); see recommender.explaining.requests."""
    user = selectors.active_user(user_id=user_id)
    if user is None:
        logger.info("Request of missing or inactive user %s not answered", user_id)
        return {"model_version": None, "results": [], "detail": "no such reader"}
    try:
        return request_answer(user=user, user_input=user_input, top_n=top_n)
    except NoTextIndex as error:
        return {"model_version": None, "results": [], "detail": str(error)}


@shared_task(name="recommender.mine_reader_phrases", soft_time_limit=2 * 60, time_limit=3 * 60)
def mine_reader_phrases(user_id: int) -> int:
    """Mine and cache one reader's key phrases for their "me" page (loads the text encoder)."""
    if not selectors.active_user_ids_among(user_ids=[user_id]):
        logger.info("Skipping key phrases of missing or inactive user %s", user_id)
        return 0
    return len(reader_phrases_mine(user_id=user_id))


# Every minute (recsite/schedules.py, in django-celery-beat); also requested by a web process whose
# publishes work again after failing. Relaying twice at once is safe (rows are locked).
@shared_task(name="recommender.relay_outbox", soft_time_limit=4 * 60, time_limit=5 * 60)
def relay_outbox() -> dict:
    """Publish the background work and replay the cache deletes that a Redis outage held back
    (recommender.outbox), then purge old sent messages."""
    sent = outbox_relay(max_batches=settings.RECSITE_OUTBOX_MAX_BATCHES)
    return {"sent": sent, "pending": outbox_pending_count(), "purged": outbox_purge()}
