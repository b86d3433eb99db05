from django.conf import settings
from django.test import override_settings

from recsite.celery import app as celery_app
from tests.redis_cache import redis_caches

LIVE_URL = "/api/health/live"
READY_URL = "/api/health/ready"
# A Redis URL on a port nothing listens on: a real connection failure, not a mock.
CLOSED_REDIS = "redis://127.0.0.1:6390/0"


def test_live_is_ok_for_anonymous(api_client):
    response = api_client.get(LIVE_URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_cache_and_broker(api_client, db):
    response = api_client.get(READY_URL)

    assert response.status_code == 200
    # Without REDIS_URL there is no broker: tasks run eagerly in the web process.
    broker = "ok" if settings.REDIS_URL else "eager"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": broker},
    }


def test_ready_is_503_naming_a_broken_cache(api_client, db):
    broken_cache = redis_caches(CLOSED_REDIS)
    # A context manager, not the settings fixture: the cache must work again before the
    # autouse fixture clears it at teardown.
    with override_settings(CACHES=broken_cache):
        response = api_client.get(READY_URL)

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["cache"] == "down"
    assert response.json()["checks"]["database"] == "ok"


def test_ready_is_503_naming_an_unreachable_broker(api_client, db, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", CLOSED_REDIS)

    response = api_client.get(READY_URL)

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "down"}
