"""Recommendations that answer a request in words (``POST /api/recommend/``), and why.

The one ranking function behind the endpoint and ``evaluate_offline --queries``:

1. Candidates: the reader's allowed articles (published, never interacted with) nearest to the
   request -- the top ``pool`` by the cosine of the request's and the article's text embeddings
   -- joined by the top ``pool`` of the reader's personal score (the served MF/hybrid score),
   so that an article the reader's behaviour strongly predicts can still answer the request.
2. Features of each candidate, standardised over the candidates (their raw scales differ from
   request to request): ``query`` (cosine to the request), ``topic`` (the largest cosine of the
   request with the names of the article's topics, when articles carry editors' topics; the
   top ``pool`` by it join the candidates), ``personal`` (-log of the article's rank by the
   served score among the allowed articles: its order, not its scale, see
   ``personal_rank_feature``), ``history`` (the largest cosine to an article of the reader's
   positive history).
3. Score = the features . learned weights (``RequestModel.weights``, fitted on validation data
   carved from the training data by recommender.ml.request_fit), best first.

Explanations (``request_evidence``) say which words of the request the article matches (the
request's n-gram whose embedding is closest to the article's) and, when it is true, which
article of the reader's history it is close to: that article is in the history, is close in
subject (cosine >= SIMILAR_TEXT_MIN), and removing it from the history lowers the article's
score under this very function (ablation, re-ranking from scratch). Pure numpy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .base import top_n
from .explain import SIMILAR_TEXT_MIN  # "close to X, which you read": the feed's bar
from .hybrid_features import standardize
from .phrases import STOPWORDS

FEATURES = ("query", "topic", "personal", "history")
POOL = 100
# The weights' file in a hybrid version's artifacts (written by the retrain, read by workers).
REQUEST_MODEL_FILE = "request.json"
# Before any validation fit (no trained hybrid yet): the request's words (query and topic)
# first, then the reader. The personal feature is a log-rank, steep at the top: at the weight
# of the query, the reader's first article would outrank a request on another subject.
DEFAULT_WEIGHTS = {"query": 1.0, "topic": 1.0, "personal": 0.5, "history": 0.5}
MAX_NGRAM = 3
# Leads tried, nearest first, before a result is explained by the request alone.
CITATION_ATTEMPTS = 3

# bool (k,) which history articles to keep -> float32 (n,) personal scores of every column.
PersonalScorer = Callable[[np.ndarray], np.ndarray]
# int64 (m,) columns -> float32 (m, d) unit text embeddings (zero rows: no text).
VectorsOf = Callable[[np.ndarray], np.ndarray]


@dataclass
class RequestModel:
    """How candidates are ordered: one weight per feature of FEATURES, the pool size, and
    what the validation fit measured (recorded with the model version)."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    pool: int = POOL
    validation: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"weights": self.weights, "pool": self.pool, "validation": self.validation}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestModel:
        return cls(dict(data["weights"]), int(data["pool"]), dict(data.get("validation", {})))


@dataclass(frozen=True)
class Request:
    """One request against the catalogue: ``query_scores`` float32 (n,) cosine of its embedding
    with every column's text; ``topic_scores`` float32 (n,) or None (``topic_scores``)."""

    query_scores: np.ndarray
    topic_scores: np.ndarray | None = None


def topic_scores(
    query_vector: np.ndarray, item_topics: sp.csr_matrix, topic_vectors: np.ndarray
) -> np.ndarray:
    """float32 (n,): for each column, the largest cosine (floored at 0) of ``query_vector``
    float32 (d,) with the unit embeddings ``topic_vectors`` float32 (t, d) of its topics
    (``item_topics`` csr (n, t), nonzero where the article carries the topic); 0 without any."""
    cosines = np.maximum(np.asarray(topic_vectors, np.float32) @ query_vector, 0).astype("f4")
    matched = sp.csr_matrix(item_topics, dtype=np.float32, copy=True)
    matched.data = cosines[matched.indices]
    return np.asarray(matched.max(axis=1).todense(), dtype=np.float32).ravel()


