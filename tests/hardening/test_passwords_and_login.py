"""Passwords, login defence and session fixation, on the site, the admin and the API token
endpoint: per-address limits stop a brute force; a per-account back-off is short, bounded,
answered with 429 + Retry-After, and cannot keep the owner out (issue 10)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from recsite import login_throttle
from recsite.site_throttles import LOGIN_LOCKED_MESSAGE, TOO_FAST_MESSAGES
from tests.factories import TEST_PASSWORD

User = get_user_model()
WRONG = "not-the-password"
ATTACKER = "203.0.113.7"
ELSEWHERE = "198.51.100.20"
HOME = "192.0.2.44"
PROXY = "10.0.0.2"


class Clock:
    """Stands in for the time module in recsite.login_throttle, so a back-off can pass."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(login_throttle, "time", fake)
    return fake


@pytest.fixture
def low_limit(settings):
    settings.RECSITE_LOGIN_FAILURE_LIMIT = 3
    return 3


@pytest.fixture
def behind_proxy(settings):
    # The README's deployment: one TLS proxy; every request arrives from its address.
    settings.RECSITE_TRUSTED_PROXIES = 1


def _address(address, proxied):
    if proxied:
        return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": address}
    return {"REMOTE_ADDR": address}


def site_login(client, username, password, address=ATTACKER, proxied=False):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        **_address(address, proxied),
    )


def admin_login(client, username, password, address=ATTACKER):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def token_login(api_client, username, password, address=ATTACKER, proxied=False):
    return api_client.post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        **_address(address, proxied),
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


# --- per-account back-off -------------------------------------------------------------------


def test_site_login_backs_off_the_account_with_429_after_repeated_failures(
    client, reader, low_limit, clock
):
    # given: failures up to the limit
    statuses = [site_login(client, "alice", WRONG).status_code for _ in range(low_limit)]

    # when: the right password comes next, within the first back-off second
    response = site_login(client, "alice", TEST_PASSWORD)

    # then: refused with 429, the message and a short Retry-After; nothing logged in
    assert statuses == [200] * low_limit
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    assert str(LOGIN_LOCKED_MESSAGE) in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert login_throttle.login_wait(request=response.wsgi_request, username="ALICE") == 1

    # when: the second has passed
    clock.now += 1
    later = site_login(client, "alice", TEST_PASSWORD)

    # then
    assert later.status_code == 302
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_the_back_off_doubles_with_each_failure_and_is_bounded(
    client, reader, low_limit, clock, settings, throttle_rates
):
    # given: a cap of 8 s, and an address rate that does not interfere
    settings.RECSITE_LOGIN_BACKOFF_MAX_SECONDS = 8
    throttle_rates(auth="100/minute")
    for _ in range(low_limit - 1):
        site_login(client, "alice", WRONG)

    # when: each failure comes as soon as the previous back-off has passed
    waits = []
    for _ in range(6):
        site_login(client, "alice", WRONG)
        wait = int(site_login(client, "alice", WRONG)["Retry-After"])
        waits.append(wait)
        clock.now += wait

    # then
    assert waits == [1, 2, 4, 8, 8, 8]


def test_behind_the_proxy_an_attacker_cannot_keep_the_owner_out_of_a_known_address(
    client, reader, low_limit, clock, behind_proxy, throttle_rates
):
    # given: the owner logged in from home once; then a stranger fails many times (all through
    # the same proxy address)
    throttle_rates(auth="100/minute")
    site_login(client, "alice", TEST_PASSWORD, address=HOME, proxied=True)
    client.logout()
    attacker = [
        site_login(client, "alice", WRONG, address=ATTACKER, proxied=True).status_code
        for _ in range(10)
    ]

    # when
    response = site_login(client, "alice", TEST_PASSWORD, address=HOME, proxied=True)

    # then: the stranger is backed off; the owner is let in at once
    assert attacker == [200] * low_limit + [429] * (10 - low_limit)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_from_a_new_address_the_owner_waits_at_most_the_bounded_back_off(
    client, reader, low_limit, clock, behind_proxy, settings, throttle_rates
):
    # given: a stranger who has failed 12 times, waiting out every back-off
    throttle_rates(auth="100/minute")
    failures = 0
    for _ in range(30):  # bounded: 12 failures and the back-offs between them
        response = site_login(client, "alice", WRONG, address=ATTACKER, proxied=True)
        if response.status_code == 429:
            clock.now += int(response["Retry-After"])
        else:
            failures += 1
        if failures == 12:
            break

    # when: the owner, from an address never used before
    refused = site_login(client, "alice", TEST_PASSWORD, address=ELSEWHERE, proxied=True)
    clock.now += int(refused["Retry-After"])
    response = site_login(client, "alice", TEST_PASSWORD, address=ELSEWHERE, proxied=True)

    # then: no longer than the cap, never the failure window
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == settings.RECSITE_LOGIN_BACKOFF_MAX_SECONDS == 60
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


