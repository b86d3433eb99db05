"""API tokens with a life (recsite.authentication): one query per request, expiry, a fresh token
after expiry, and revocation that no cache race, bulk update or password change can outlive."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recsite.authentication import EXPIRED_MESSAGE, ExpiringTokenAuthentication
from tests.factories import TEST_PASSWORD

URL = "/api/me/"
TOKEN_URL = "/api/auth/token/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def age_token(user, days: int) -> None:
    Token.objects.filter(user=user).update(created=timezone.now() - timedelta(days=days))


def test_a_token_and_its_account_are_read_in_one_query(reader, django_assert_num_queries):
    # given
    key = Token.objects.create(user=reader).key

    # when
    with django_assert_num_queries(1):
        user, auth = ExpiringTokenAuthentication().authenticate_credentials(key)

    # then
    assert (user.pk, user.username, user.is_active, user.date_joined, auth) == (
        reader.pk,
        reader.username,
        True,
        reader.date_joined,
        key,
    )


def test_an_unknown_token_is_refused(reader):
    # given
    Token.objects.create(user=reader)

    # when
    response = APIClient().get(URL, HTTP_AUTHORIZATION="Token " + "0" * 40)

    # then
    assert (response.status_code, response.json()["detail"]) == (401, "Invalid token.")


def test_a_deleted_token_is_refused_at_once(reader):
    # given
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when
    Token.objects.filter(user=reader).delete()

    # then
    assert client.get(URL).status_code == 401


def test_a_deactivated_account_is_refused_at_once(reader):
    # given
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when
    reader.is_active = False
    reader.save()

    # then
    response = client.get(URL)
    assert (response.status_code, response.json()["detail"]) == (401, "User inactive or deleted.")


def test_an_account_deactivated_by_a_bulk_update_is_refused_at_once(reader):
    # given: an update sends no signal, so nothing can forget a cached account
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when
    get_user_model().objects.filter(pk=reader.pk).update(is_active=False)

    # then
    assert client.get(URL).status_code == 401


def test_a_deactivation_committing_while_a_request_reads_the_account_is_not_outlived(
    reader, django_capture_on_commit_callbacks
):
    # given: the deactivation commits right after a request read the (still active) account,
    # before that request could store what it read anywhere
    client = token_client(reader)
    deactivated = []

    def deactivate_after_the_token_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "authtoken_token" in sql and not deactivated:
            deactivated.append(True)
            with django_capture_on_commit_callbacks(execute=True):
                reader.is_active = False
                reader.save()
        return result

    with connection.execute_wrapper(deactivate_after_the_token_read):
        in_flight = client.get(URL)

    # when
    response = client.get(URL)

    # then: the request in flight was served; the next one is refused
    assert (deactivated, in_flight.status_code, response.status_code) == ([True], 200, 401)


def test_an_expired_token_is_refused_with_a_clear_message(reader, settings):
    # given
    settings.RECSITE_TOKEN_TTL_DAYS = 30
    client = token_client(reader)
    age_token(reader, days=31)

    # when
    response = client.get(URL)

    # then
    assert (response.status_code, response.json()["detail"]) == (401, EXPIRED_MESSAGE)
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_younger_than_its_lifetime_works(reader, settings):
    # given
    settings.RECSITE_TOKEN_TTL_DAYS = 30
    client = token_client(reader)
    age_token(reader, days=29)

    # when
    response = client.get(URL)

    # then
    assert response.status_code == 200


def test_the_token_endpoint_returns_the_live_token_again(reader):
    # given
    key = Token.objects.create(user=reader).key

    # when
    response = APIClient().post(
        TOKEN_URL, {"username": reader.username, "password": TEST_PASSWORD}, format="json"
    )

    # then
    assert (response.status_code, response.json()) == (200, {"token": key})
    assert list(Token.objects.filter(user=reader).values_list("key", flat=True)) == [key]


def test_the_token_endpoint_replaces_an_expired_token(reader, settings):
    # given
    settings.RECSITE_TOKEN_TTL_DAYS = 30
    old_key = Token.objects.create(user=reader).key
    age_token(reader, days=31)

    # when
    response = APIClient().post(
        TOKEN_URL, {"username": reader.username, "password": TEST_PASSWORD}, format="json"
    )

    # then: a different, working token; the old one is gone
    new_key = response.json()["token"]
    assert response.status_code == 200
    assert new_key != old_key
    assert list(Token.objects.filter(user=reader).values_list("key", flat=True)) == [new_key]
    assert APIClient().get(URL, HTTP_AUTHORIZATION=f"Token {new_key}").status_code == 200


def test_a_password_change_anywhere_revokes_the_accounts_token(reader):
    # given
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when: set_password() and save(), as a shell or a script would
    reader.set_password("a-brand-new-password-1")
    reader.save()

    # then
    assert client.get(URL).status_code == 401
    assert Token.objects.filter(user=reader).exists() is False


def test_saving_an_account_without_a_new_password_keeps_its_token(reader):
    # given
    key = Token.objects.create(user=reader).key

    # when: a login stamps last_login; a profile edit saves every field
    reader.last_login = timezone.now()
    reader.save(update_fields=["last_login"])
    reader.first_name = "Ada"
    reader.save()

    # then
    assert list(Token.objects.filter(user=reader).values_list("key", flat=True)) == [key]


def test_saving_an_authenticated_account_keeps_its_password(reader):
    # given
    key = Token.objects.create(user=reader).key
    user, _ = ExpiringTokenAuthentication().authenticate_credentials(key)

    # when
    user.first_name = "Ada"
    user.save()

    # then
    reader.refresh_from_db()
    assert (reader.first_name, reader.check_password(TEST_PASSWORD)) == ("Ada", True)
    assert Token.objects.filter(key=key).exists() is True
