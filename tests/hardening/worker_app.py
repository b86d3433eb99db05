"""The Celery app of the test workers (``celery -A tests.hardening.worker_app worker``): recsite's
own app, with two faults that tests switch on through the environment.

``HARDENING_DIE_BEFORE_ACK=1``: the worker SIGKILLs itself once a task has succeeded and its
result is stored, before the late acknowledgement (settings.CELERY_TASK_ACKS_LATE), so the
broker keeps the message as unacknowledged, as after a crash between the two.

``HARDENING_VISIBILITY_TIMEOUT=<seconds>``: the worker gives unacknowledged messages back to
their queue after that many seconds instead of the production two hours, and looks for them
every second, so a redelivery happens within a test.

``HARDENING_RETRAIN_STAGE_PAUSE_SECONDS=<seconds>``: the worker sleeps that long after each
stage of a retraining (recommender.signals.retrain_stage_done), so a test can kill it mid-way.
"""

import os
import signal
import time

from celery.signals import task_success

from recommender.signals import retrain_stage_done
from recsite.celery import app

if visibility_timeout := os.environ.get("HARDENING_VISIBILITY_TIMEOUT"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "visibility_timeout": float(visibility_timeout),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

if os.environ.get("HARDENING_DIE_BEFORE_ACK") == "1":

    @task_success.connect(weak=False)
    def _die(**kwargs):
        os.kill(os.getpid(), signal.SIGKILL)


if stage_pause := os.environ.get("HARDENING_RETRAIN_STAGE_PAUSE_SECONDS"):

    def _pause(**kwargs):
        time.sleep(float(stage_pause))

    retrain_stage_done.connect(_pause, weak=False)
