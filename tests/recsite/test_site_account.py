"""Accounts on the reader site: sign up, log in / out, the "me" page, export and deletion."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from articles.models import Interaction, SearchQuery
from tests.factories import (
    TEST_PASSWORD,
    ArticleFactory,
    InteractionFactory,
    SearchQueryFactory,
)

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW_PASSWORD = "a-long-enough-passphrase"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_signup_creates_the_account_and_logs_in(client):
    # when a visitor signs up without an email
    response = client.post(
        reverse("signup"),
        {"username": "carol", "email": "", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    # then the account exists, they are logged in on the home page and welcomed
    carol = User.objects.get(username="carol")
    assert carol.email == ""
    assert carol.check_password(NEW_PASSWORD)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert response.context["user"] == carol
    assert messages_of(response) == ["Welcome, carol! Your account is ready."]


def test_signup_returns_to_a_local_next(client):
    # when a visitor signs up coming from an article
    response = client.post(
        reverse("signup"),
        {
            "username": "carol",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "next": "/articles/x/",
        },
    )
    # then they go back there
    assert response["Location"] == "/articles/x/"


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("short-pw", "short-pw", "This password is too short."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn’t match."),
        ("123456789012345", "123456789012345", "This password is entirely numeric."),
    ],
)
def test_signup_with_a_bad_password_fails_with_a_message(client, password1, password2, message):
    # when a visitor signs up with a password the validators reject
    response = client.post(
        reverse("signup"),
        {"username": "carol", "password1": password1, "password2": password2},
    )
    # then the form is shown again with the reason and no account is created
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="carol").exists()
    assert "_auth_user_id" not in client.session


def test_signup_with_a_taken_username_fails(client, reader):
    # when somebody signs up as an existing user
    response = client.post(
        reverse("signup"),
        {"username": "alice", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    # then it is refused and the existing account is untouched
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.filter(username="alice").count() == 1
    assert User.objects.get(username="alice").check_password(TEST_PASSWORD)


def test_login_and_logout(client, reader):
    # when the reader logs in
    login = client.post(
        reverse("login"), {"username": "alice", "password": TEST_PASSWORD}, follow=True
    )
    # then they are on the home page, logged in
    assert login.redirect_chain == [(reverse("home"), 302)]
    assert login.context["user"] == reader
    assert messages_of(login) == ["Welcome back, alice."]
    # and when they log out (a POST)
    logout = client.post(reverse("logout"), follow=True)
    # then they are anonymous on the home page
    assert logout.redirect_chain == [(reverse("home"), 302)]
    assert not logout.context["user"].is_authenticated
    assert messages_of(logout) == ["You are logged out."]


def test_login_with_a_wrong_password_fails(client, reader):
    # when the reader types a wrong password
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong-password"})
    # then the form is shown again with an error and nobody is logged in
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_by_get_is_refused(client, reader):
    # given a logged-in reader
    client.force_login(reader)
    # when a GET hits the logout URL (a link or an image on another page)
    response = client.get(reverse("logout"))
    # then it is refused and they stay logged in
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(reader.pk)


@pytest.mark.parametrize("name", ["me", "me_export", "me_delete"])
def test_account_pages_need_login(client, name):
    # when an anonymous visitor opens an account page
    response = client.get(reverse(name))
    # then they are sent to log in
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse(name)}"


def test_me_lists_reading_history_one_row_per_article_with_events_and_date(
    client, reader, other_reader
):
    # given the reader viewed and liked one article, dismissed another; another reader read a third
    graphs = ArticleFactory(title="Exploring complex networks")
    dull = ArticleFactory(title="A dull article")
    InteractionFactory(user=reader, article=graphs, event=Interaction.Event.VIEW)
    InteractionFactory(user=reader, article=graphs, event=Interaction.Event.LIKE)
    InteractionFactory(user=reader, article=dull, event=Interaction.Event.DISLIKE)
    InteractionFactory(user=other_reader, article=ArticleFactory(title="Bob's article"))
    client.force_login(reader)
    # when they open their page
    response = client.get(reverse("me"))
    # then it lists their positive behaviour one row per article, its events as they happened
    history = response.context["history"]
    assert [(article.title, [row.event for row in events]) for article, events in history] == [
        ("Exploring complex networks", ["view", "like"])
    ]
    html = response.content.decode()
    assert ">Like</span>" in html
    assert "A dull article" not in html
    assert "Bob&#x27;s article" not in html
    article, _ = history[0]
    assert f'datetime="{article.last_event_at.isoformat()}"' in html


def test_me_export_downloads_all_my_data_as_json(client, reader, other_reader):
    # given behaviour of the reader and of someone else
    article = ArticleFactory(title="Exploring complex networks")
    InteractionFactory(user=reader, article=article, event=Interaction.Event.BOOKMARK)
    SearchQueryFactory(user=reader, text="networks")
    SearchQueryFactory(user=other_reader, text="bob's search")
    client.force_login(reader)
    # when they download their data
    response = client.get(reverse("me_export"))
    # then it is a JSON attachment with exactly their account, interactions and searches
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="recsite-alice-data.json"'
    data = json.loads(response.content)
    assert data["account"]["username"] == "alice"
    assert [(i["article_title"], i["event"]) for i in data["interactions"]] == [
        ("Exploring complex networks", "bookmark")
    ]
    assert [s["text"] for s in data["searches"]] == ["networks"]


def test_delete_page_asks_for_the_password(client, reader):
    # given a logged-in reader
    client.force_login(reader)
    # when they open the delete page
    response = client.get(reverse("me_delete"))
    # then it asks for their password and the account still exists
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert User.objects.filter(pk=reader.pk).exists()


def test_deleting_the_account_removes_the_user_and_their_behaviour(client, reader, other_reader):
    # given behaviour of the reader and of another reader
    article = ArticleFactory()
    InteractionFactory.create_batch(2, user=reader, article=article)
    SearchQueryFactory(user=reader)
    InteractionFactory(user=other_reader, article=article)
    SearchQueryFactory(user=other_reader)
    client.force_login(reader)
    # when they confirm with their password
    response = client.post(reverse("me_delete"), {"password": TEST_PASSWORD}, follow=True)
    # then the account and its behaviour are gone, they are logged out on the home page
    assert list(User.objects.values_list("username", flat=True)) == ["bob"]
    assert Interaction.objects.filter(user_id=reader.pk).count() == 0
    assert SearchQuery.objects.filter(user_id=reader.pk).count() == 0
    assert list(Interaction.objects.values_list("user__username", flat=True)) == ["bob"]
    assert list(SearchQuery.objects.values_list("user__username", flat=True)) == ["bob"]
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert not response.context["user"].is_authenticated
    assert messages_of(response) == ["Your account and everything we stored about you are deleted."]


def test_deleting_with_a_wrong_password_deletes_nothing(client, reader):
    # given a reader with behaviour
    InteractionFactory(user=reader)
    SearchQueryFactory(user=reader)
    client.force_login(reader)
    # when they confirm with a wrong password
    response = client.post(reverse("me_delete"), {"password": "not-my-password"})
    # then the form says so and nothing is deleted
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=reader.pk).exists()
    assert Interaction.objects.filter(user=reader).count() == 1
    assert SearchQuery.objects.filter(user=reader).count() == 1
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_account_deletion_enforces_csrf(reader):
    # given a logged-in browser session without a CSRF token
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=TEST_PASSWORD)
    # when the deletion form is posted without the token
    response = client.post(reverse("me_delete"), {"password": TEST_PASSWORD})
    # then it is forbidden and the account remains
    assert response.status_code == 403
    assert User.objects.filter(pk=reader.pk).exists()


def test_signup_enforces_csrf():
    # given a client that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    # when the signup form is posted without the token
    response = client.post(
        reverse("signup"),
        {"username": "mallory", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    # then it is forbidden and nobody is created
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()
