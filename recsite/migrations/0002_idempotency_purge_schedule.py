"""The daily purge of expired idempotency keys, in django-celery-beat's tables so that editors
can change or pause it in the admin (like recommender's schedules)."""

import json

from django.db import migrations
from django.utils import timezone

NAME = "recsite: purge expired idempotency keys daily"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="4",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="UTC",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "recsite.purge_idempotency_keys",
            "crontab": crontab,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "description": "Delete API idempotency keys older than "
            "RECSITE_IDEMPOTENCY_KEY_TTL_HOURS (24 h by default).",
        },
    )
    # A running beat re-reads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recsite", "0001_idempotency_keys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