@dataclass
class RequestReader:
    """One reader as the ranking sees them. ``allowed`` bool (n,): columns that may be
    recommended (published, never interacted with); ``history_vectors`` float32 (k, d): unit
    embeddings of their positive history (zero rows: no text); ``personal``: their served score
    from a history subset (None: no personal model, e.g. ``--model content``)."""

    allowed: np.ndarray
    history_vectors: np.ndarray
    personal: PersonalScorer | None = None

    @property
    def keep_all(self) -> np.ndarray:
        return np.ones(len(self.history_vectors), dtype=bool)


@dataclass(frozen=True)
class RankedRequest:
    """``candidates`` int64 (m,) best first, ``scores`` float32 (m,), ``nearest`` int64 (m,):
    position in the history of each candidate's most similar article (-1: none),
    ``similarity`` float32 (m,) its cosine, ``features`` float32 (m, len(FEATURES)) what the
    weights blended (standardised over the candidates)."""

    candidates: np.ndarray
    scores: np.ndarray
    nearest: np.ndarray
    similarity: np.ndarray
    features: np.ndarray

    def score_of(self, column: int) -> float:
        found = np.flatnonzero(self.candidates == column)
        return float(self.scores[found[0]]) if len(found) else -np.inf


def personal_rank_feature(
    personal: np.ndarray, allowed: np.ndarray, candidates: np.ndarray
) -> np.ndarray:
    """float32 (m,): -log of each candidate's rank (1 = best) by the served personal score among
    the ``allowed`` articles. The rank, not the score: a served score is made to order a list,
    not to be added to a cosine -- the hybrid's drops everything outside its own candidate pool
    a gap below it (recommender.ml.hybrid.POOL_GAP), so over a request's candidates, half of
    them outside that pool, the standardised score was a pool / not-pool flag, its order
    within the pool flattened, and the request's words outweighed the reader's list. Ties share
    the best rank."""
    ordered = np.sort(personal[allowed])
    better = len(ordered) - np.searchsorted(ordered, personal[candidates], side="right")
    feature: np.ndarray = (-np.log1p(better)).astype(np.float32)
    return feature


