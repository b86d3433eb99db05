"""Unhandled errors: one JSON log line with the request path and the traceback
(RECSITE_LOG_FORMAT=json), and a report to the error tracker when SENTRY_DSN is set (a local HTTP
server stands for the tracker: the SDK's real transport sends to it)."""

import gzip
import io
import json
import logging.config
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from recsite import views
from recsite.observability import logging_config, sentry_init


class Broken(RuntimeError):
    pass


@pytest.fixture
def broken_trending_page(monkeypatch):
    """/trending/ fails with an error no view handles."""

    def fail():
        raise Broken("the trending query failed")

    monkeypatch.setattr(views.selectors, "articles_trending", fail)
    return "/trending/"


@pytest.fixture
def json_logs(settings):
    """The settings' logging as RECSITE_LOG_FORMAT=json builds it; what it writes."""
    logging.config.dictConfig(logging_config(log_format="json", level="INFO"))
    written = io.StringIO()
    (console,) = logging.getLogger().handlers
    console.setStream(written)
    yield written
    logging.config.dictConfig(settings.LOGGING)


def test_an_unhandled_error_is_one_json_line_with_the_path_and_traceback(
    db, json_logs, broken_trending_page
):
    # when
    response = Client(raise_request_exception=False).get(broken_trending_page)

    # then
    assert response.status_code == 500
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    (error,) = [line for line in lines if line["level"] == "ERROR"]
    assert error["logger"] == "django.request"
    assert (error["method"], error["path"], error["status_code"]) == ("GET", "/trending/", 500)
    assert error["exception"] == "Broken"
    assert error["traceback"].startswith("Traceback (most recent call last):")
    assert "the trending query failed" in error["traceback"]


def test_an_unknown_log_format_is_refused():
    with pytest.raises(ValueError, match="RECSITE_LOG_FORMAT"):
        logging_config(log_format="xml", level="INFO")


class _Tracker(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def tracker():
    """A tiny error tracker on 127.0.0.1 that records the envelopes it receives."""
    _Tracker.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tracker)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.get_client().close()
    server.shutdown()


def test_with_a_dsn_an_unhandled_error_reaches_the_tracker_without_personal_data(
    reader, tracker, broken_trending_page
):
    # given: the SDK initialised as the settings do when SENTRY_DSN is set
    port = tracker.server_address[1]
    sentry_init(
        dsn=f"http://public@127.0.0.1:{port}/1",
        environment="test",
        release="recsite@test",
        traces_rate=0.0,
    )
    client = Client(raise_request_exception=False)
    client.force_login(reader)

    # when
    response = client.get(broken_trending_page)
    sentry_sdk.flush(timeout=5)

    # then
    assert response.status_code == 500
    items = [
        json.loads(line)
        for envelope in _Tracker.received
        for line in envelope.splitlines()
        if line.startswith(b"{")
    ]
    (event,) = [item for item in items if item.get("exception")]
    (error,) = [value for value in event["exception"]["values"] if value["type"] == "Broken"]
    assert error["mechanism"] == {"type": "django", "handled": False}
    assert event["transaction"] == "/trending/"
    assert (event["environment"], event["release"]) == ("test", "recsite@test")
    assert "user" not in event
    assert "cookies" not in event["request"]
    assert b"alice" not in b"".join(_Tracker.received)
