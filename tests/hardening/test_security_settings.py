"""Security settings and headers. That the production settings pass `check --deploy --fail-level
WARNING` is proved by tests/recsite/test_deploy.py; this module checks what every response and
environment carries."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def test_responses_carry_the_browser_security_headers(client, db):
    # when
    response = client.get("/")

    # then
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_session_and_csrf_cookies_are_not_readable_by_scripts_where_it_matters():
    assert settings.SESSION_COOKIE_HTTPONLY is True
    # The CSRF cookie is read by site.js to send the token with its fetches, so it is not
    # HttpOnly; it carries no secret beyond what the page already holds.
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"
    assert settings.CSRF_COOKIE_SAMESITE == "Lax"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefghijk", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
        ("qwertyuiop123", "This password is too common."),
    ],
)
def test_weak_passwords_are_rejected(password, message):
    with pytest.raises(ValidationError) as error:
        validate_password(password)
    assert message in error.value.messages


def test_a_twelve_character_uncommon_password_is_accepted():
    assert validate_password("vivid-otter9") is None


def test_a_dead_redis_degrades_the_cache_instead_of_failing_requests():
    # django_redis reads these when the Redis cache is built (tests/hardening/test_redis_down.py
    # shows the effect against a stopped server).
    assert settings.DJANGO_REDIS_IGNORE_EXCEPTIONS is True
    assert settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS is True
