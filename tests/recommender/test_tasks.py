import json
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from articles.models import Interaction
from recommender import tasks
from recommender.cache import lists
from recommender.signals import retrain_stage_done
from recommender.tasks import refresh_all_lists, refresh_user_lists, retrain
from recommender.training.mf import STAGES
from tests.factories import InteractionFactory, UserFactory


def test_refresh_user_lists_stores_lists_and_skips_missing_users(mf_version, clusters, reader):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    inactive = UserFactory(is_active=False)

    refreshed = refresh_user_lists.delay([reader.pk, inactive.pk, 987654]).get()

    assert refreshed == 1
    cached = lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk)
    assert cached.strategy == "personalized"
    assert len(cached.items) == 39
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=inactive.pk) is None


def test_refresh_all_lists_fans_out_over_recently_active_readers(mf_version, clusters, settings):
    settings.RECSITE_REFRESH_BATCH_SIZE = 7
    dormant = UserFactory()
    InteractionFactory(
        user=dormant, article=clusters.a[0], created_at=timezone.now() - timedelta(days=90)
    )

    refreshed = refresh_all_lists.delay().get()

    assert refreshed == 30
    assert all(
        lists.reader_list_get(version_id=mf_version.pk, user_id=user.pk) is not None
        for user in clusters.readers
    )
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=dormant.pk) is None


def test_beat_schedules_are_stored_in_the_database(db):
    retrain = PeriodicTask.objects.get(task="recommender.retrain")
    refresh = PeriodicTask.objects.get(task="recommender.refresh_all_lists")

    assert (retrain.crontab.minute, retrain.crontab.hour, retrain.queue) == ("0", "3", "ml")
    assert (refresh.crontab.minute, refresh.crontab.hour) == ("0", "*")
    assert (json.loads(retrain.kwargs), retrain.enabled, refresh.enabled) == ({}, True, True)


def test_a_retrain_announces_each_stage_it_finished(mf_settings, clusters):
    # given: a listener, as the test worker app connects one to pause mid-training
    stages = []

    def listen(sender, stage, **kwargs):
        stages.append(stage)

    retrain_stage_done.connect(listen)
    try:
        # when
        result = retrain.apply().get()
    finally:
        retrain_stage_done.disconnect(listen)

    # then
    assert result["status"] == "active"
    assert stages == list(STAGES)


TRAININGS = {"retrain": tasks.retrain, "train_lm": tasks.train_lm}


def test_every_training_task_runs_once_per_task_id(monkeypatch):
    # given: trainings that only count their runs
    runs = []

    def train(**kwargs):
        runs.append(kwargs)
        return SimpleNamespace(pk=len(runs), status="active")

    monkeypatch.setattr(tasks, "model_version_train_lm", train)
    monkeypatch.setattr(tasks, "model_version_train_mf", train)
    first = {name: task.apply(task_id=f"{name}-once").get() for name, task in TRAININGS.items()}

    # when: the broker delivers the same messages again
    second = {name: task.apply(task_id=f"{name}-once").get() for name, task in TRAININGS.items()}

    # then
    assert len(runs) == 2
    assert second == {name: {**result, "duplicate": True} for name, result in first.items()}
