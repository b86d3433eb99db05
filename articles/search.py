"""Ranked full-text search over published articles: ``search_articles(query)``.

On PostgreSQL: full-text search, the title weighted above the summary above the body
(``SearchVector`` weights A, B, C; ``SearchRank``), queries in web-search syntax ("quoted
phrases", -excluded words, or), served by a GIN index over the same expression (migration
articles 0007, PostgreSQL only). Elsewhere (SQLite, the embedded default): every word must occur
in the title, summary or body (case-insensitive), ranked by where the words occur.

Both paths are one function each; a query with Chinese (or Japanese, Korean) text, which has
no spaces between words, goes to character-bigram matching instead (articles.search_cjk).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable, CombinedExpression

from .models import Article
from .search_cjk import articles_search_cjk, has_cjk

# The text search configuration of the vector, the query and the index (they must agree).
SEARCH_CONFIG = "english"
# Words of a query looked at (the rest are ignored): a pasted paragraph is no query.
MAX_WORDS = 10
# Where a word occurs, for the ranking without PostgreSQL: title over summary over body.
FIELD_WEIGHTS = {"title": 3, "summary": 2, "body": 1}


def search_vector() -> CombinedExpression:
    """The weighted document of an article, as the GIN index stores it."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def search_articles(query: str, *, base: QuerySet[Article] | None = None) -> QuerySet[Article]:
    """Articles of ``base`` (default: the published ones) matching ``query``, best first, each
    annotated with ``search_rank`` (larger is better; comparable within one search only)."""
    queryset = (
        base
        if base is not None
        else Article.objects.filter(status=Article.Status.PUBLISHED).prefetch_related("topics")
    )
    if has_cjk(query):
        # Chinese has no spaces between words: character bigrams (articles.search_cjk).
        return articles_search_cjk(text=query, base=queryset)
    words = query.split()[:MAX_WORDS]
    if not words:
        return queryset.none()
    if connection.vendor == "postgresql":
        return _postgres_search(queryset, " ".join(words))
    return _words_search(queryset, words)


def _postgres_search(queryset: QuerySet[Article], text: str) -> QuerySet[Article]:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    return (
        queryset.annotate(search_document=search_vector())
        .filter(search_document=query)
        .annotate(search_rank=SearchRank(F("search_document"), query))
        .order_by("-search_rank", "-published_at", "-id")
    )


def _words_search(queryset: QuerySet[Article], words: list[str]) -> QuerySet[Article]:
    rank: Combinable = Value(0, output_field=IntegerField())
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
        )
        for field, weight in FIELD_WEIGHTS.items():
            rank += Case(
                When(**{f"{field}__icontains": word}, then=Value(weight)),
                default=Value(0),
                output_field=IntegerField(),
            )
    return queryset.annotate(search_rank=rank).order_by("-search_rank", "-published_at", "-id")
