"""The outbox relay (recommender.outbox): it delivers pending messages oldest first, cache
deletes before tasks; it keeps what a dead broker refused; several relays at once on PostgreSQL
deliver each message once; old sent messages are purged; the embedded default needs no outbox."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from redis.exceptions import ConnectionError as RedisConnectionError

from recommender.cache import lists
from recommender.models import OutboxMessage
from recommender.outbox import outbox_purge, outbox_relay, task_enqueue
from recommender.tasks import refresh_user_lists
from recsite.api_errors import exception_handler
from tests.factories import UserFactory

pytest_plugins = ["tests.recommender_fixtures"]

REFRESH = "recommender.refresh_user_lists"


def _pending():
    return list(OutboxMessage.objects.filter(sent_at=None).order_by("pk"))


def test_a_request_in_the_embedded_default_runs_its_task_on_commit_without_an_outbox_row(
    mf_version, clusters, django_capture_on_commit_callbacks
):
    # given: the embedded default (eager Celery)
    reader = clusters.readers[0]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue(task=refresh_user_lists.name, args=[[reader.pk]])

    # then: the list is computed in-process, as before the outbox
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is not None
    assert OutboxMessage.objects.count() == 0


def test_the_relay_deletes_held_back_cache_keys_then_runs_the_tasks_and_marks_them_sent(
    mf_version, clusters
):
    # given: a stale list whose delete was held back, then the refresh it went with
    reader = clusters.readers[0]
    key = f"rec:list:{mf_version.pk}:{reader.pk}"
    cache.set(key, ("stale", ()))
    forget = OutboxMessage.objects.create(cache_keys=[key])
    refresh = OutboxMessage.objects.create(task=REFRESH, args=[[reader.pk]])

    # when: the relay runs (tasks run eagerly here)
    sent = outbox_relay(max_batches=1)

    # then: the key was deleted before the refresh recomputed the list
    assert sent == 2
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk).strategy != "stale"
    forget.refresh_from_db()
    refresh.refresh_from_db()
    assert forget.sent_at is not None
    assert refresh.sent_at is not None
    assert _pending() == []


def test_the_relay_delivers_in_bounded_batches(clusters, settings):
    # given: five refreshes and batches of two
    settings.RECSITE_OUTBOX_BATCH_SIZE = 2
    for reader in clusters.readers[:5]:
        OutboxMessage.objects.create(task=REFRESH, args=[[reader.pk]])

    # when: one run of at most two batches
    sent = outbox_relay(max_batches=2)

    # then: the four oldest went, the newest waits for the next run
    assert sent == 4
    assert [message.args for message in _pending()] == [[[clusters.readers[4].pk]]]


@pytest.mark.django_db(transaction=True)  # a real publish attempt after a real commit
def test_with_the_broker_down_the_relay_keeps_every_message_pending(dead_broker, clusters):
    # given: two requested refreshes
    readers = clusters.readers[:2]
    for reader in readers:
        OutboxMessage.objects.create(task=REFRESH, args=[[reader.pk]])

    # when: the relay runs, and the command too
    sent = outbox_relay(max_batches=10)
    with pytest.raises(CommandError, match="2 messages still pending"):
        call_command("relay_outbox")

    # then: nothing is marked sent; the oldest message says why it waits
    assert sent == 0
    first, second = _pending()
    assert first.args == [[readers[0].pk]]
    assert (first.attempts, second.attempts) == (2, 0)
    assert "Connection refused" in first.last_error


@pytest.mark.django_db(transaction=True)  # two database connections, each with its commits
def test_relays_running_at_once_deliver_each_message_once(postgres_only, clusters):
    # given: four messages, the two oldest locked by a relay in another process (a thread with
    # its own connection here) that is still publishing them
    messages = [
        OutboxMessage.objects.create(task=REFRESH, args=[[reader.pk]])
        for reader in clusters.readers[:4]
    ]
    locked, release = threading.Event(), threading.Event()

    def other_relay():
        with transaction.atomic():
            list(
                OutboxMessage.objects.filter(pk__in=[m.pk for m in messages[:2]])
                .select_for_update()
                .order_by("pk")
            )
            locked.set()
            release.wait(timeout=30)
        connection.close()

    other = threading.Thread(target=other_relay)
    other.start()
    assert locked.wait(timeout=30)

    # when: this relay runs meanwhile
    try:
        sent = outbox_relay(max_batches=10)
    finally:
        release.set()
        other.join(timeout=30)

    # then: it skipped the locked messages instead of waiting for them or sending them again
    assert sent == 2
    assert [message.pk for message in _pending()] == [m.pk for m in messages[:2]]


def test_old_sent_messages_are_purged_and_pending_ones_kept(db, settings):
    # given: a message sent two days ago, one sent now, one pending for two days
    settings.RECSITE_OUTBOX_KEEP_SENT_HOURS = 24
    now = timezone.now()
    old = OutboxMessage.objects.create(task=REFRESH, args=[[1]], sent_at=now - timedelta(days=2))
    recent = OutboxMessage.objects.create(task=REFRESH, args=[[2]], sent_at=now)
    waiting = OutboxMessage.objects.create(task=REFRESH, args=[[3]])
    OutboxMessage.objects.filter(pk=waiting.pk).update(created_at=now - timedelta(days=2))

    # when
    purged = outbox_purge()

    # then
    assert purged == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


def test_migrate_schedules_the_relay_every_minute(db):
    relay = PeriodicTask.objects.get(task="recommender.relay_outbox")

    assert (relay.crontab.minute, relay.crontab.hour, relay.queue) == ("*", "*", None)
    assert (relay.enabled, relay.expire_seconds) == (True, 60)


def test_an_api_view_failing_on_redis_answers_503_with_retry_after():
    # when: e.g. the result backend is unreachable
    response = exception_handler(RedisConnectionError("Connection refused"), {})

    # then
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.data["detail"].code == "queue_unavailable"


def test_superusers_see_what_waits_in_the_outbox_read_only(client, db):
    # given: a pending refresh and a sent one
    OutboxMessage.objects.create(task=REFRESH, args=[[41]], attempts=3, last_error="refused")
    OutboxMessage.objects.create(task=REFRESH, args=[[42]], sent_at=timezone.now())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    # when
    pending = client.get("/admin/recommender/outboxmessage/?state=pending")
    add = client.get("/admin/recommender/outboxmessage/add/")

    # then
    assert pending.status_code == 200
    assert [m.args for m in pending.context["cl"].result_list] == [[[41]]]
    assert add.status_code == 403
