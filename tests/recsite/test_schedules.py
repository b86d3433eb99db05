"""Periodic tasks declared in code (recsite/schedules.py): migrate creates them, and a sync
creates what is missing without changing what editors set in the admin."""

import io
import json

from django.core.management import call_command
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from recsite.schedules import SCHEDULES


def stored() -> list[tuple]:
    return list(
        PeriodicTask.objects.order_by("pk").values_list(
            "name", "task", "enabled", "crontab_id", "interval_id", "args", "kwargs", "queue"
        )
    )


def test_migrate_creates_every_declared_schedule(db):
    for schedule in SCHEDULES:
        task = PeriodicTask.objects.get(task=schedule.task)
        assert (task.name, task.enabled, task.queue) == (schedule.name, True, schedule.queue)
        assert (task.crontab.minute, task.crontab.hour) == (schedule.minute, schedule.hour)
        assert (task.crontab.day_of_week, str(task.crontab.timezone)) == ("*", "UTC")
    assert PeriodicTask.objects.count() == len(SCHEDULES)


def test_the_lm_retrains_nightly_an_hour_after_the_mf(db):
    lm = PeriodicTask.objects.get(task="recommender.train_lm")
    mf = PeriodicTask.objects.get(task="recommender.retrain")

    assert (lm.crontab.minute, lm.crontab.hour, lm.queue) == ("0", "4", "ml")
    assert (mf.crontab.minute, mf.crontab.hour, mf.queue) == ("0", "3", "ml")
    assert (json.loads(lm.args), json.loads(lm.kwargs)) == ([], {})


def test_a_sync_leaves_what_editors_changed(db):
    # given: an editor paused one schedule, moved another to an interval, gave a third arguments
    # and renamed a fourth
    paused = PeriodicTask.objects.get(task="recommender.train_lm")
    paused.enabled = False
    paused.crontab = CrontabSchedule.objects.create(minute="15", hour="2", timezone="UTC")
    paused.save()
    every_ten = IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.filter(task="recommender.refresh_all_lists").update(
        crontab=None, interval=every_ten
    )
    PeriodicTask.objects.filter(task="recommender.retrain").update(
        kwargs=json.dumps({"note": "editor"}), queue="ml-big"
    )
    PeriodicTask.objects.filter(task="recommender.relay_outbox").update(name="outbox relay")
    before = stored()

    # when
    call_command("sync_schedules", stdout=io.StringIO())

    # then: nothing changed, nothing added
    assert stored() == before
    paused.refresh_from_db()
    assert (paused.enabled, paused.crontab.minute, paused.crontab.hour) == (False, "15", "2")


def test_a_deleted_schedule_is_created_again_by_the_next_sync(db, capsys):
    # given: an editor deleted the LM's schedule
    PeriodicTask.objects.filter(task="recommender.train_lm").delete()
    others = stored()

    # when
    call_command("sync_schedules")

    # then: it is back as declared, the others untouched
    lm = PeriodicTask.objects.get(task="recommender.train_lm")
    assert (lm.name, lm.enabled, lm.crontab.hour) == (
        "recommender: retrain the LM nightly",
        True,
        "4",
    )
    assert [row for row in stored() if row[1] != "recommender.train_lm"] == others
    assert capsys.readouterr().out.splitlines() == [
        "Created: recommender: retrain the LM nightly",
        "1 schedules created.",
    ]


def test_a_sync_of_a_complete_database_creates_nothing(db, capsys):
    before = stored()

    call_command("sync_schedules")

    assert stored() == before
    assert capsys.readouterr().out == "0 schedules created.\n"
