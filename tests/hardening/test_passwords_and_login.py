"""Passwords, login throttling and session fixation, on the site and the API token endpoint."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.urls import reverse

from recsite import login_throttle
from recsite.views import LOGIN_LOCKED_MESSAGE
from tests.factories import TEST_PASSWORD

User = get_user_model()
WRONG = "not-the-password"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"


@pytest.fixture
def low_limit(settings):
    settings.RECSITE_LOGIN_FAILURE_LIMIT = 3
    return 3


def site_login(client, username, password, address=ATTACKER):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def token_login(api_client, username, password, address=ATTACKER):
    return api_client.post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefghijk", "This password is too short. It must contain at least 12 characters."),
        ("password1234", "This password is too common."),
    ],
)
def test_signup_rejects_short_and_common_passwords(client, db, password, message):
    # when
    response = client.post(
        reverse("signup"), {"username": "carol", "password1": password, "password2": password}
    )

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_site_login_is_locked_for_the_username_and_address_after_repeated_failures(
    client, reader, low_limit
):
    # given: failures up to the limit
    statuses = [site_login(client, "alice", WRONG).status_code for _ in range(low_limit)]

    # when: the right password comes next from the same address
    response = site_login(client, "alice", TEST_PASSWORD)

    # then: refused with 429 and a message; the count is in the shared cache
    assert statuses == [200] * (low_limit - 1) + [429]
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.RECSITE_LOGIN_FAILURE_WINDOW_SECONDS)
    assert LOGIN_LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert cache.get(login_throttle._key(response.wsgi_request, "alice")) == low_limit
    assert login_throttle.login_locked(request=response.wsgi_request, username="ALICE")


def test_a_locked_pair_does_not_lock_the_reader_out_from_elsewhere(client, reader, low_limit):
    # given
    for _ in range(low_limit):
        site_login(client, "alice", WRONG)

    # when
    response = site_login(client, "alice", TEST_PASSWORD, address=ELSEWHERE)

    # then
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_a_successful_login_resets_the_failure_count(client, reader, low_limit):
    # given
    for _ in range(low_limit - 1):
        site_login(client, "alice", WRONG)
    site_login(client, "alice", TEST_PASSWORD)
    client.logout()

    # when: as many failures again, less one
    for _ in range(low_limit - 1):
        site_login(client, "alice", WRONG)
    response = site_login(client, "alice", TEST_PASSWORD)

    # then
    assert response.status_code == 302


def test_token_endpoint_shares_the_lock(api_client, reader, low_limit):
    # given
    statuses = [token_login(api_client, "alice", WRONG).status_code for _ in range(low_limit)]

    # when
    locked = token_login(api_client, "alice", TEST_PASSWORD)
    elsewhere = token_login(api_client, "alice", TEST_PASSWORD, address=ELSEWHERE)

    # then
    assert statuses == [400] * low_limit
    assert locked.status_code == 400
    assert locked.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert elsewhere.status_code == 200
    assert set(elsewhere.json()) == {"token"}


def test_failures_on_the_site_count_for_the_token_endpoint(client, api_client, reader, low_limit):
    # given
    for _ in range(low_limit):
        site_login(client, "alice", WRONG)

    # when
    response = token_login(api_client, "alice", TEST_PASSWORD)

    # then
    assert response.status_code == 400


def test_login_gives_a_new_session_key(client, reader):
    # given: an anonymous session already exists (e.g. planted by an attacker)
    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key

    # when
    response = site_login(client, "alice", TEST_PASSWORD)

    # then
    assert response.status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    assert not SessionStore().exists(planted.session_key)
    assert SessionStore(session_key=new_key)["_auth_user_id"] == str(reader.pk)
