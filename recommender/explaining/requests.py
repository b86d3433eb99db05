"""The answer to a request in words (``POST /api/recommend/`` and the site's "Ask" box): the
ranked articles, each with a stored explanation that cites the request, so that it can be
voted on like the feed's.

An explanation's evidence is {"request": the matched words (words of the request, the n-gram
the encoder finds closest to the article), "similarity": their cosine with the article,
"articles": [the history article it is close to] or [], "query": the request}; the cited
article is in the reader's positive history, close in subject, and lowers the article's score
when removed (recommender.ml.request.request_evidence). A "wrong reason" vote penalises the
cited article, or the style when nothing is cited (explanations.evidence_keys).

Without words the answer is the articles the sequence LM expects the reader to read next
(recommender.ranking.sequence.next_articles; no explanation yet), else, without an LM, the
reader's own list with its explanations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from articles.models import Article
from recommender.ml import sentences

from ..cache import lists
from ..models import Explanation, ModelVersion
from ..ranking.request import Answer, request_answer_rank
from ..ranking.sequence import next_articles
from . import wording
from .evidence import reader_read
from .explanations import explanation_dict, recommendations_with_explanations

if TYPE_CHECKING:
    from django.contrib.auth.models import User

MAX_QUERY_KEPT = 200  # characters of the request stored with each explanation


def request_answer(*, user: User, user_input: str, top_n: int) -> dict:
    """{"model_version": id or None, "results": [{"article_id", "score", "explanation"}]},
    best first; the reader's next articles, or their list, when ``user_input`` is blank. Raises
    ranking.request.NoTextIndex when no article is embedded."""
    text = " ".join(user_input.split())
    if not text:
        following = next_articles(user.pk, top_n)
        lm = lists.active_version(kind=ModelVersion.Kind.LM)
        if following and lm is not None:
            return {
                "model_version": lm.id,
                "results": [
                    {"article_id": pk, "score": score, "explanation": None}
                    for pk, score in following
                ],
            }
        listed = recommendations_with_explanations(user=user, n=top_n)
        return {
            "model_version": listed.model_version_id,
            "results": [
                {"article_id": i.article["id"], "score": i.score, "explanation": i.explanation}
                for i in listed.items
            ],
        }
    answer = request_answer_rank(user_id=user.pk, text=text, top_n=top_n)
    stored = _explanations_store(user.pk, text, answer)
    # The names every sentence cites, looked up at once, so each can be worded in any language.
    titles, topics = wording.names_of([explanation.evidence for explanation in stored])
    return {
        "model_version": answer.model_version_id,
        "results": [
            {
                "article_id": item.article_id,
                "score": item.score,
                "explanation": explanation_dict(
                    explanation, wording.cited_names(explanation.evidence, titles, topics)
                ),
            }
            for item, explanation in zip(answer.items, stored, strict=True)
        ],
    }


def _explanations_store(user_id: int, text: str, answer: Answer) -> list[Explanation]:
    reader = reader_read(user_id=user_id)
    cited = {item.evidence.cited for item in answer.items if item.evidence.cited is not None}
    titles = {
        str(pk): title
        for pk, title in Article.objects.filter(pk__in=cited).values_list("pk", "title")
    }
    rows = []
    for item in answer.items:
        found = item.evidence
        # A history article the reader said was the wrong reason is not cited again.
        articles = [] if found.cited is None else [found.cited]
        if found.cited is not None and reader.trust_of(f"article:{found.cited}") <= 0:
            articles = []
        evidence = {
            "request": found.phrase,
            "similarity": found.phrase_similarity,
            "articles": articles,
            "query": text[:MAX_QUERY_KEPT],
            "segment": reader.segment,
        }
        if articles:
            evidence["event"] = reader.strongest.get(articles[0], "read")
        rows.append(
            Explanation(
                user_id=user_id,
                article_id=item.article_id,
                model_version_id=answer.model_version_id,
                style=Explanation.Style.REQUEST_MATCH,
                text=sentences.render(
                    sentences.REQUEST_MATCH, evidence, titles=titles, topic_names={}
                )[:500],
                evidence=evidence,
            )
        )
    with transaction.atomic():
        return Explanation.objects.bulk_create(rows)