def request_rank(
    model: RequestModel,
    request: Request,
    vectors_of: VectorsOf,
    reader: RequestReader,
    keep: np.ndarray | None = None,
) -> RankedRequest:
    """Rank the reader's candidates for one request; ``keep`` bool (k,): the history articles
    counted (default all; ablation leaves some out)."""
    keep = reader.keep_all if keep is None else keep
    allowed = np.asarray(reader.allowed, dtype=bool)
    query_scores = request.query_scores
    picks = [top_n(np.where(allowed, query_scores, -np.inf), model.pool)]
    topics = request.topic_scores
    if topics is not None:
        picks.append(top_n(np.where(allowed & (topics > 0), topics, -np.inf), model.pool))
    personal = None
    if reader.personal is not None and keep.any():
        personal = np.asarray(reader.personal(keep), dtype=np.float32)
        picks.append(top_n(np.where(allowed, personal, -np.inf), model.pool))
    candidates = np.unique(np.concatenate(picks))
    if len(candidates) == 0:
        empty = np.empty(0, dtype=np.int64)
        none = np.empty(0, dtype=np.float32)
        return RankedRequest(empty, none, empty, none, np.empty((0, len(FEATURES)), np.float32))
    history = reader.history_vectors[keep]
    if len(history):
        cosines = vectors_of(candidates) @ history.T
        best = np.argmax(cosines, axis=1)
        similarity = cosines[np.arange(len(candidates)), best].astype(np.float32)
        nearest = np.flatnonzero(keep)[best]
    else:
        similarity = np.zeros(len(candidates), dtype=np.float32)
        nearest = np.full(len(candidates), -1, dtype=np.int64)
    columns = {
        "query": query_scores[candidates],
        "topic": topics[candidates] if topics is not None else 0 * similarity,
        "personal": (
            personal_rank_feature(personal, allowed, candidates)
            if personal is not None
            else 0 * similarity
        ),
        "history": similarity,
    }
    features = standardize(np.stack([columns[name] for name in FEATURES]))
    weights = np.array([model.weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)
    scores = (weights @ features).astype(np.float32)
    order = np.lexsort((candidates, -scores))
    return RankedRequest(
        candidates[order].astype(np.int64),
        scores[order],
        nearest[order].astype(np.int64),
        similarity[order],
        features.T[order],
    )


# ---------------------------------------------------------------------------- explanations


def request_words(text: str) -> list[str]:
    """The words of a request, in order (hyphens, apostrophes, dots inside a word kept)."""
    return re.findall(r"\w[\w\-'+.]*[\w+]|\w", text)


def request_phrases(text: str, max_words: int = MAX_NGRAM) -> list[str]:
    """The request's word n-grams (1 to ``max_words`` words, in order, duplicates once) that
    neither start nor end with a stop word: what an explanation may quote as matched. The whole
    request (squeezed) comes first when it is short enough to quote."""
    words = request_words(text)
    whole = " ".join(text.split())
    found: list[str] = [whole] if whole and len(words) <= 2 * max_words else []
    for size in range(1, max_words + 1):
        for start in range(len(words) - size + 1):
            gram = words[start : start + size]
            if gram[0].lower() in STOPWORDS or gram[-1].lower() in STOPWORDS:
                continue
            found.append(" ".join(gram))
    return list(dict.fromkeys(found)) or ([whole] if whole else [])


@dataclass(frozen=True)
class RequestEvidence:
    """Why ``column`` answers the request: the matched ``phrase`` (words of the request) and its
    cosine with the article; ``cited`` the history position it is close to (None: the request
    alone), with that ``cited_similarity``."""

    column: int
    phrase: str
    phrase_similarity: float
    cited: int | None
    cited_similarity: float | None


def request_evidence(
    model: RequestModel,
    request: Request,
    vectors_of: VectorsOf,
    reader: RequestReader,
    ranked: RankedRequest,
    top: int,
    phrases: list[str],
    phrase_vectors: np.ndarray,
) -> list[RequestEvidence]:
    """Evidence for ``ranked``'s first ``top`` candidates (module docstring). ``phrases`` from
    ``request_phrases``, ``phrase_vectors`` float32 (p, d) their unit embeddings. Each ablation
    re-ranks without one history article; ablations are shared between the candidates."""
    columns = ranked.candidates[:top]
    matches = vectors_of(columns) @ np.asarray(phrase_vectors, dtype=np.float32).T
    ablated: dict[int, RankedRequest] = {}

    def without(position: int) -> RankedRequest:
        if position not in ablated:
            keep = reader.keep_all
            keep[position] = False
            ablated[position] = request_rank(model, request, vectors_of, reader, keep)
        return ablated[position]

    history_cosines = (
        vectors_of(columns) @ reader.history_vectors.T
        if len(reader.history_vectors)
        else np.zeros((len(columns), 0), dtype=np.float32)
    )
    found = []
    for row, column in enumerate(columns.tolist()):
        best_phrase = int(np.argmax(matches[row]))
        cited = None
        close = np.flatnonzero(history_cosines[row] >= SIMILAR_TEXT_MIN)
        close = close[np.argsort(-history_cosines[row, close], kind="stable")]
        for position in close[:CITATION_ATTEMPTS].tolist():
            if without(position).score_of(column) < ranked.scores[row]:
                cited = position
                break
        found.append(
            RequestEvidence(
                column=column,
                phrase=phrases[best_phrase],
                phrase_similarity=round(float(matches[row, best_phrase]), 3),
                cited=cited,
                cited_similarity=None
                if cited is None
                else round(float(history_cosines[row, cited]), 3),
            )
        )
    return found
