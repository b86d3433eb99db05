"""CSRF protection of every site form (every site route refuses a token-less POST) and of every
API write made with a browser session. Routes come from the URLconf and the OpenAPI schema, so
new ones are covered as they land."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from articles.models import Interaction
from recsite import site_urls
from tests.factories import ArticleFactory, TopicFactory

from .api_operations import OPERATIONS, url_of

User = get_user_model()
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Takes credentials in its body and never looks at a session, so a forged request gains nothing.
API_WITHOUT_SESSIONS = {"POST /api/auth/token/"}
CSRF_FAILED = "CSRF Failed:"

# URL kwargs of site routes that have some; a new route with parameters must be added here.
SITE_KWARGS = {
    "topic_detail": lambda objects: {"slug": objects["topic"].slug},
    "article_detail": lambda objects: {"slug": objects["article"].slug},
    "article_event": lambda objects: {"slug": objects["article"].slug, "event": "like"},
    "article_event_undo": lambda objects: {"slug": objects["article"].slug, "event": "like"},
    "topic_follow": lambda objects: {"slug": objects["topic"].slug},
    "topic_unfollow": lambda objects: {"slug": objects["topic"].slug},
    # The CSRF check runs before any lookup, so any id will do.
    "interest_restore": lambda objects: {"pk": 1},
    "explanation_feedback": lambda objects: {"pk": 1},
    "password_reset_confirm": lambda objects: {"uidb64": "MQ", "token": "set-password"},
}
SITE_ROUTES = [p.name for p in site_urls.urlpatterns if isinstance(p, URLPattern)] + ["admin:login"]


@pytest.fixture
def site_objects(db):
    topic = TopicFactory()
    return {"topic": topic, "article": ArticleFactory(topics=[topic])}


def test_every_site_route_is_listed():
    # Guards the walk below against routes without a name, which it could not reverse.
    assert len(SITE_ROUTES) == len(site_urls.urlpatterns) + 1
    assert None not in SITE_ROUTES


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "reader"])
@pytest.mark.parametrize("name", SITE_ROUTES)
def test_site_posts_without_a_csrf_token_are_forbidden(site_objects, reader, name, logged_in):
    # given
    client = Client(enforce_csrf_checks=True)
    if logged_in:
        client.force_login(reader)
    kwargs = SITE_KWARGS[name](site_objects) if name in SITE_KWARGS else {}
    users_before = User.objects.count()

    # when: a form is posted from another site (no token)
    response = client.post(
        reverse(name, kwargs=kwargs),
        {"username": "mallory", "password": "x", "password1": "x", "password2": "x"},
    )

    # then
    assert response.status_code == 403
    assert Interaction.objects.count() == 0
    assert User.objects.count() == users_before
    if logged_in:
        assert client.session["_auth_user_id"] == str(reader.pk)


def test_the_same_site_post_with_its_token_is_accepted(site_objects, reader):
    # given: the article page sets the CSRF cookie, and its form carries the token
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    article = site_objects["article"]
    client.get(reverse("article_detail", kwargs={"slug": article.slug}))
    token = client.cookies["csrftoken"].value

    # when
    response = client.post(
        reverse("article_event", kwargs={"slug": article.slug, "event": "like"}),
        {"csrfmiddlewaretoken": token},
    )

    # then
    assert response.status_code == 302
    assert Interaction.objects.filter(user=reader, event="like").count() == 1


WRITES = [
    (method, path)
    for method, path in OPERATIONS
    if method in WRITE_METHODS and f"{method} {path}" not in API_WITHOUT_SESSIONS
]


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[" ".join(op) for op in WRITES])
def test_session_authenticated_api_writes_need_the_csrf_token(world, method, path):
    # given: an editor's browser session (allowed to do everything) without a CSRF token
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["editor"])
    interactions_before = Interaction.objects.count()

    # when
    response = client.generic(
        method, url_of(world, path), data="{}", content_type="application/json"
    )

    # then
    assert response.status_code == 403
    assert response.json()["detail"].startswith(CSRF_FAILED)
    assert Interaction.objects.count() == interactions_before
    assert User.objects.filter(pk=world.users["editor"].pk).exists()


def test_token_authenticated_api_writes_need_no_csrf_token(world):
    # given: a client that is not a browser: no cookies, a token header
    client = APIClient(enforce_csrf_checks=True)
    token = Token.objects.create(user=world.users["reader_b"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when
    response = client.post(
        "/api/interactions/", {"article": world.article.pk, "event": "like"}, format="json"
    )

    # then
    assert response.status_code == 201
    assert Interaction.objects.filter(user=world.users["reader_b"], event="like").count() == 1


@pytest.mark.parametrize("operation", sorted(API_WITHOUT_SESSIONS))
def test_api_endpoints_exempt_from_csrf_ignore_the_session(world, operation):
    # given: reader A's session, no credentials in the body
    method, path = operation.split(" ")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["reader_a"])

    # when
    response = client.generic(method, path, data="{}", content_type="application/json")

    # then: the session did not authenticate anything
    assert response.status_code == 400
