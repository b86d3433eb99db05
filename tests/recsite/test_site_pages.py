"""Browsing pages of the reader site: home, latest, trending, topics, search, 404s."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Interaction, SearchQuery
from tests.factories import ArticleFactory, InteractionFactory, TopicFactory

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["home", "latest", "trending", "topic_list", "search", "login", "signup"]


@pytest.fixture
def catalogue():
    """Two topics, three published articles, a draft and an archived article."""
    networks = TopicFactory(name="Networks", slug="networks")
    biology = TopicFactory(name="Biology", slug="biology")
    return {
        "networks": networks,
        "biology": biology,
        "graphs": ArticleFactory(title="Exploring complex networks", topics=[networks]),
        "cells": ArticleFactory(title="How cells divide", topics=[biology]),
        "proteins": ArticleFactory(title="Protein folding at scale", topics=[biology]),
        "draft": ArticleFactory(
            title="Secret draft", status=Article.Status.DRAFT, topics=[networks]
        ),
        "archived": ArticleFactory(title="Old archived piece", status=Article.Status.ARCHIVED),
    }


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_render_for_anonymous_visitors(client, catalogue, name):
    # given an anonymous visitor
    # when they open the page
    response = client.get(reverse(name))
    # then it renders with the site's navigation
    assert response.status_code == 200
    assert b'href="/latest/"' in response.content
    assert b"Log in" in response.content


@pytest.mark.parametrize("name", ["home", "latest", "trending", "topic_list", "search", "me"])
def test_pages_render_for_a_logged_in_reader(client, reader, catalogue, name):
    # given a logged-in reader
    client.force_login(reader)
    # when they open the page
    response = client.get(reverse(name))
    # then it renders with their account links and no admin link
    assert response.status_code == 200
    assert b'href="/me/"' in response.content
    assert b"Log out" in response.content
    assert b'href="/admin/"' not in response.content


def test_staff_see_an_admin_link(client, editor):
    # given a logged-in editor
    client.force_login(editor)
    # when they open the home page
    response = client.get(reverse("home"))
    # then the navigation links to the admin
    assert b'href="/admin/"' in response.content


def test_home_shows_latest_and_trending_and_hides_unpublished(client, catalogue, reader):
    # given the graphs article was read twice this week and the cells article once long ago
    InteractionFactory.create_batch(2, article=catalogue["graphs"], user=reader)
    InteractionFactory(
        article=catalogue["cells"], user=reader, created_at=timezone.now() - timedelta(days=30)
    )
    # when an anonymous visitor opens the home page
    response = client.get(reverse("home"))
    # then trending holds only the graphs article; latest holds every published article
    assert [a.title for a in response.context["trending"]] == ["Exploring complex networks"]
    assert {a.title for a in response.context["latest"]} == {
        "Exploring complex networks",
        "How cells divide",
        "Protein folding at scale",
    }
    assert b"Secret draft" not in response.content
    assert b"Old archived piece" not in response.content
    assert b"2 reads this week" in response.content


def test_for_you_slot_is_shown_to_readers_only(client, reader):
    # given the home page of an anonymous visitor
    anonymous = client.get(reverse("home"))
    # when a reader logs in and opens it
    client.force_login(reader)
    logged_in = client.get(reverse("home"))
    # then only the reader sees the "For you" slot
    assert b'id="for-you-title"' not in anonymous.content
    assert b'id="for-you-title"' in logged_in.content


def test_latest_is_paginated(client):
    # given 25 published articles
    ArticleFactory.create_batch(25)
    # when the second page is opened
    response = client.get(reverse("latest"), {"page": 2})
    # then it holds the remaining 5
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 5


@pytest.mark.parametrize("page", ["abc", "-1", "999"])
def test_malformed_page_numbers_fall_back_to_a_valid_page(client, page):
    # given a few articles
    ArticleFactory.create_batch(3)
    # when the page parameter is nonsense
    response = client.get(reverse("latest"), {"page": page})
    # then a page is still shown
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 3


def test_trending_lists_articles_read_this_week_by_reads(client, catalogue, reader, other_reader):
    # given proteins read twice, cells once, and a dislike on graphs
    InteractionFactory(article=catalogue["proteins"], user=reader)
    InteractionFactory(article=catalogue["proteins"], user=other_reader)
    InteractionFactory(article=catalogue["cells"], user=reader)
    InteractionFactory(article=catalogue["graphs"], user=reader, event=Interaction.Event.DISLIKE)
    # when the trending page is opened
    response = client.get(reverse("trending"))
    # then the order follows reads and dislikes do not count
    titles = [a.title for a in response.context["page"].object_list]
    assert titles == ["Protein folding at scale", "How cells divide"]


def test_topic_list_shows_published_counts(client, catalogue):
    # given networks has one published article (plus a draft) and biology two
    # when the topics page is opened
    response = client.get(reverse("topic_list"))
    # then each topic shows its published count
    counts = {t.slug: t.published_count for t in response.context["topics"]}
    assert counts == {"biology": 2, "networks": 1}
    assert b"2 articles" in response.content
    assert b"1 article<" in response.content


def test_topic_detail_lists_its_published_articles(client, catalogue):
    # when the biology topic is opened
    response = client.get(reverse("topic_detail", kwargs={"slug": "biology"}))
    # then it lists exactly the published biology articles
    assert response.status_code == 200
    assert {a.title for a in response.context["page"].object_list} == {
        "How cells divide",
        "Protein folding at scale",
    }


def test_unknown_topic_is_404_with_the_site_template(client):
    # when a topic that does not exist is opened
    response = client.get(reverse("topic_detail", kwargs={"slug": "nope"}))
    # then the site's own 404 page is shown
    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content


def test_search_finds_title_summary_and_body_and_records_the_search(client, reader):
    # given articles matching "graph" in the title, summary and body, and one not matching
    ArticleFactory(title="Graph theory")
    ArticleFactory(title="Second", summary="About a graph.")
    ArticleFactory(title="Third", body="A long text on graph colouring.")
    ArticleFactory(title="Unrelated", summary="Cells.", body="Biology.")
    ArticleFactory(title="Draft graph", status=Article.Status.DRAFT)
    client.force_login(reader)
    # when the reader searches
    response = client.get(reverse("search"), {"q": "  graph  "})
    # then the three published matches are listed and the search is recorded for the reader
    assert {a.title for a in response.context["page"].object_list} == {
        "Graph theory",
        "Second",
        "Third",
    }
    assert list(SearchQuery.objects.values_list("user", "text", "results_count")) == [
        (reader.pk, "graph", 3)
    ]


def test_anonymous_search_is_recorded_without_a_user(client):
    # given one matching article
    ArticleFactory(title="Complex networks")
    # when an anonymous visitor searches
    response = client.get(reverse("search"), {"q": "networks"})
    # then the search is recorded with no user
    assert response.status_code == 200
    assert list(SearchQuery.objects.values_list("user", "text", "results_count")) == [
        (None, "networks", 1)
    ]


def test_a_search_without_results_is_recorded_too(client):
    # when a search matches nothing
    response = client.get(reverse("search"), {"q": "zebrafish"})
    # then the page says so and the search is recorded with zero results
    assert b"0 results" in response.content
    assert list(SearchQuery.objects.values_list("text", "results_count")) == [("zebrafish", 0)]


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}])
def test_empty_search_shows_the_form_and_records_nothing(client, query):
    # when the search page is opened without words
    response = client.get(reverse("search"), query)
    # then the form is shown, no results, nothing recorded
    assert response.status_code == 200
    assert response.context["page"] is None
    assert SearchQuery.objects.count() == 0


def test_turning_to_page_two_of_a_search_is_not_a_new_search(client):
    # given 25 matching articles and a recorded first page
    ArticleFactory.create_batch(25, summary="networks everywhere")
    client.get(reverse("search"), {"q": "networks"})
    # when page 2 is opened
    response = client.get(reverse("search"), {"q": "networks", "page": 2})
    # then it shows the rest, links back with the query, and the search was recorded once
    assert len(response.context["page"].object_list) == 5
    assert b"?q=networks&amp;page=1" in response.content
    assert SearchQuery.objects.count() == 1
