"""Every periodic task of the platform, declared here and stored in django-celery-beat's
tables, where editors change or pause them in the admin.

``schedules_sync`` creates the declared schedules that the database lacks. It runs after every
``migrate`` (a post_migrate receiver, recsite.apps) and as ``manage.py sync_schedules``. It never
changes a schedule that exists: what editors set in the admin (enabled, crontab or interval,
arguments, queue, even the name) stays theirs. A schedule counts as existing when a periodic
task has its name or runs its task, so renaming one in the admin does not make a duplicate.

A deleted schedule is created again by the next sync (the next deploy's ``migrate``). These are
the platform's upkeep — the retention purges are a privacy promise, the outbox relay carries
work a Redis outage held back, the retrainings keep models fresh — so a deletion is taken for a
mistake; to stop one, untick "enabled", which the sync leaves as it is.

To change an existing schedule's task or time on every installation, write a data migration
(as articles/migrations/0005 did): the sync only adds what is missing.
"""

import json
from dataclasses import dataclass

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    description: str
    minute: str
    hour: str
    # Only where a queue other than the task's route is wanted (settings.CELERY_TASK_ROUTES).
    queue: str | None = None
    # A run still queued this many seconds after it was due is dropped (None: never).
    expire_seconds: int | None = None


SCHEDULES = (
    Schedule(
        name="recommender: retrain MF nightly",
        task="recommender.retrain",
        description="Train a new MF version; it activates itself unless it validates worse.",
        minute="0",
        hour="3",
        queue="ml",
    ),
    # An hour after the MF retraining: both trainings fill the "ml" workers' cores for minutes
    # (the LM's budget is RECSITE_LM_TIME_BUDGET_SECONDS), so they take turns, and both finish in
    # the quiet hours before the 04:30 purges and the morning's readers.
    Schedule(
        name="recommender: retrain the LM nightly",
        task="recommender.train_lm",
        description="Train a new LM version on the readers' sequences; it activates itself "
        "unless it validates worse.",
        minute="0",
        hour="4",
        queue="ml",
    ),
    Schedule(
        name="recommender: refresh active readers' lists hourly",
        task="recommender.refresh_all_lists",
        description="Recompute the cached lists of readers active in the last days.",
        minute="0",
        hour="*",
    ),
    Schedule(
        name="recommender: relay the outbox every minute",
        task="recommender.relay_outbox",
        description="Publish background work and cache deletes held back by a Redis outage "
        "(the transactional outbox), and purge old sent messages.",
        minute="*",
        hour="*",
        # A tick queued while no worker ran is useless a minute later: the next one relays.
        expire_seconds=60,
    ),
    Schedule(
        name="articles: purge raw events past their retention daily",
        task="articles.purge_expired_personal_data",
        description="Delete raw events (views, searches, impressions) past their retention "
        "settings (RECSITE_*_RETENTION_DAYS).",
        minute="30",
        hour="4",
    ),
    Schedule(
        name="recsite: purge expired idempotency keys daily",
        task="recsite.purge_idempotency_keys",
        description="Delete API idempotency keys older than RECSITE_IDEMPOTENCY_KEY_TTL_HOURS "
        "(24 h by default).",
        minute="30",
        hour="4",
    ),
)


def schedules_sync(*, apps: Apps = global_apps, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Create the declared schedules missing from the database ``using``; return their names.
    ``apps``: the model registry (a migration state's, when called after migrate)."""
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    tasks = PeriodicTask.objects.using(using)
    present = set(tasks.values_list("name", flat=True)) | set(tasks.values_list("task", flat=True))
    created = []
    for schedule in SCHEDULES:
        if schedule.name in present or schedule.task in present:
            continue
        crontab, _ = CrontabSchedule.objects.using(using).get_or_create(
            minute=schedule.minute,
            hour=schedule.hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        tasks.create(
            name=schedule.name,
            task=schedule.task,
            crontab=crontab,
            queue=schedule.queue,
            args=json.dumps([]),
            kwargs=json.dumps({}),
            expire_seconds=schedule.expire_seconds,
            description=schedule.description,
        )
        created.append(schedule.name)
    if created:
        # A running beat re-reads its schedule when this timestamp changes.
        apps.get_model("django_celery_beat", "PeriodicTasks").objects.using(using).update_or_create(
            ident=1, defaults={"last_update": timezone.now()}
        )
    return created


def schedules_on_migrate(sender, *, using: str, plan=None, apps: Apps = global_apps, **kwargs):
    """post_migrate receiver: ``migrate`` creates the missing schedules. ``flush`` sends the
    signal too, without a migration plan: it is skipped, since a flush empties the database on
    purpose (a restore then loads the backup's schedules, as editors left them)."""
    if plan is None:
        return
    try:
        apps.get_model("django_celery_beat", "PeriodicTask")
    except LookupError:  # migrated to a point before django-celery-beat's tables exist
        return
    schedules_sync(apps=apps, using=using)
