"""Ranked search (articles/search.py): PostgreSQL full-text search where DATABASE_URL is one,
the words fallback on SQLite; the same expectations hold for both."""

import pytest
from django.db import connection

from articles.models import Article
from articles.search import search_articles
from tests.factories import ArticleFactory


def test_a_title_match_ranks_above_a_summary_match_above_a_body_match(db):
    # given three articles with "telescope" in a different field each, the body one newest
    in_body = ArticleFactory(title="Night notes", summary="Quiet.", body="A telescope story.")
    in_summary = ArticleFactory(title="Glass", summary="About a telescope.", body="Lenses.")
    in_title = ArticleFactory(title="The telescope", summary="Optics.", body="Mirrors.")
    ArticleFactory(title="Unrelated", summary="Cooking.", body="Soup.")

    # when
    found = list(search_articles("telescope"))

    # then
    assert found == [in_title, in_summary, in_body]


def test_every_word_must_match_and_drafts_are_never_found(db):
    # given
    both = ArticleFactory(title="Radio astronomy", summary="Dishes listening to galaxies.")
    ArticleFactory(title="Radio drama", summary="Plays on air.")
    ArticleFactory(title="Radio astronomy draft", status="draft", published_at=None)

    # when / then
    assert list(search_articles("radio galaxies")) == [both]
    assert list(search_articles("   ")) == []


def test_postgresql_uses_the_gin_index(db):
    # given PostgreSQL, told not to scan the table when it has an index
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = 'article_search_gin'")
        assert cursor.fetchone() is not None
        cursor.execute("SET enable_seqscan = off")
        # when
        # (over every status: with the status filter an empty table is read by its status index)
        plan = search_articles("telescope", base=Article.objects.all()).explain()
        cursor.execute("SET enable_seqscan = on")
    # then
    assert "article_search_gin" in plan
