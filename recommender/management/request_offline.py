"""``evaluate_offline --queries``: the request path behind ``POST /api/recommend/``
(recommender.ml.request, the function the endpoint ranks with) evaluated for the readers listed
in a queries file, against their test articles.

``--model`` picks what the request path may use: ``content`` the request's text alone (query
embedding . article embedding, train items excluded); ``mf`` or ``hybrid`` that model's score of
the reader, their history, and the articles' topics when the catalogue has some, blended by
weights learned on validation data carved from the training data (never on the test files).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.core.management.base import CommandError

from recommender.ml.csvio import CsvFormatError, read_queries_csv
from recommender.ml.data import InteractionMatrix
from recommender.ml.explain_eval import evaluate_request_explanations
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.metrics import evaluate
from recommender.ml.mf import ImplicitALS
from recommender.ml.request import RequestModel
from recommender.ml.request_fit import (
    MIN_TAG_ARTICLES,
    Encode,
    PersonalModel,
    RequestScorer,
    TopicIndex,
    fit_request_model,
    text_tags,
)
from recommender.ml.text import article_text

REQUEST_MODELS = ("content", "mf", "hybrid")
QUERY_ALONE = RequestModel(weights={"query": 1.0})


def evaluate_requests(
    options: dict[str, Any],
    model: PersonalModel | Any,
    train: InteractionMatrix,
    test: InteractionMatrix,
    articles: list[dict[str, str]],
    embeddings: np.ndarray,
    encode: Encode,
    ks: list[int],
) -> dict[str, Any]:
    """Metrics of the request path (and, with ``--explain``, its explanation audit) for
    ``model`` (fitted on ``train``; ignored for ``content``)."""
    if options["model"] not in REQUEST_MODELS:
        raise CommandError(f"--queries needs --model {', '.join(REQUEST_MODELS)}")
    try:
        listed = read_queries_csv(options["queries"])
    except CsvFormatError as exc:
        raise CommandError(str(exc)) from exc
    requests = {
        index: query
        for user, query in listed.items()
        if (index := train.user_index(user)) is not None
    }
    if not requests:
        raise CommandError(f"{options['queries']}: none of its readers is in --train")
    texts = sorted(set(requests.values()))
    vectors = dict(zip(texts, encode(texts), strict=True))
    topics, synthetic_tags = _topics(articles, encode)
    if options["model"] == "content":
        request_model, personal = QUERY_ALONE, None
    else:
        personal = model
        request_model = fit_request_model(
            train,
            embeddings,
            item_tags=synthetic_tags,
            encode=encode,
            fit_personal=lambda inner: _refit(options, model, inner),
            topics=topics,
            seed=options["seed"],
        )
    scorer = RequestScorer(
        request_model,
        embeddings,
        personal,
        {user: vectors[query] for user, query in requests.items()},
        topics,
    )
    metrics = evaluate(scorer, train, _only(test, list(requests)), ks=ks)
    result: dict[str, Any] = {
        **metrics,
        "queries": len(requests),
        "queries_not_in_train": len(listed) - len(requests),
        "request": request_model.as_dict(),
    }
    if options["explain"]:
        users = np.array(sorted(requests), dtype=np.int64)
        if options["max_users"] is not None and options["max_users"] < len(users):
            rng = np.random.default_rng(options["seed"])
            users = np.sort(rng.choice(users, size=options["max_users"], replace=False))
        result.update(
            evaluate_request_explanations(
                scorer,
                train,
                users,
                requests=requests,
                encode=encode,
                titles={article["article_id"]: article["title"] for article in articles},
            )
        )
    return result


def _topics(
    articles: list[dict[str, str]], encode: Encode
) -> tuple[TopicIndex | None, list[list[str]]]:
    """(the articles' topics as the ``topic`` feature sees them, or None without any; the tags
    of the synthetic validation requests: the topics used on >= 20 articles, else text words)."""
    item_topics = [
        [topic for topic in (article.get("topics") or "").split("|") if topic]
        for article in articles
    ]
    if not any(item_topics):
        texts = [article_text(a["title"], a.get("summary") or "") for a in articles]
        return None, text_tags(texts)
    counts = Counter(topic for topics in item_topics for topic in set(topics))
    frequent = [[t for t in topics if counts[t] >= MIN_TAG_ARTICLES] for topics in item_topics]
    return TopicIndex(item_topics, encode), frequent


def _refit(options: dict[str, Any], model: Any, inner: InteractionMatrix) -> PersonalModel:
    """A model like ``model`` (same class and parameters) fitted on the validation split."""
    threads = {} if options["threads"] is None else {"threads": options["threads"]}
    if isinstance(model, HybridRecommender):
        mf = {name: value for name, value in model.mf_params.items() if name != "seed"}
        return HybridRecommender(model.item_embeddings, **model.settings, **mf).fit(inner)
    if isinstance(model, ImplicitALS):
        return ImplicitALS(**model.params, **threads).fit(inner)
    raise CommandError(f"--queries cannot refit {options['model']}")


def _only(test: InteractionMatrix, users: list[int]) -> InteractionMatrix:
    """``test`` with the rows of ``users`` only (the others emptied)."""
    keep = np.zeros(test.shape[0], dtype=np.float32)
    keep[users] = 1
    return InteractionMatrix(
        positives=(sp.diags(keep) @ test.positives).tocsr(),
        negatives=test.negatives,
        user_ids=test.user_ids,
        item_ids=test.item_ids,
    )
