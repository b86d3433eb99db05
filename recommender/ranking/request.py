"""A reader's request in words, ranked: recommender.ml.request over the live catalogue.

Runs in an inference worker (or, in the embedded default, in-process): the text encoder that
understands the request imports torch, loaded once per process (runtime.embeddings.encoder).
The catalogue is the article embedding index; candidates are the published articles the reader
never interacted with. The reader's own signals are those their feed is ranked with: the
served MF or hybrid score (serving.personal_scores) and their positive history. The weights are
the ones learned with the serving hybrid (``request.json`` in its artifacts, recorded in its
metrics); without a hybrid, recommender.ml.request's defaults.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from articles.selectors import published_catalogue_stamp, published_topic_names
from recommender.ml.artifacts import load_json
from recommender.ml.request import (
    REQUEST_MODEL_FILE,
    RankedRequest,
    Request,
    RequestEvidence,
    RequestModel,
    RequestReader,
    request_evidence,
    request_phrases,
    request_rank,
)
from recommender.ml.request_fit import TopicIndex

from .. import selectors
from ..cache import lists
from ..models import ModelVersion
from ..runtime.artifacts import artifact_directory
from ..runtime.embeddings import EmbeddingIndex, embedding_index, encoder
from ..runtime.history import positive_weights
from ..runtime.hybrid import LoadedHybrid, loaded_hybrid
from ..runtime.mf import loaded_mf
from .personalisation import personalisation_enabled
from .serving import personal_scores

logger = logging.getLogger(__name__)


class NoTextIndex(Exception):
    """No article has a text embedding yet: nothing can be matched to words."""


@dataclass(frozen=True)
class AnsweredItem:
    article_id: int
    score: float
    evidence: RequestEvidence  # ``cited`` is an article id here, not a history position


@dataclass(frozen=True)
class Answer:
    model_version_id: int | None  # the MF version whose scores took part; None: the text alone
    items: list[AnsweredItem]


@dataclass(frozen=True)
class _Catalogue:
    key: tuple
    published: np.ndarray  # bool (index rows,)
    topics: TopicIndex | None


_lock = threading.Lock()
_catalogues: dict[tuple, _Catalogue] = {}
_models: dict[tuple, RequestModel] = {}


def _catalogue(index: EmbeddingIndex) -> _Catalogue:
    """Which index rows are published, and the topic names of each row's article (embedded
    once), rebuilt when the index or the published catalogue changes."""
    key = (index.stamp, published_catalogue_stamp())
    with _lock:
        if key not in _catalogues:
            topics_of = published_topic_names()
            published = np.zeros(len(index.article_ids), dtype=bool)
            rows = [index.row_of[pk] for pk in topics_of if pk in index.row_of]
            published[rows] = True
            item_topics: list[list[str]] = [[] for _ in range(len(index.article_ids))]
            for pk, names in topics_of.items():
                if pk in index.row_of:
                    item_topics[index.row_of[pk]] = names
            has_topics = any(item_topics)
            _catalogues.clear()
            _catalogues[key] = _Catalogue(
                key,
                published,
                TopicIndex(item_topics, encoder().encode) if has_topics else None,
            )
        return _catalogues[key]


def request_model(hybrid: LoadedHybrid | None) -> RequestModel:
    """The weights learned with the serving hybrid, else the defaults."""
    if hybrid is None:
        return RequestModel()
    key = (hybrid.version_id,)
    with _lock:
        if key not in _models:
            active = lists.active_version(kind=ModelVersion.Kind.HYBRID)
            model = RequestModel()
            if active is not None and active.id == hybrid.version_id:
                path = artifact_directory(active.artifact_path) / REQUEST_MODEL_FILE
                try:
                    model = RequestModel.from_dict(load_json(path))
                except (OSError, ValueError, KeyError):
                    logger.warning("No request weights in %s: the defaults rank", path)
            _models.clear()
            _models[key] = model
        return _models[key]


def request_answer_rank(*, user_id: int, text: str, top_n: int) -> Answer:
    """The ``top_n`` best published, unread articles for ``text`` (not blank) and this reader,
    each with the evidence of why. Raises NoTextIndex when no article is embedded."""
    index = embedding_index()
    if index is None:
        raise NoTextIndex("no article embeddings yet")
    phrases = request_phrases(text)
    vectors = encoder().encode([text, *phrases])
    catalogue = _catalogue(index)
    query_scores = index.scores(vectors[0])
    allowed = catalogue.published & np.isfinite(query_scores)
    reader, history, version_id, hybrid = _reader(user_id, index, allowed)
    model = request_model(hybrid)
    request = Request(
        np.nan_to_num(query_scores, neginf=-1.0),
        None if catalogue.topics is None else catalogue.topics.scores(vectors[0]),
    )
    ranked: RankedRequest = request_rank(model, request, index.vectors_at, reader)
    found = request_evidence(
        model, request, index.vectors_at, reader, ranked, top_n, phrases, vectors[1:]
    )
    article_ids = index.article_ids
    return Answer(
        model_version_id=version_id if reader.personal is not None else None,
        items=[
            AnsweredItem(
                article_id=int(article_ids[evidence.column]),
                score=float(ranked.scores[row]),
                evidence=RequestEvidence(
                    column=evidence.column,
                    phrase=evidence.phrase,
                    phrase_similarity=evidence.phrase_similarity,
                    cited=None if evidence.cited is None else int(history[evidence.cited]),
                    cited_similarity=evidence.cited_similarity,
                ),
            )
            for row, evidence in enumerate(found)
        ],
    )


def _reader(
    user_id: int, index: EmbeddingIndex, allowed: np.ndarray
) -> tuple[RequestReader, np.ndarray, int | None, LoadedHybrid | None]:
    """(the reader, their positive history's article ids (aligned with its vectors), the MF
    version scoring them, the serving hybrid). A reader who turned personalisation off is a
    stranger: the request alone ranks, nothing of theirs is used (not even to drop what they
    read)."""
    if not personalisation_enabled(user_id=user_id):
        no_history = np.zeros((0, index.dim), dtype=np.float32)
        return RequestReader(allowed, no_history), np.zeros(0, np.int64), None, None
    events = selectors.interaction_events_of(user_id=user_id)
    allowed = allowed.copy()
    seen = [index.row_of[pk] for pk, _, _ in events if pk in index.row_of]
    allowed[seen] = False
    positive, _ = positive_weights(events)
    history = np.array([pk for pk in positive.tolist() if pk in index.row_of], dtype=np.int64)
    history_vectors = index.vectors_at(np.array([index.row_of[pk] for pk in history.tolist()]))
    version = lists.active_version(kind=ModelVersion.Kind.MF)
    loaded = loaded_mf(version=version) if version is not None else None
    if version is None or loaded is None or len(history) == 0:
        return RequestReader(allowed, history_vectors), history, None, None
    hybrid = loaded_hybrid(mf=version)
    item_rows: list[np.ndarray] = []  # the model's articles as index rows, mapped once

    def personal(keep: np.ndarray) -> np.ndarray:
        removed = set(history[~keep].tolist())
        kept = [event for event in events if event[0] not in removed]
        scored = personal_scores(user_id, loaded, kept, version.artifact_path, hybrid)
        by_row = np.zeros(len(index.article_ids), dtype=np.float32)
        if scored is None:
            return by_row
        item_ids, scores = scored
        if not item_rows:
            item_rows.append(np.array([index.row_of.get(pk, -1) for pk in item_ids.tolist()]))
        rows = item_rows[0]
        finite = np.isfinite(scores)
        # Articles the model cannot place rank below every one it can.
        by_row[:] = scores[finite].min() - 1.0 if finite.any() else 0.0
        placed = (rows >= 0) & finite
        by_row[rows[placed]] = scores[placed]
        return by_row

    return RequestReader(allowed, history_vectors, personal), history, version.id, hybrid
