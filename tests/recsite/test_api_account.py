import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.api.throttles import LoginThrottle
from articles.models import Interaction, SearchQuery
from tests.factories import TEST_PASSWORD, ArticleFactory, InteractionFactory, SearchQueryFactory

TOKEN_URL = "/api/auth/token/"
ME_URL = "/api/me/"
EXPORT_URL = "/api/me/export/"

User = get_user_model()


# --- token -----------------------------------------------------------------------------------


def test_token_flow(reader, api_client):
    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": TEST_PASSWORD}, format="json"
    )
    again = api_client.post(
        TOKEN_URL, {"username": "alice", "password": TEST_PASSWORD}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=reader).key == again.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["username"] == "alice"


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"username": "alice", "password": "wrong"},
            {"non_field_errors": ["Unable to log in with provided credentials."]},
        ),
        ({"username": "alice"}, {"password": ["This field is required."]}),
        ({"username": ["alice"], "password": 3}, {"username": ["Not a valid string."]}),
    ],
)
def test_bad_credentials_are_400_with_field_messages(payload, errors, reader, api_client):
    response = api_client.post(TOKEN_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Token.objects.count() == 0


def test_token_endpoint_is_throttled_with_retry_after(reader, api_client, monkeypatch):
    monkeypatch.setattr(LoginThrottle, "THROTTLE_RATES", {"auth": "1/minute"})
    api_client.post(TOKEN_URL, {"username": "alice", "password": "wrong"}, format="json")

    response = api_client.post(
        TOKEN_URL, {"username": "alice", "password": TEST_PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 61
    assert Token.objects.count() == 0


def test_an_unknown_token_is_401(reader):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.get(ME_URL)

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_session_auth_works_and_its_writes_need_csrf(reader):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password=TEST_PASSWORD)

    me = client.get(ME_URL)
    deleted = client.delete(ME_URL)

    assert me.status_code == 200
    assert deleted.status_code == 403
    assert "CSRF" in deleted.json()["detail"]
    assert User.objects.filter(username="alice").exists()


# --- export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ME_URL, EXPORT_URL])
def test_anonymous_has_no_account_endpoints(url, api_client, db):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_export_holds_only_the_callers_data(reader, other_reader, client_for):
    article = ArticleFactory(title="Complex networks")
    InteractionFactory(user=reader, article=article, event="like", dwell_seconds=12)
    InteractionFactory(user=other_reader, article=article, event="view")
    SearchQueryFactory(user=reader, text="networks", results_count=3)
    SearchQueryFactory(user=other_reader, text="secret")

    # What a browser sends: the download is JSON even then, never the browsable HTML page.
    response = client_for(reader).get(EXPORT_URL, HTTP_ACCEPT="text/html,*/*;q=0.8")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="recsite-data-alice.json"'
    data = json.loads(response.content)
    assert data["account"]["username"] == "alice"
    assert [
        (row["article_title"], row["event"], row["dwell_seconds"]) for row in data["interactions"]
    ] == [("Complex networks", "like", 12)]
    assert [(row["text"], row["results_count"]) for row in data["searches"]] == [("networks", 3)]


# --- deletion --------------------------------------------------------------------------------


def test_anonymous_cannot_delete_anything(reader, api_client):
    response = api_client.delete(ME_URL)

    assert response.status_code == 401
    assert User.objects.count() == 1


def test_delete_removes_the_account_and_its_behaviour_only(reader, other_reader, client_for):
    article = ArticleFactory()
    InteractionFactory(user=reader, article=article)
    SearchQueryFactory(user=reader)
    Token.objects.create(user=reader)
    kept_interaction = InteractionFactory(user=other_reader, article=article)
    kept_search = SearchQueryFactory(user=other_reader)

    response = client_for(reader).delete(ME_URL)

    assert response.status_code == 204
    assert list(User.objects.all()) == [other_reader]
    assert list(Interaction.objects.all()) == [kept_interaction]
    assert list(SearchQuery.objects.all()) == [kept_search]
    assert Token.objects.count() == 0


def test_a_deleted_accounts_token_stops_working(reader):
    token = Token.objects.create(user=reader)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    deleted = client.delete(ME_URL)
    after = client.get(ME_URL)

    assert (deleted.status_code, after.status_code) == (204, 401)
