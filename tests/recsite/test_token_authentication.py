"""API tokens with the account cached (recsite.authentication): no query once cached, and a
revoked token or a deactivated account is refused at once."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from recsite.authentication import CachedTokenAuthentication
from tests.factories import TEST_PASSWORD

URL = "/api/me/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def test_a_cached_account_authenticates_without_a_query(reader, django_assert_num_queries):
    # given
    key = Token.objects.create(user=reader).key
    CachedTokenAuthentication().authenticate_credentials(key)

    # when
    with django_assert_num_queries(0):
        user, auth = CachedTokenAuthentication().authenticate_credentials(key)

    # then
    assert (user.pk, user.username, user.is_active, auth) == (reader.pk, reader.username, True, key)


def test_a_deleted_token_is_refused_at_once(reader, django_capture_on_commit_callbacks):
    # given: the token's account is cached by a first request
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when
    with django_capture_on_commit_callbacks(execute=True):
        Token.objects.get(user=reader).delete()

    # then
    assert client.get(URL).status_code == 401


def test_a_deactivated_account_is_refused_at_once(reader, django_capture_on_commit_callbacks):
    # given
    client = token_client(reader)
    assert client.get(URL).status_code == 200

    # when
    with django_capture_on_commit_callbacks(execute=True):
        reader.is_active = False
        reader.save()

    # then
    assert client.get(URL).status_code == 401


def test_saving_a_cached_account_keeps_its_password(reader):
    # given: an account object built from the cache (its password is not cached)
    key = Token.objects.create(user=reader).key
    CachedTokenAuthentication().authenticate_credentials(key)
    cached, _ = CachedTokenAuthentication().authenticate_credentials(key)

    # when
    cached.first_name = "Ada"
    cached.save()

    # then: only the loaded fields were written
    reader.refresh_from_db()
    assert reader.first_name == "Ada"
    assert reader.check_password(TEST_PASSWORD)
