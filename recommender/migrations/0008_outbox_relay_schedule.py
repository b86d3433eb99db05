"""The outbox relay's periodic task, every minute, in django-celery-beat's tables like the
schedules of 0002 (editors can change or pause it in the admin)."""

import json

from django.db import migrations
from django.utils import timezone

NAME = "recommender: relay the outbox every minute"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "recommender.relay_outbox",
            "crontab": crontab,
            "queue": None,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            # A tick queued while no worker ran is useless a minute later: the next one relays.
            "expire_seconds": 60,
            "description": "Publish background work and cache deletes held back by a Redis "
            "outage (recommender.services.outbox), and purge old sent messages.",
        },
    )
    # A running beat re-reads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommender", "0007_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
