"""The daily purge now deletes every kind of raw event past its retention (views, searches,
impressions: articles.privacy), not only views: the beat entry of migration 0003 runs the new
task, at the same time, keeping whatever schedule editors gave it."""

from django.db import migrations
from django.utils import timezone

OLD_NAME = "articles: purge view events past their retention daily"
NEW_NAME = "articles: purge raw events past their retention daily"
OLD_TASK = "articles.purge_old_views"
NEW_TASK = "articles.purge_expired_personal_data"


def rename(apps, *, name: tuple[str, str], task: tuple[str, str], description: str) -> None:
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=name[0], task=task[0]).update(
        name=name[1], task=task[1], description=description
    )
    # A running beat re-reads its schedule when this timestamp changes.
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def forwards(apps, schema_editor):
    rename(
        apps,
        name=(OLD_NAME, NEW_NAME),
        task=(OLD_TASK, NEW_TASK),
        description="Delete raw events (views, searches, impressions) past their retention "
        "settings (RECSITE_*_RETENTION_DAYS).",
    )


def backwards(apps, schema_editor):
    rename(
        apps,
        name=(NEW_NAME, OLD_NAME),
        task=(NEW_TASK, OLD_TASK),
        description="Delete raw view events older than RECSITE_VIEW_RETENTION_DAYS.",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_interaction_import_key_constraint"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
