"""Fixtures of the hardening tests: real Redis servers to stop, a real WSGI handler, and the rule
for tests that need PostgreSQL or Redis (skip locally, fail in CI where they must run)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from recommender.outbox import publish_pause_end
from recsite.celery import app as celery_app
from tests.factories import UserFactory

from .api_operations import World, world_build

SPARE_PORTS = range(6390, 6400)
ROOT = Path(__file__).resolve().parents[2]
LOCK_SECONDS = 3  # the workers' retrain lock timeout: short, so that its expiry is quick to see


def skip_or_fail(reason: str) -> None:
    """Skip locally; under CI (RECSITE_REQUIRE_SERVICES=1) a missing service is a failure."""
    if os.environ.get("RECSITE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (RECSITE_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def redis_only():
    if not os.environ.get("REDIS_URL"):
        skip_or_fail("needs Redis: set REDIS_URL=redis://...")


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_spare_port() -> int:
    for port in SPARE_PORTS:
        if _port_is_free(port):
            return port
    raise RuntimeError("no free port in 6390-6399")


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def redis_server_start(port: int, *options: str) -> RedisServer:
    """A redis-server on ``port`` that saves nothing unless asked (``options`` override, e.g.
    ``--dir`` and ``--dbfilename`` to load a dump written with SAVE before a restart)."""
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(port, process)
    deadline = time.monotonic() + 10
    while _port_is_free(port):
        if time.monotonic() > deadline or process.poll() is not None:
            server.stop()
            pytest.fail(f"redis-server did not start on port {port}")
        time.sleep(0.05)
    return server


@pytest.fixture
def redis_server():
    """A private, throw-away redis-server on a spare port; ``stop()`` it to simulate an outage."""
    if shutil.which("redis-server") is None:
        skip_or_fail("needs the redis-server program")
    server = redis_server_start(free_spare_port())
    yield server
    server.stop()


def celery_connections_reset() -> None:
    """After a change of broker or result backend URL: the app caches its connection and
    producer pools and its result backend, the outbox its last failed publish; start afresh."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._backend_cache = None
    celery_app._local.__dict__.pop("backend", None)
    publish_pause_end()


@pytest.fixture
def dead_broker():
    """Celery publishing for real (not eagerly) to a port where nothing listens."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_spare_port()}/0"
    celery_app.conf.task_always_eager = False
    celery_connections_reset()
    yield
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
    celery_connections_reset()


@pytest.fixture
def wsgi_app():
    """Django's real WSGI handler (what gunicorn runs), for tests that go below the test client."""
    return WSGIHandler()


@pytest.fixture
def wsgi_app_in_test_transaction(db, wsgi_app):
    """The WSGI handler inside the test's transaction: like Django's test client, it must not
    close the connection at the end of each request, which would end the transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield wsgi_app
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(reader, other_reader, editor, mf_settings) -> World:
    """Reader A's private data, reader B, an editor, a staff account without permissions, an
    article, a topic and a model version."""
    staff = UserFactory(username="sam_staff", is_staff=True)
    return world_build(reader=reader, other_reader=other_reader, editor=editor, staff=staff)


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


@dataclass
class Worker:
    process: subprocess.Popen
    log: Path


@pytest.fixture
def start_worker(postgres_only, redis_only, settings, tmp_path):
    """Starts real workers (solo pool) on a queue; returns a function
    ``start(queue, **environment) -> Worker``. The workers train tiny models, keep their retrain
    lock LOCK_SECONDS at a time and are killed at the end of the test."""
    processes = []

    def start(queue: str, **environment: str) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "recsite.settings.base",
            "DATABASE_URL": database_url(),
            "RECSITE_ARTIFACT_DIR": str(settings.RECSITE_ARTIFACT_DIR),
            "RECSITE_MF_FACTORS": "2",
            "RECSITE_MF_ITERATIONS": "10",
            "RECSITE_RETRAIN_LOCK_SECONDS": str(LOCK_SECONDS),
            **environment,
        }
        name = f"{queue}-{len(processes)}"
        log = tmp_path / f"{name}.log"
        with log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.hardening.worker_app", "worker"]
                + ["-Q", queue, "-c", "1", "--pool", "solo", "-l", "info", "-n", f"{name}@%h"]
                + ["--without-heartbeat", "--without-mingle", "--without-gossip"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so a kill reaches nothing else
            )
        processes.append(process)
        return Worker(process, log)

    yield start
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def throttle_rates(monkeypatch):
    """Set some throttle rates for one test: ``throttle_rates(search="2/minute")``. DRF binds
    the rates when the throttle classes are created, so the shared class attribute is what to
    change (every throttle of the project inherits it)."""
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return set_rates
