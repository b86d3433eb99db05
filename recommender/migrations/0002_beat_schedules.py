"""Periodic tasks in django-celery-beat's tables, so editors can change or pause them in the
admin: retrain MF nightly at 03:00 (queue ml), refresh active readers' lists hourly."""

import json

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    {
        "name": "recommender: retrain MF nightly",
        "task": "recommender.retrain",
        "queue": "ml",
        "crontab": {"minute": "0", "hour": "3"},
        "description": "Train a new MF version; it activates itself unless it validates worse.",
    },
    {
        "name": "recommender: refresh active readers' lists hourly",
        "task": "recommender.refresh_all_lists",
        "queue": None,
        "crontab": {"minute": "0", "hour": "*"},
        "description": "Recompute the cached lists of readers active in the last days.",
    },
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for spec in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
            **spec["crontab"],
        )
        PeriodicTask.objects.get_or_create(
            name=spec["name"],
            defaults={
                "task": spec["task"],
                "crontab": crontab,
                "queue": spec["queue"],
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "description": spec["description"],
            },
        )
    # A running beat re-reads its schedule when this timestamp changes.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def delete_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[spec["name"] for spec in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommender", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, delete_schedules)]
