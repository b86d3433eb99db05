"""A Celery worker killed with SIGKILL in the middle of a retraining: the active model keeps
serving, nothing partial is activated, the retrain lock expires by itself, and the next
retraining succeeds. A task delivered twice does its work once: the realistic redelivery, with
late acknowledgements (settings.CELERY_TASK_ACKS_LATE), is that of a message whose worker died
after the work and before the acknowledgement."""

import os
import signal
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django_redis import get_redis_connection

from recommender.models import ModelVersion
from recommender.tasks import retrain
from recommender.training.mf import RETRAIN_LOCK_KEY, model_version_train_mf
from recsite.celery import app as celery_app

from .conftest import LOCK_SECONDS, Worker, wait_for


@pytest.fixture
def publish_for_real():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def queue() -> str:
    """A queue of the test's own, so that no other worker takes its messages."""
    return f"hardening-{uuid.uuid4().hex[:8]}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the worker must see the rows: they are committed
def test_a_worker_killed_mid_retrain_leaves_the_active_model_serving(
    start_worker, queue, publish_for_real, mf_version, clusters, client_for, settings
):
    # given: a retraining running on a worker that pauses after each stage
    process = start_worker(queue, HARDENING_RETRAIN_STAGE_PAUSE_SECONDS="60").process
    retrain.apply_async(queue=queue)
    killed = wait_for(
        lambda: ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).first(),
        timeout=60,
        what="the worker to start training",
    )
    wait_for(lambda: cache.get(RETRAIN_LOCK_KEY), timeout=10, what="the retrain lock")
    # the living holder keeps renewing its lock past the lock's own timeout
    time.sleep(LOCK_SECONDS + 1)
    assert cache.get(RETRAIN_LOCK_KEY) is not None

    # when: the worker is killed without a chance to clean up
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)

    # then: the active model still serves, and nothing of the killed training is active
    response = client_for(clusters.readers[0]).get("/api/recommendations/?n=5")
    assert response.json()["strategy"] == "personalized"
    assert response.json()["model_version"] == mf_version.pk
    active = ModelVersion.objects.get(kind=ModelVersion.Kind.MF, status=ModelVersion.Status.ACTIVE)
    assert active.pk == mf_version.pk
    killed.refresh_from_db()
    assert (killed.status, killed.artifact_path) == (ModelVersion.Status.TRAINING, "")
    artifacts = Path(settings.RECSITE_ARTIFACT_DIR) / "mf"
    assert [p.name for p in artifacts.iterdir() if not p.name.startswith(".tmp-")] == [
        Path(mf_version.artifact_path).name
    ]
    # the lock dies with its holder, within its short timeout
    wait_for(lambda: cache.get(RETRAIN_LOCK_KEY) is None, timeout=3 * LOCK_SECONDS, what="expiry")

    # when: the next retraining runs
    settings.RECSITE_ACTIVATION_TOLERANCE = 1.0  # tiny data: any valid model may take over
    version = model_version_train_mf()

    # then: it succeeds and is served; the killed row is marked as interrupted
    assert version.status == ModelVersion.Status.ACTIVE
    assert (artifacts.parent / version.artifact_path / "version.json").is_file()
    killed.refresh_from_db()
    assert killed.status == ModelVersion.Status.FAILED
    assert killed.error == "Interrupted: the training process stopped."
    response = client_for(clusters.readers[0]).get("/api/recommendations/?n=5")
    assert response.json()["model_version"] == version.pk


def stored_result(task_id: str):
    """What the result backend holds for ``task_id`` now (AsyncResult keeps the first outcome)."""
    return celery_app.backend.get_task_meta(task_id, cache=False)["result"]


def success_logged(worker: Worker, task_id: str) -> str | None:
    """The result the worker logged for the task (the backend keeps the first success only)."""
    prefix = f"Task recommender.retrain[{task_id}] succeeded in "
    lines = worker.log.read_text().splitlines()
    # "... succeeded in 0.004s: {'version': ...}"
    logged = (line.split(prefix, 1)[1] for line in lines if prefix in line)
    return next((after.split("s: ", 1)[1] for after in logged), None)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the workers must see the rows: they are committed
def test_a_retrain_redelivered_after_its_worker_died_before_acknowledging_trains_once(
    start_worker, queue, publish_for_real, mf_settings, clusters
):
    # given: a worker trained a version, stored the task's result and died before acknowledging
    broker = get_redis_connection()  # the broker is the Redis of the cache
    dying = start_worker(queue, HARDENING_DIE_BEFORE_ACK="1")
    task = retrain.apply_async(queue=queue)
    assert dying.process.wait(timeout=60) == -signal.SIGKILL
    first = stored_result(task.id)
    assert first["status"] == ModelVersion.Status.ACTIVE
    trained = list(ModelVersion.objects.order_by("pk").values_list("pk", "kind", "status"))
    assert broker.hlen("unacked") == 1  # the message waits for its visibility timeout

    # when: the next worker gives the message back to the queue and runs it again
    next_worker = start_worker(queue, HARDENING_VISIBILITY_TIMEOUT="1")
    second = wait_for(
        lambda: success_logged(next_worker, task.id), timeout=60, what="the second delivery"
    )

    # then: it reports the duplicate, is acknowledged and trained nothing
    assert second == repr({**first, "duplicate": True})
    assert stored_result(task.id) == first
    wait_for(lambda: broker.hlen("unacked") == 0, timeout=10, what="the acknowledgement")
    assert broker.llen(queue) == 0
    assert list(ModelVersion.objects.order_by("pk").values_list("pk", "kind", "status")) == trained
    assert ModelVersion.objects.filter(kind=ModelVersion.Kind.MF).count() == 1


def test_a_retrain_task_delivered_twice_trains_once(mf_settings, clusters):
    # given: one delivery of the task has finished (eagerly: the same check without services)
    first = retrain.apply(task_id="delivered-twice").get()

    # when: the broker delivers the same message again
    second = retrain.apply(task_id="delivered-twice").get()

    # then
    assert first["status"] == ModelVersion.Status.ACTIVE
    assert second == {**first, "duplicate": True}
    assert ModelVersion.objects.filter(kind=ModelVersion.Kind.MF).count() == 1
