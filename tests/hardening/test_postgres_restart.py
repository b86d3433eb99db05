"""PostgreSQL dropping every connection (a restart, a failover) while the site runs: the next
request reconnects instead of failing (CONN_HEALTH_CHECKS). The shared server is not restarted:
a second connection terminates this database's backends, which is what a restart does to them."""

from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.db import connection

from tests.factories import ArticleFactory


def wsgi_get(app, path: str) -> tuple[int, bytes]:
    environ = {"PATH_INFO": path, "HTTP_HOST": "testserver", "SERVER_NAME": "testserver"}
    setup_testing_defaults(environ)
    status = []
    result = app(environ, lambda line, headers, exc_info=None: status.append(int(line[:3])))
    try:
        body = b"".join(result)
    finally:
        result.close()  # ends the request: Django checks its connections here, as under gunicorn
    return status[0], body


def terminate_backends_of_this_database() -> int:
    settings_dict = connection.settings_dict
    with psycopg.connect(
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        dbname=settings_dict["NAME"],
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (terminated,) in rows if terminated)


@pytest.mark.django_db(transaction=True)  # requests commit and end like in production
def test_requests_succeed_after_postgres_dropped_every_connection(postgres_only, wsgi_app):
    # given: the site served a request and kept its connection open (CONN_MAX_AGE)
    ArticleFactory(title="Still here")
    first_status, _ = wsgi_get(wsgi_app, "/api/articles/")
    backend_pid = connection.connection.info.backend_pid

    # when: the server drops it
    terminated = terminate_backends_of_this_database()

    # then: the next request reconnects and answers
    status, body = wsgi_get(wsgi_app, "/api/articles/")
    assert first_status == 200
    assert terminated >= 1
    assert status == 200
    assert b"Still here" in body
    assert connection.connection.info.backend_pid != backend_pid