def test_token_endpoint_shares_the_back_off_with_a_json_429(api_client, reader, low_limit, clock):
    # given
    statuses = [token_login(api_client, "alice", WRONG).status_code for _ in range(low_limit)]

    # when
    backed_off = token_login(api_client, "alice", TEST_PASSWORD)
    clock.now += int(backed_off["Retry-After"])
    later = token_login(api_client, "alice", TEST_PASSWORD)

    # then
    assert statuses == [400] * low_limit
    assert backed_off.status_code == 429
    assert backed_off.json() == {
        "detail": "Too many failed logins for this account. Expected available in 1 second."
    }
    assert backed_off["Retry-After"] == "2"  # api_errors rounds DRF's wait up
    assert later.status_code == 200
    assert set(later.json()) == {"token"}


def test_failures_on_the_site_count_for_the_token_endpoint(client, api_client, reader, low_limit):
    # given
    for _ in range(low_limit):
        site_login(client, "alice", WRONG)

    # when
    response = token_login(api_client, "alice", TEST_PASSWORD)

    # then
    assert response.status_code == 429
    assert Token.objects.count() == 0


def test_the_admin_login_answers_the_back_off_with_429(client, editor, low_limit):
    # given
    for _ in range(low_limit):
        admin_login(client, "eve_editor", WRONG)

    # when
    response = admin_login(client, "eve_editor", TEST_PASSWORD)

    # then
    assert response.status_code == 429
    assert str(LOGIN_LOCKED_MESSAGE) in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- per-address limits ---------------------------------------------------------------------


def test_site_logins_from_one_address_are_limited_whatever_the_username(
    client, db, throttle_rates, behind_proxy
):
    # given
    throttle_rates(auth="5/minute")
    statuses = [
        site_login(client, f"user{i}", WRONG, address=ATTACKER, proxied=True).status_code
        for i in range(5)
    ]

    # when: a sixth username from the same address, and one from another address
    refused = site_login(client, "user5", WRONG, address=ATTACKER, proxied=True)
    other = site_login(client, "user5", WRONG, address=ELSEWHERE, proxied=True)

    # then: refused before any password check (nothing counted for user5 from it)
    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert str(TOO_FAST_MESSAGES["auth"]) in refused.content.decode()
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.status_code == 200
    assert cache.get(login_throttle._failures_key("user5")) == 1


def test_token_logins_from_one_address_are_limited_whatever_the_username(
    api_client, db, throttle_rates
):
    # given
    throttle_rates(auth="5/minute")
    statuses = [token_login(api_client, f"user{i}", WRONG).status_code for i in range(5)]

    # when
    refused = token_login(api_client, "user5", WRONG)

    # then
    assert statuses == [400] * 5
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Request was throttled.")
    assert cache.get(login_throttle._failures_key("user5")) is None


def test_admin_logins_and_signups_share_the_address_limit(client, db, throttle_rates):
    # given
    throttle_rates(auth="3/minute")
    statuses = [admin_login(client, f"user{i}", WRONG).status_code for i in range(3)]

    # when
    admin = admin_login(client, "user3", WRONG)
    signup = client.post(
        reverse("signup"),
        {"username": "carol", "password1": "a-long-passphrase", "password2": "a-long-passphrase"},
        REMOTE_ADDR=ATTACKER,
    )

    # then
    assert statuses == [200] * 3
    assert (admin.status_code, signup.status_code) == (429, 429)
    assert not User.objects.filter(username="carol").exists()


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
