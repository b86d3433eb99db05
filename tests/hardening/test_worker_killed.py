"""A Celery worker killed with SIGKILL in the middle of a retraining: the active model keeps
serving, nothing partial is activated, the retrain lock expires by itself, and the next
retraining succeeds. A task delivered twice does its work once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection

from recommender.models import ModelVersion
from recommender.services.training import RETRAIN_LOCK_KEY, model_version_train_mf
from recommender.tasks import retrain
from recsite.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 3  # the worker's retrain lock timeout: short, so that its expiry is quick to see


def database_url() -> str:
    """The test database (not the configured one), for the worker process."""
    s = connection.settings_dict
    credentials = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
    return f"postgres://{credentials}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def publish_for_real():
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def worker(postgres_only, redis_only, settings, tmp_path):
    """Starts a real worker (solo pool, a queue of its own) whose retraining pauses after each
    stage; yields (queue, process)."""
    queue = f"hardening-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "recsite.settings.base",
        "DATABASE_URL": database_url(),
        "RECSITE_ARTIFACT_DIR": str(settings.RECSITE_ARTIFACT_DIR),
        "RECSITE_MF_FACTORS": "2",
        "RECSITE_MF_ITERATIONS": "10",
        "RECSITE_RETRAIN_STAGE_PAUSE_SECONDS": "60",
        "RECSITE_RETRAIN_LOCK_SECONDS": str(LOCK_SECONDS),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "recsite", "worker", "-Q", queue, "-c", "1"]
        + ["--pool", "solo", "-l", "info", "-n", f"{queue}@%h"]
        + ["--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so the kill reaches nothing else
    )
    yield queue, process
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    log.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)  # the worker must see the rows: they are committed
def test_a_worker_killed_mid_retrain_leaves_the_active_model_serving(
    worker, publish_for_real, mf_version, clusters, client_for, settings
):
    # given: a retraining running on the worker, paused after its first stage
    queue, process = worker
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
    active = ModelVersion.objects.get(status=ModelVersion.Status.ACTIVE)
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


def test_a_retrain_task_delivered_twice_trains_once(mf_settings, clusters):
    # given: one delivery of the task has finished
    first = retrain.apply(task_id="delivered-twice").get()

    # when: the broker delivers the same message again
    second = retrain.apply(task_id="delivered-twice").get()

    # then
    assert first["status"] == ModelVersion.Status.ACTIVE
    assert second == {**first, "duplicate": True}
    assert ModelVersion.objects.filter(kind=ModelVersion.Kind.MF).count() == 1
