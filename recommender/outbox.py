"""The transactional outbox: background work a write requests is stored in the write's own
transaction and relayed to Celery, so a dead Redis (broker, result backend and cache) neither
fails the request nor loses the work.

- ``task_enqueue`` records a task; once the transaction commits, the same process tries to
  publish it at once (short timeouts, never raising). What could not be published stays
  pending for ``outbox_relay``: the ``recommender.relay_outbox`` periodic task (every minute)
  and ``manage.py relay_outbox``.
- ``cache_forget`` deletes cache keys; when Redis cannot be reached it records them instead, and
  the relay deletes them once Redis is back, so no stale list or page outlives an outage.

Delivery is at least once: a relay that dies after publishing and before marking its rows sent
publishes them again, with the same task ids; the tasks are idempotent (DESIGN §7). Several
processes may relay at once: each takes its batch with ``SELECT ... FOR UPDATE SKIP LOCKED``.

In the embedded default (eager Celery, no broker) there is nothing to lose: tasks run in-process
on commit, without an outbox row; in a web process after the response (recommender.background).
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from kombu.exceptions import OperationalError as BrokerUnavailable
from redis.exceptions import RedisError

from .background import run_in_background
from .models import OutboxMessage
from .models.outbox import new_task_id

logger = logging.getLogger(__name__)

# What a dead or unreachable Redis raises: kombu's error from the broker, redis-py's from the
# result backend and from django_redis's client (wrapped), RuntimeError when Celery's result
# consumer gives up reconnecting, OSError for sockets refused or timed out.
BACKEND_DOWN = (BrokerUnavailable, RedisError, ConnectionInterrupted, RuntimeError, OSError)

RELAY_TASK = "recommender.relay_outbox"


@dataclass
class _PublishPause:
    """This process's memory of a failed publish: until ``until`` (monotonic seconds), requests
    leave their rows to the relay instead of each paying for a connection attempt to the same
    dead broker. ``nudge``: once a publish works again, ask for a relay of the backlog."""

    broker_url: str = ""
    until: float = 0.0
    nudge: bool = False


_pause = _PublishPause()


def task_enqueue(*, task: str, args: list | None = None, kwargs: dict | None = None) -> str:
    """Request the task named ``task`` with ``args`` and ``kwargs`` once the current
    transaction commits; returns the id the task will run under. Never raises for a dead
    broker."""
    args, kwargs = list(args or []), dict(kwargs or {})
    if current_app.conf.task_always_eager:
        task_id = new_task_id()
        transaction.on_commit(
            lambda: run_in_background(
                task, lambda: current_app.tasks[task].apply_async(args, kwargs, task_id=task_id)
            )
        )
        return task_id
    message = OutboxMessage.objects.create(task=task, args=args, kwargs=kwargs)
    transaction.on_commit(lambda: _relay_now(message.pk))
    return message.task_id


def cache_forget(*, keys: list[str]) -> None:
    """Delete ``keys`` from the cache, or, when Redis cannot be reached (django_redis would
    silently skip the delete), record them in the outbox for the relay to delete."""
    if not keys:
        return
    try:
        _delete_or_raise(keys)
    except BACKEND_DOWN as error:
        logger.warning("Cache unreachable; %d deletes kept in the outbox: %r", len(keys), error)
        OutboxMessage.objects.create(cache_keys=list(keys))


def outbox_relay(*, max_batches: int) -> int:
    """Deliver pending messages, oldest first, in batches of settings.RECSITE_OUTBOX_BATCH_SIZE,
    until none is left, Redis fails, or ``max_batches`` were done; returns how many were sent."""
    sent = 0
    for _ in range(max_batches):
        delivered, complete = _relay(OutboxMessage.objects.all())
        sent += delivered
        if not complete or delivered < settings.RECSITE_OUTBOX_BATCH_SIZE:
            break
    return sent


def outbox_pending_count() -> int:
    return OutboxMessage.objects.filter(sent_at=None).count()


def outbox_purge() -> int:
    """Delete the sent messages older than settings.RECSITE_OUTBOX_KEEP_SENT_HOURS."""
    cutoff = timezone.now() - timedelta(hours=settings.RECSITE_OUTBOX_KEEP_SENT_HOURS)
    deleted, _ = OutboxMessage.objects.filter(sent_at__lt=cutoff).delete()
    return deleted


def _relay_now(message_id: int) -> None:
    """Publish one just-committed message from the request that wrote it, unless this process
    saw the broker fail moments ago. Never raises: the row stays pending for the relay."""
    broker_url = current_app.conf.broker_url
    if _pause.broker_url == broker_url and time.monotonic() < _pause.until:
        return
    try:
        delivered, _ = _relay(OutboxMessage.objects.filter(pk=message_id))
    except DatabaseError:  # e.g. the database went away after the commit
        logger.exception("Outbox message %s left to the relay", message_id)
        return
    if delivered and _pause.nudge:
        _pause.nudge = False
        # The broker is back: drain what this process left behind without waiting for beat.
        try:
            _publish(RELAY_TASK, [], {}, task_id=None)
        except BACKEND_DOWN:
            logger.warning("Relay not requested; the periodic relay will drain the outbox")


def _relay(messages) -> tuple[int, bool]:
    """Deliver one batch of the pending ``messages`` that no other relay holds; returns (how
    many were sent, whether all of the batch was)."""
    with transaction.atomic():
        batch = list(
            messages.filter(sent_at=None)
            .select_for_update(skip_locked=True)
            .order_by("pk")[: settings.RECSITE_OUTBOX_BATCH_SIZE]
        )
        sent = []
        for message in batch:
            try:
                _deliver(message)
            except BACKEND_DOWN as error:
                _pause_publishing()
                logger.warning(
                    "Redis unavailable: outbox message %s (%s) left pending: %r",
                    message.pk,
                    message.task or "cache deletes",
                    error,
                )
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=message.attempts + 1, last_error=repr(error)[:1000]
                )
                break
            sent.append(message.pk)
        OutboxMessage.objects.filter(pk__in=sent).update(sent_at=timezone.now())
    return len(sent), len(sent) == len(batch)


def _deliver(message: OutboxMessage) -> None:
    # Forget first: a refresh published with it must not have its fresh list deleted after.
    if message.cache_keys:
        _delete_or_raise(message.cache_keys)
    if message.task:
        _publish(message.task, message.args, message.kwargs, task_id=message.task_id)


def _publish(name: str, args: list, kwargs: dict, *, task_id: str | None) -> None:
    # retry=False: fail now rather than hang the caller; ignore_result: nobody waits on outbox
    # work, and subscribing to its result would touch the result backend (and raise) for nothing.
    current_app.tasks[name].apply_async(
        args, kwargs, task_id=task_id, retry=False, ignore_result=True
    )


def _pause_publishing() -> None:
    _pause.broker_url = current_app.conf.broker_url
    _pause.until = time.monotonic() + settings.RECSITE_OUTBOX_PAUSE_SECONDS
    _pause.nudge = True


def publish_pause_end() -> None:
    """Forget a failed publish at once, e.g. when the process is pointed at another broker."""
    _pause.until = 0.0


def _delete_or_raise(keys: list[str]) -> None:
    backend = caches["default"]
    # django_redis swallows connection errors (settings.DJANGO_REDIS_IGNORE_EXCEPTIONS); its
    # client underneath raises them, which is what tells a delete that never happened.
    (backend.client if isinstance(backend, RedisCache) else backend).delete_many(keys)
