"""Search over Chinese (and Japanese, Korean) text, which has no spaces between words.

A query is cut into terms: each run of CJK characters of one or two characters is a term as
typed, a longer run becomes its overlapping bigrams ("机器学习" -> 机器, 器学, 学习), and runs of
other letters stay words. An article matches when its title, summary or body contains every term
— the bigram approximation of containing the phrase, which needs no word segmenter and finds
one- and two-character queries too. Results are ranked by how many terms the title and the
summary contain (a title counts double), then by recency.

On PostgreSQL the substring tests use the pg_trgm GIN indexes that migration
0009_chinese_search_trigram_indexes creates (their ``LIKE`` on three or more characters is an
index scan); on SQLite the same ``LIKE`` scans the table, which suits the embedded default.
``articles.search.search_articles`` hands queries that contain CJK text here.
"""

from __future__ import annotations

import re

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Article

# CJK Unified Ideographs (with extension A and the compatibility block), kana, Hangul syllables.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_RUNS = re.compile(f"[{_CJK}]+|[^{_CJK}\\W_]+")
MAX_TERMS = 12


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


def search_terms(text: str) -> list[str]:
    """The terms every match must contain, in query order, without repeats."""
    terms: list[str] = []
    for run in _RUNS.findall(text):
        if _CJK_RUN.fullmatch(run) and len(run) > 2:
            pieces = [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            pieces = [run]
        terms.extend(piece for piece in pieces if piece not in terms)
    return terms[:MAX_TERMS]


def _contains(field: str, term: str) -> Q:
    # CJK has no letter case: a plain LIKE, which the trigram index serves (icontains would
    # compare UPPER(field), which it does not).
    lookup = "contains" if has_cjk(term) else "icontains"
    return Q(**{f"{field}__{lookup}": term})


def articles_search_cjk(*, text: str, base: QuerySet[Article]) -> QuerySet[Article]:
    terms = search_terms(text)
    if not terms:
        return base.none()
    queryset = base
    for term in terms:
        queryset = queryset.filter(
            _contains("title", term) | _contains("summary", term) | _contains("body", term)
        )
    hits = [
        Case(
            When(_contains(field, term), then=Value(weight)),
            default=Value(0),
            output_field=IntegerField(),
        )
        for term in terms
        for field, weight in (("title", 2), ("summary", 1))
    ]
    score = sum(hits[1:], hits[0])
    return queryset.annotate(search_rank=score).order_by("-search_rank", "-published_at", "-id")
