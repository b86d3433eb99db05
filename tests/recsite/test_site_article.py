"""The article page: what opening it records, and the Like / Save / Not interested buttons."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article, Interaction
from tests.factories import TEST_PASSWORD, ArticleFactory, InteractionFactory, TopicFactory

pytestmark = pytest.mark.django_db

BUTTON_EVENTS = ["like", "bookmark", "dislike"]


@pytest.fixture
def article():
    return ArticleFactory(title="Exploring complex networks", slug="complex-networks")


def event_url(article, event):
    return reverse("article_event", kwargs={"slug": article.slug, "event": event})


def recorded(user=None):
    rows = Interaction.objects.order_by("id")
    if user is not None:
        rows = rows.filter(user=user)
    return list(rows.values_list("user__username", "article__slug", "event", "source"))


def test_anonymous_visitor_reads_an_article_and_nothing_is_recorded(client, article):
    # when an anonymous visitor opens the article
    response = client.get(article.get_absolute_url())
    # then it renders, and the buttons send them to log in (no enhancement marker)
    assert response.status_code == 200
    assert b"Exploring complex networks" in response.content
    assert b"data-event-form" not in response.content
    assert recorded() == []


def test_opening_an_article_records_exactly_one_view(client, reader, article):
    # given a logged-in reader
    client.force_login(reader)
    # when they open the article
    response = client.get(article.get_absolute_url())
    # then exactly one web view is recorded
    assert response.status_code == 200
    assert recorded() == [("alice", "complex-networks", "view", "web")]


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.ARCHIVED])
def test_unpublished_articles_are_404_for_readers(client, reader, status):
    # given an unpublished article
    hidden = ArticleFactory(status=status)
    client.force_login(reader)
    # when a reader opens it
    response = client.get(hidden.get_absolute_url())
    # then it is not found and nothing is recorded
    assert response.status_code == 404
    assert recorded() == []


def test_unknown_article_is_404(client):
    # when an article that does not exist is opened
    response = client.get(reverse("article_detail", kwargs={"slug": "nope"}))
    # then the site's 404 page is shown
    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content


def test_editors_preview_drafts_without_recording_behaviour(client, editor):
    # given a draft
    draft = ArticleFactory(title="Work in progress", status=Article.Status.DRAFT)
    client.force_login(editor)
    # when an editor opens it
    response = client.get(draft.get_absolute_url())
    # then they see it marked as a draft, without buttons, and no view is recorded
    assert response.status_code == 200
    assert b"only editors can see this" in response.content
    assert b'class="actions"' not in response.content
    assert recorded() == []


def test_article_page_shows_more_from_its_first_topic(client):
    # given three published articles and a draft in one topic
    topic = TopicFactory(name="Networks")
    main = ArticleFactory(title="Main piece", topics=[topic])
    ArticleFactory(title="Sibling one", topics=[topic])
    ArticleFactory(title="Sibling two", topics=[topic])
    ArticleFactory(title="Draft sibling", topics=[topic], status=Article.Status.DRAFT)
    # when the main article is opened
    response = client.get(main.get_absolute_url())
    # then the other published articles of the topic are suggested
    assert {a.title for a in response.context["more_in_topic"]} == {"Sibling one", "Sibling two"}


@pytest.mark.parametrize("event", BUTTON_EVENTS)
def test_button_records_the_event_and_redirects_back(client, reader, article, event):
    # given a logged-in reader
    client.force_login(reader)
    # when they press the button (a plain form post)
    response = client.post(event_url(article, event), {"next": article.get_absolute_url()})
    # then the event is recorded and they are back on the article with feedback
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    assert recorded() == [("alice", "complex-networks", event, "web")]
    page = client.get(response["Location"])
    assert len(list(page.context["messages"])) == 1


@pytest.mark.parametrize("event", BUTTON_EVENTS)
def test_button_answers_json_to_the_script(client, reader, article, event):
    # given a logged-in reader
    client.force_login(reader)
    # when site.js posts the form asking for JSON
    response = client.post(event_url(article, event), headers={"accept": "application/json"})
    # then it gets JSON and the event is recorded
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["event"] == event
    assert response.json()["recorded"] is True
    assert recorded() == [("alice", "complex-networks", event, "web")]


def test_pressing_a_button_twice_records_it_once(client, reader, article):
    # given a reader who already liked the article
    client.force_login(reader)
    client.post(event_url(article, "like"))
    # when they press like again
    response = client.post(event_url(article, "like"), headers={"accept": "application/json"})
    # then nothing more is recorded
    assert response.json()["recorded"] is False
    assert recorded() == [("alice", "complex-networks", "like", "web")]


def test_pressed_buttons_are_shown_pressed(client, reader, article):
    # given a reader who bookmarked the article (elsewhere, e.g. through the API)
    InteractionFactory(user=reader, article=article, event=Interaction.Event.BOOKMARK)
    client.force_login(reader)
    # when they open it
    response = client.get(article.get_absolute_url())
    # then save is pressed and like is not
    html = response.content.decode()
    assert 'class="action action-bookmark" aria-pressed="true" disabled>Saved<' in html
    assert 'class="action action-like" aria-pressed="false"' in html


@pytest.mark.parametrize("event", BUTTON_EVENTS)
def test_anonymous_button_press_redirects_to_login_and_records_nothing(client, article, event):
    # when an anonymous visitor presses a button
    response = client.post(event_url(article, event))
    # then they are sent to log in, coming back to the article, and nothing is recorded
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/articles/complex-networks/"
    assert recorded() == []


@pytest.mark.parametrize("event", ["view", "read", "share", "rating", "delete"])
def test_other_events_are_not_buttons(client, reader, article, event):
    # given a logged-in reader
    client.force_login(reader)
    # when they post an event that is not a button
    response = client.post(event_url(article, event))
    # then it is not found and nothing is recorded
    assert response.status_code == 404
    assert recorded() == []


def test_buttons_only_accept_post(client, reader, article):
    # given a logged-in reader
    client.force_login(reader)
    # when the action URL is fetched with GET
    response = client.get(event_url(article, "like"))
    # then it is refused and nothing is recorded
    assert response.status_code == 405
    assert recorded() == []


def test_buttons_on_a_draft_are_404_even_for_editors(client, editor):
    # given a draft
    draft = ArticleFactory(status=Article.Status.DRAFT)
    client.force_login(editor)
    # when an editor presses like on it
    response = client.post(event_url(draft, "like"))
    # then it is not found and nothing is recorded
    assert response.status_code == 404
    assert recorded() == []


def test_an_offsite_next_is_ignored(client, reader, article):
    # given a logged-in reader
    client.force_login(reader)
    # when the form carries a next pointing to another site
    response = client.post(event_url(article, "like"), {"next": "https://evil.example/"})
    # then they are redirected to the article instead
    assert response["Location"] == article.get_absolute_url()


def test_csrf_is_enforced_on_buttons(reader, article):
    # given a browser session without a CSRF token
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=TEST_PASSWORD)
    # when a button is posted without the token
    response = client.post(event_url(article, "like"), headers={"accept": "application/json"})
    # then it is forbidden and nothing is recorded
    assert response.status_code == 403
    assert recorded() == []


def test_csrf_token_from_the_page_is_accepted(reader, article):
    # given a session that opened the article page (which sets the CSRF cookie)
    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password=TEST_PASSWORD)
    client.get(article.get_absolute_url())
    token = client.cookies["csrftoken"].value
    # when the script posts with the X-CSRFToken header
    response = client.post(
        event_url(article, "like"), headers={"accept": "application/json", "x-csrftoken": token}
    )
    # then the like is recorded next to the view
    assert response.status_code == 200
    assert [row[2] for row in recorded()] == ["view", "like"]
