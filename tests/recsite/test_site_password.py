"""Readers' password pages: change (signed in), reset by email (signed out), each revoking the
account's API token; and the reset requests' limit per address and per email."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recsite.account_views import RESET_LIMITED_MESSAGE
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-enough-passphrase"
LINK = re.compile(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)")


def token_works(key: str) -> bool:
    return APIClient().get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def logs_in(username: str, password: str) -> bool:
    return Client().login(username=username, password=password)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def request_reset(client, email: str, address: str = "127.0.0.1"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_the_me_page_links_to_the_password_change(client, reader):
    # given
    client.force_login(reader)

    # when
    response = client.get(reverse("me"))

    # then
    assert f'href="{reverse("password_change")}"' in response.content.decode()


def test_the_login_page_links_to_the_password_reset(client):
    # when
    response = client.get(reverse("login"))

    # then
    assert f'<a href="{reverse("password_reset")}">Forgot your password?</a>' in (
        response.content.decode()
    )


def test_the_password_change_page_needs_a_login(client):
    # when
    response = client.get(reverse("password_change"))

    # then
    assert response["Location"] == f"{reverse('login')}?next={reverse('password_change')}"


def test_changing_the_password_keeps_this_session_and_revokes_the_token(client, reader):
    # given
    key = Token.objects.create(user=reader).key
    client.force_login(reader)

    # when
    response = client.post(
        reverse("password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    # then
    assert response.redirect_chain == [(reverse("me"), 302)]
    assert response.context["user"] == reader
    assert messages_of(response) == [
        "Your password is changed. Your other sessions and your API token no longer work."
    ]
    assert (logs_in("alice", NEW_PASSWORD), logs_in("alice", TEST_PASSWORD)) == (True, False)
    assert token_works(key) is False


def test_a_wrong_old_password_changes_nothing(client, reader):
    # given
    key = Token.objects.create(user=reader).key
    client.force_login(reader)

    # when
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-my-password", "new_password1": NEW_PASSWORD},
    )

    # then
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"] == [
        "Your old password was entered incorrectly. Please enter it again."
    ]
    assert (logs_in("alice", TEST_PASSWORD), token_works(key)) == (True, True)


def test_a_reset_by_email_sets_a_new_password_and_revokes_the_token(client, reader):
    # given
    key = Token.objects.create(user=reader).key

    # when: the reader asks, opens the emailed link and chooses a new password
    asked = request_reset(client, "ALICE@example.com")
    [email] = mail.outbox
    opened = client.get(LINK.search(email.body).group(1), follow=True)
    chosen = client.post(
        opened.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # then
    assert asked["Location"] == reverse("password_reset_done")
    assert (email.to, email.subject) == (["alice@example.com"], "Reset your recsite password")
    assert opened.context["validlink"] is True
    assert chosen["Location"] == reverse("password_reset_complete")
    assert (logs_in("alice", NEW_PASSWORD), logs_in("alice", TEST_PASSWORD)) == (True, False)
    assert token_works(key) is False


def test_a_reset_link_works_once(client, reader):
    # given: a link already used
    request_reset(client, reader.email)
    opened = client.get(LINK.search(mail.outbox[0].body).group(1), follow=True)
    client.post(
        opened.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # when
    again = Client().get(LINK.search(mail.outbox[0].body).group(1), follow=True)

    # then
    assert again.context["validlink"] is False
    assert "This link no longer works" in again.content.decode()
    assert logs_in("alice", NEW_PASSWORD) is True


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, reader):
    # when
    response = request_reset(client, "nobody@example.com")

    # then: no hint that the address has no account
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_reset_requests_from_one_address_are_limited(client, settings):
    # given: the address used up its requests, for several accounts
    settings.RECSITE_PASSWORD_RESET_ADDRESS_LIMIT = 2
    users = [UserFactory(username=f"reader_{n}") for n in range(3)]
    for user in users[:2]:
        assert request_reset(client, user.email, "203.0.113.9").status_code == 302

    # when
    response = request_reset(client, users[2].email, "203.0.113.9")
    other_address = request_reset(client, users[2].email, "198.51.100.7")

    # then: refused with no email; another address is not affected
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.RECSITE_PASSWORD_RESET_WINDOW_SECONDS)
    assert response.context["form"].non_field_errors() == [RESET_LIMITED_MESSAGE]
    assert other_address.status_code == 302
    assert [email.to for email in mail.outbox] == [[u.email] for u in users]


def test_reset_requests_for_one_email_are_limited_from_any_address(client, reader, settings):
    # given
    settings.RECSITE_PASSWORD_RESET_LIMIT = 2
    for address in ("203.0.113.1", "203.0.113.2"):
        assert request_reset(client, reader.email, address).status_code == 302

    # when
    response = request_reset(client, reader.email.upper(), "203.0.113.3")

    # then
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_a_password_change_in_the_admin_revokes_the_token(client, reader):
    # given
    key = Token.objects.create(user=reader).key
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    # when
    response = client.post(
        reverse("admin:auth_user_password_change", args=[reader.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    # then
    assert response.status_code == 302
    assert (logs_in("alice", NEW_PASSWORD), token_works(key)) == (True, False)
