"""Explanation sentences in the reader's language, rendered when they are shown.

A stored explanation keeps its evidence (the source) and the English sentence made with it; what
a reader sees is rendered again from the evidence in the active language (recommender.ml
.sentences holds the templates, locale/ their translations). The names the evidence cites
(article titles, topic names) travel in the cached explanation entry, so rendering a cached page
costs no SQL query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.utils import translation

from articles.models import Article, Topic
from recommender.ml import sentences


def names_of(evidence: Iterable[Mapping]) -> tuple[dict[str, str], dict[str, str]]:
    """Titles (by str(article id)) of every article and names of every topic the evidence
    cites, in two queries."""
    article_ids: set[int] = set()
    slugs: set[str] = set()
    for facts in evidence:
        article_ids.update(facts.get("articles", []))
        if facts.get("topic"):
            slugs.add(facts["topic"])
    titles = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "title"))
    names = dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return {str(pk): title for pk, title in titles.items()}, names


def cited_names(evidence: Mapping, titles: Mapping[str, str], topics: Mapping[str, str]) -> dict:
    """The names one explanation's sentence needs, picked from ``names_of``'s answer."""
    cited = {str(pk) for pk in evidence.get("articles", [])}
    return {
        "titles": {pk: title for pk, title in titles.items() if pk in cited},
        "topics": {slug: name for slug, name in topics.items() if slug == evidence.get("topic")},
    }


def sentence_in_language(entry: Mapping) -> str:
    """The sentence of a cached explanation entry in the active language; the stored English
    text when the entry predates the names (or a cited name is gone)."""
    names = entry.get("names")
    if names is None:
        return entry["text"]
    try:
        return sentences.render(
            entry["style"],
            entry["evidence"],
            titles=names["titles"],
            topic_names=names["topics"],
            translation=translation,
        )
    except KeyError:
        return entry["text"]
