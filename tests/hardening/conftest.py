"""Fixtures of the hardening tests: real Redis servers to stop, a real WSGI handler, and the rule
for tests that need PostgreSQL or Redis (skip locally, fail in CI where they must run)."""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection

from .api_operations import World, world_build

SPARE_PORTS = range(6390, 6400)


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


@pytest.fixture
def redis_server():
    """A private, throw-away redis-server on a spare port; ``stop()`` it to simulate an outage."""
    if shutil.which("redis-server") is None:
        skip_or_fail("needs the redis-server program")
    port = free_spare_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
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
    yield server
    server.stop()


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
    """Reader A's private data, reader B, an editor, an article, a topic and a model version."""
    return world_build(reader=reader, other_reader=other_reader, editor=editor)


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
