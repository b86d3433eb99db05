"""Per-article reader figures in the article admin: views, reads, click-through of its
recommendations and thumbs on its explanations, in one query for the whole list."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Interaction
from tests.factories import (
    ArticleFactory,
    ExplanationFactory,
    ExplanationFeedbackFactory,
    InteractionFactory,
    RecommendationImpressionFactory,
)

CHANGELIST = "/admin/articles/article/"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_article_list_and_page_show_reader_figures(editor):
    # given: an article viewed 3 times, read twice, shown 4 times and opened once, with one
    # thumbs-up and one thumbs-down on its explanations; and a quiet one
    article = ArticleFactory(title="Exploring complex networks")
    quiet = ArticleFactory(title="A quiet article")
    InteractionFactory.create_batch(3, article=article, event=Interaction.Event.VIEW)
    InteractionFactory.create_batch(2, article=article, event=Interaction.Event.READ)
    explanation = ExplanationFactory(article=article)
    RecommendationImpressionFactory(explanation=explanation, clicked_at=timezone.now())
    RecommendationImpressionFactory.create_batch(3, explanation=explanation)
    ExplanationFeedbackFactory(explanation=explanation, vote=1)
    ExplanationFeedbackFactory(explanation=ExplanationFactory(article=article), vote=-1)
    client = logged_in(editor)
    client.get(CHANGELIST)  # warm the session and permission caches

    # when
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    ArticleFactory.create_batch(5)
    with CaptureQueriesContext(connection) as more:
        listing = client.get(CHANGELIST)
    page = client.get(f"{CHANGELIST}{article.pk}/change/").content.decode()

    # then: no query per row
    assert len(more.captured_queries) == len(few.captured_queries)
    rows = {row.title: row for row in listing.context["cl"].result_list}
    figures = ("view_count", "read_count", "shown_count", "clicked_count", "up_count")
    assert [getattr(rows[article.title], name) for name in figures] == [3, 2, 4, 1, 1]
    assert rows[article.title].down_count == 1
    assert [getattr(rows[quiet.title], name) for name in figures] == [0, 0, 0, 0, 0]
    content = listing.content.decode()
    assert "1 of 4 (25%)" in content and "1 / 1" in content
    assert "<th scope='row'>Views</th><td>3</td>" in page
    assert "<th scope='row'>Click-through</th><td>1 of 4 (25%)</td>" in page
    assert "<th scope='row'>Thumbs down on its explanations</th><td>1</td>" in page
