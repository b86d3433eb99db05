"""The request ranking (recommender.ml.request) over an interaction matrix: its readers, its
weights learned on validation data, and the scorer ``evaluate_offline --queries`` ranks with.

Weights are never chosen on a test split. ``fit_request_model`` carves validation data from the
training interactions (per reader, a random 20 % of their training articles held out), fits the
personal model on the rest, and asks each reader a synthetic request: the tag (an article
topic, or without topics a word of the articles' text, used on at least ``min_articles``
articles) that covers most of their held-out articles (at least 2). Those held-out articles
carrying it are the positives; a pairwise logistic model (recommender.ml.hybrid.fit_pairwise)
learns the feature weights from positive-minus-other-candidate differences, for each pool size
of ``pools``; the pool with the best NDCG@10 on the other half of the validation readers wins.

Without topics the synthetic requests are words of the articles' text, which the request's
embedding matches more easily than a reader's own words (citeulike-a, validation: NDCG@10 of
the request alone 0.051 for a text word, 0.032 for a reader tag), so the learned weight of
``query`` is higher than real requests deserve (1.05 against 0.37 learned from reader tags).
Requests logged with what the reader then read would be the honest replacement; recsite logs
search text without its outcome (articles.SearchQuery), so text words are what a retrain
without topics has, and the benchmark (benchmarks/requests.py) learns from them too, measuring
what such a site gets. Reader tags instead (built like the test's queries) gained 0.005
NDCG@10 on validation, within its noise, once the personal feature became a rank
(recommender.ml.request.personal_rank_feature).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .base import top_n
from .data import InteractionMatrix
from .hybrid import HybridRecommender, fit_pairwise, history
from .metrics import ndcg_at_k
from .mf import ImplicitALS
from .phrases import STOPWORDS
from .request import (
    FEATURES,
    POOL,
    PersonalScorer,
    Request,
    RequestModel,
    RequestReader,
    request_rank,
    topic_scores,
)
from .splits import warm_split

MIN_TAG_ARTICLES = 20
MIN_TAG_COVER = 2
NEGATIVES = 20
VALIDATION_USERS = 2000
POOLS = (50, POOL, 200)

# texts -> float32 (len(texts), d) unit embeddings (the text encoder, in a worker or a command)
Encode = Callable[[list[str]], np.ndarray]
PersonalModel = HybridRecommender | ImplicitALS | None


def tag_queries(
    held: InteractionMatrix,
    item_tags: Sequence[Sequence[str]],
    *,
    min_articles: int = MIN_TAG_ARTICLES,
    min_cover: int = MIN_TAG_COVER,
) -> dict[int, tuple[str, np.ndarray]]:
    """{user row: (tag, int64 columns of their ``held`` articles carrying it)}: per reader, the
    tag used on >= ``min_articles`` articles that covers most of their held-out articles (ties:
    the alphabetically first), for readers where it covers >= ``min_cover``."""
    counts = Counter(tag for tags in item_tags for tag in set(tags))
    frequent = {tag for tag, count in counts.items() if count >= min_articles}
    queries = {}
    indptr, indices = held.positives.indptr, held.positives.indices
    for user in np.flatnonzero(np.diff(indptr)).tolist():
        items = indices[indptr[user] : indptr[user + 1]]
        cover = Counter(tag for item in items.tolist() for tag in set(item_tags[item]))
        ranked = sorted((tag for tag in cover if tag in frequent), key=lambda t: (-cover[t], t))
        if ranked and cover[ranked[0]] >= min_cover:
            tag = ranked[0]
            carrying = [item for item in items.tolist() if tag in item_tags[item]]
            queries[user] = (tag, np.array(sorted(carrying), dtype=np.int64))
    return queries


def request_split(
    matrix: InteractionMatrix,
    item_tags: Sequence[Sequence[str]],
    *,
    seed: int = 0,
    min_articles: int = MIN_TAG_ARTICLES,
) -> tuple[InteractionMatrix, InteractionMatrix, dict[int, str]]:
    """DESIGN §5's request split: warm (per reader 20 % held out, ``seed``), each reader's
    query the tag of ``tag_queries`` over their held-out articles, test only the held-out
    articles carrying it. Returns (train, test, {user row: query}); readers without a query
    have no test articles."""
    train, held = warm_split(matrix, seed=seed)
    queries = tag_queries(held, item_tags, min_articles=min_articles)
    rows = [user for user, (_, items) in queries.items() for _ in items]
    cols = [item for _, items in queries.values() for item in items.tolist()]
    positives = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=matrix.shape, dtype=np.float32
    )
    test = InteractionMatrix(
        positives=positives,
        negatives=sp.csr_matrix(matrix.shape, dtype=np.float32),
        user_ids=matrix.user_ids,
        item_ids=matrix.item_ids,
    )
    return train, test, {user: tag for user, (tag, _) in queries.items()}


def text_tags(texts: Sequence[str]) -> list[list[str]]:
    """Each text's distinct lower-case words of 4+ letters that are no stop words: the tags of
    synthetic requests when articles carry no topics."""
    return [
        sorted({word for word in re.findall(r"[a-z]{4,}", text.lower()) if word not in STOPWORDS})
        for text in texts
    ]


class TopicIndex:
    """Article topics for the ``topic`` feature: csr (n, t) articles x topics and the unit
    embeddings float32 (t, d) of the topic names."""

    def __init__(self, item_topics: Sequence[Sequence[str]], encode: Encode) -> None:
        names = sorted({topic for topics in item_topics for topic in topics})
        position = {name: column for column, name in enumerate(names)}
        rows = [row for row, topics in enumerate(item_topics) for _ in topics]
        cols = [position[topic] for topics in item_topics for topic in topics]
        shape = (len(item_topics), len(names))
        self.matrix = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
        self.vectors = encode(names) if names else np.zeros((0, 1), np.float32)

    def scores(self, query_vector: np.ndarray) -> np.ndarray:
        return topic_scores(query_vector, self.matrix, self.vectors)


def personal_scorer(
    model: PersonalModel, columns: np.ndarray, weights: np.ndarray, seen: np.ndarray
) -> PersonalScorer | None:
    """The served score of a reader with positive history ``columns``/``weights`` from the
    kept part of it: the hybrid's ``reader_scores``, MF's fold-in scores, or None."""
    if isinstance(model, HybridRecommender):
        hybrid = model

        def hybrid_scores(keep: np.ndarray) -> np.ndarray:
            return hybrid.reader_scores(columns[keep], weights[keep], seen)

        return hybrid_scores
    if isinstance(model, ImplicitALS):
        mf = model

        def mf_scores(keep: np.ndarray) -> np.ndarray:
            vector = mf.fold_in(columns[keep], weights[keep])
            return np.asarray(mf.scores_for_vector(vector), dtype=np.float32)

        return mf_scores
    return None


def matrix_reader(
    matrix: InteractionMatrix, user: int, item_embeddings: np.ndarray, model: PersonalModel
) -> tuple[RequestReader, np.ndarray]:
    """(the RequestReader of ``matrix``'s row ``user``, their positive history columns).
    Without a personal model (``--model content``) the request alone ranks: no history."""
    columns, weights = history(matrix, user)
    seen = matrix.seen(user)
    allowed = np.ones(matrix.shape[1], dtype=bool)
    allowed[seen] = False
    if model is None:
        columns = columns[:0]
    scorer = personal_scorer(model, columns, weights, seen)
    return RequestReader(allowed, item_embeddings[columns], scorer), columns


class RequestScorer:
    """``metrics.evaluate``'s scorer for the request protocol: each reader's row holds the
    request ranking's scores of its candidates, -inf elsewhere (readers without a request: all
    -inf). ``queries``: {user row: the request's unit embedding float32 (d,)}."""

    def __init__(
        self,
        model: RequestModel,
        item_embeddings: np.ndarray,
        personal: PersonalModel,
        queries: Mapping[int, np.ndarray],
        topics: TopicIndex | None = None,
    ) -> None:
        self.model, self.item_embeddings, self.personal = model, item_embeddings, personal
        self.queries, self.topics = queries, topics

    def vectors_of(self, columns: np.ndarray) -> np.ndarray:
        return np.asarray(self.item_embeddings[columns], dtype=np.float32)

    def request(self, user: int) -> Request:
        vector = self.queries[user]
        return Request(
            (self.item_embeddings @ vector).astype(np.float32),
            None if self.topics is None else self.topics.scores(vector),
        )

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        scores = np.full((len(user_indices), matrix.shape[1]), -np.inf, dtype=np.float32)
        for row, user in enumerate(np.asarray(user_indices).tolist()):
            if user in self.queries:
                reader, _ = matrix_reader(matrix, user, self.item_embeddings, self.personal)
                ranked = request_rank(self.model, self.request(user), self.vectors_of, reader)
                scores[row, ranked.candidates] = ranked.scores
        return scores


def fit_request_model(
    train: InteractionMatrix,
    item_embeddings: np.ndarray,
    *,
    item_tags: Sequence[Sequence[str]],
    encode: Encode,
    fit_personal: Callable[[InteractionMatrix], PersonalModel],
    topics: TopicIndex | None = None,
    seed: int = 0,
    max_users: int = VALIDATION_USERS,
    pools: Sequence[int] = POOLS,
) -> RequestModel:
    """The RequestModel learned on validation data carved from ``train`` (module docstring):
    ``fit_personal(inner)`` fits the personal model on the rest of the training data."""
    inner, held = warm_split(train, test_fraction=0.2, seed=seed)
    return learn_request_model(
        inner,
        held,
        item_embeddings,
        item_tags=item_tags,
        encode=encode,
        personal=lambda: fit_personal(inner),
        topics=topics,
        seed=seed,
        max_users=max_users,
        pools=pools,
    )


def learn_request_model(
    inner: InteractionMatrix,
    held: InteractionMatrix,
    item_embeddings: np.ndarray,
    *,
    item_tags: Sequence[Sequence[str]],
    encode: Encode,
    personal: Callable[[], PersonalModel],
    topics: TopicIndex | None = None,
    seed: int = 0,
    max_users: int = VALIDATION_USERS,
    pools: Sequence[int] = POOLS,
) -> RequestModel:
    """The weights learned from the synthetic requests over the held-out articles ``held``,
    with ``personal()``, a model fitted on ``inner`` only (the retrain passes MF's validation
    split and the hybrid it validated). ``item_tags`` per column: the synthetic requests' tags.
    Too few synthetic requests: the default weights."""
    queries = tag_queries(held, item_tags)
    users = np.array(sorted(queries), dtype=np.int64)
    rng = np.random.default_rng(seed)
    if len(users) > max_users:
        users = np.sort(rng.choice(users, size=max_users, replace=False))
    if len(users) < 4:
        return RequestModel(validation={"validation_requests": int(len(users))})
    tags = sorted({queries[user][0] for user in users.tolist()})
    vectors = dict(zip(tags, encode(tags), strict=True))
    scorer = RequestScorer(
        RequestModel(),
        item_embeddings,
        personal(),
        {user: vectors[queries[user][0]] for user in users.tolist()},
        topics,
    )
    fit_users, check_users = users[::2], users[1::2]
    best: RequestModel | None = None
    for pool in pools:
        probe = RequestModel(weights={name: 0.0 for name in FEATURES}, pool=pool)
        differences = _pairs(scorer, probe, inner, fit_users, queries, rng)
        if not len(differences):
            continue
        weights = dict(zip(FEATURES, fit_pairwise(differences).tolist(), strict=True))
        model = RequestModel(weights={k: round(v, 5) for k, v in weights.items()}, pool=pool)
        scorer.model = model
        ndcg = _ndcg(scorer, inner, check_users, queries)
        model.validation = {
            "validation_requests": int(len(users)),
            "validation_pairs": int(len(differences)),
            "validation_ndcg@10": round(ndcg, 4),
        }
        if best is None or ndcg > best.validation["validation_ndcg@10"]:
            best = model
    if best is None:
        return RequestModel(validation={"validation_requests": int(len(users))})
    best.validation["pools_tried"] = list(pools)
    return best


def _pairs(
    scorer: RequestScorer,
    probe: RequestModel,
    inner: InteractionMatrix,
    users: np.ndarray,
    queries: Mapping[int, tuple[str, np.ndarray]],
    rng: np.random.Generator,
) -> np.ndarray:
    chunks = []
    for user in users.tolist():
        reader, _ = matrix_reader(inner, user, scorer.item_embeddings, scorer.personal)
        ranked = request_rank(probe, scorer.request(user), scorer.vectors_of, reader)
        is_positive = np.isin(ranked.candidates, queries[user][1])
        positives, others = np.flatnonzero(is_positive), np.flatnonzero(~is_positive)
        if not len(others):
            continue
        for position in positives.tolist():
            negatives = rng.choice(others, size=NEGATIVES)
            chunks.append(ranked.features[position] - ranked.features[negatives])
    if not chunks:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32)


def _ndcg(
    scorer: RequestScorer,
    inner: InteractionMatrix,
    users: np.ndarray,
    queries: Mapping[int, tuple[str, np.ndarray]],
) -> float:
    total = 0.0
    for user in users.tolist():
        scores = scorer.score_users(np.array([user]), inner)[0]
        total += ndcg_at_k(top_n(scores, 10), set(queries[user][1].tolist()), 10)
    return total / max(len(users), 1)


def request_params(model: RequestModel) -> dict[str, Any]:
    """What a run reports about the request ranking (weights, pool, validation)."""
    return {"request": model.as_dict()}
