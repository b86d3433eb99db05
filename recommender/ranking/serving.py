"""A reader's recommendations: the cached list, or on a miss fold-in + scoring + rules.

The list is computed from the reader's *current* interactions (fold-in against the active MF
model's item factors), so new behaviour counts at once, without retraining; each new
interaction deletes the cached list (recommender.receivers).

Strategies (the ``strategy`` of a response):
- "personalized": MF fold-in scores; articles the model has never seen (published since its
  training) take part through the text adapter's factors (cold start from text);
  when an active hybrid version was trained over the active MF version, the hybrid ranks
  instead, with the per-reader scoring of offline evaluation
  (recommender.ranking.hybrid). The response's ``model_version_id`` stays the MF
  version's: explanations cite MF evidence computed against it; its ``ranker`` names the
  hybrid; the reader's cached list is keyed by the hybrid's id, so activating or rolling back
  a hybrid switches lists at once;
- "content": readers with little history (fewer than settings.RECSITE_CONTENT_MIN_HISTORY read
  articles the model knows, or no active model) ranked by the cosine between article embeddings
  and the mean embedding of what they read and searched;
- "cold_start": readers nothing can place (no usable history, no model, no embeddings) get
  trending then newest articles;
- "non_personal": readers who turned personalisation off (recommender.ranking.personalisation)
  get trending then newest articles, their own behaviour unused (not even to drop what they
  read).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings

from recommender.ml.base import top_n

from .. import selectors
from ..cache import lists
from ..models import ModelVersion
from ..runtime.embeddings import embedding_index
from ..runtime.history import model_history
from ..runtime.hybrid import LoadedHybrid, loaded_hybrid
from ..runtime.mf import LoadedMF, cold_items, loaded_mf
from . import content, editorial, interests
from .approximate import approximate_top
from .hybrid import hybrid_scores
from .personalisation import personalisation_enabled

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PERSONALIZED = "personalized"
CONTENT = "content"
COLD_START = "cold_start"
NON_PERSONAL = "non_personal"
MF = ModelVersion.Kind.MF
HYBRID = ModelVersion.Kind.HYBRID
ENCODER = ModelVersion.Kind.ENCODER
# Candidates scored beyond the list length, to make up for unpublished ones dropped.
CANDIDATE_MARGIN = 20


@dataclass(frozen=True)
class RecommendedItem:
    article: dict  # lists.article_dict()
    score: float


@dataclass(frozen=True)
class Recommendations:
    strategy: str
    model_version_id: int | None  # None for cold start: no model ranked these
    items: list[RecommendedItem]
    # (kind, version id) of the version that ranked the list: the hybrid when it did, MF when
    # it ranked alone, the encoder for content lists; None when no model did.
    ranker: tuple[str, int | None] | None = None


def recommendations_for_user(
    *, user: User, n: int, offset: int = 0, topic: str | None = None, exclude: Iterable[int] = ()
) -> Recommendations:
    """Page ``offset:offset+n`` of ``user``'s list, optionally only articles of topic slug
    ``topic`` and never the article ids in ``exclude``. A cache hit makes no SQL query."""
    version = lists.active_version(kind=MF)
    version_id = version.id if version is not None else 0
    reader_list = lists.reader_list_get(version_id=_list_version_id(version), user_id=user.pk)
    if reader_list is None:
        reader_list = _refresh(user.pk, version)
    excluded = set(exclude)
    # Editors' pins and boosts apply at serving time: they must show before the lists expire.
    boosted = editorial.reader_list_with_boosts(user_id=user.pk, reader_list=reader_list)
    result = _page(boosted, version_id, excluded, topic, n, offset, allow_gaps=False)
    if result is None:
        # An article of the page was unpublished after the list was computed: the list is
        # stale, so compute it again rather than serve a short page.
        reader_list = _refresh(user.pk, version)
        boosted = editorial.reader_list_with_boosts(user_id=user.pk, reader_list=reader_list)
        result = _page(boosted, version_id, excluded, topic, n, offset, allow_gaps=True)
    return result


def _page(reader_list, version_id, excluded, topic, n, offset, *, allow_gaps):
    page = [
        (article_id, score)
        for article_id, score, topics in reader_list.items
        if article_id not in excluded and (topic is None or topic in topics)
    ][offset : offset + n]
    articles = lists.article_dicts(article_ids=[article_id for article_id, _ in page])
    if len(articles) < len(page) and not allow_gaps:
        return None
    return Recommendations(
        strategy=reader_list.strategy,
        model_version_id=version_id if reader_list.strategy == PERSONALIZED else None,
        items=[
            RecommendedItem(articles[article_id], score)
            for article_id, score in page
            if article_id in articles
        ],
        ranker=reader_list.ranker,
    )


def reader_list_refresh(*, user_id: int) -> lists.ReaderList:
    """Compute ``user_id``'s list for the active version and store it in the cache."""
    return _refresh(user_id, lists.active_version(kind=MF))


def _list_version_id(version: lists.ActiveVersion | None) -> int:
    """The id the reader's list is cached under: the serving hybrid's, else the MF version's
    (0: no model)."""
    hybrid = loaded_hybrid(mf=version)
    if hybrid is not None:
        return hybrid.version_id
    return version.id if version is not None else 0


def _refresh(user_id: int, version: lists.ActiveVersion | None) -> lists.ReaderList:
    reader_list = reader_list_compute(user_id=user_id, version=version)
    lists.reader_list_set(
        version_id=_list_version_id(version),
        user_id=user_id,
        reader_list=reader_list,
    )
    return reader_list


def reader_list_compute(*, user_id: int, version: lists.ActiveVersion | None) -> lists.ReaderList:
    if not personalisation_enabled(user_id=user_id):
        cold = _cold_start(set())
        return interests.reader_list_without_hidden(
            user_id=user_id, reader_list=lists.ReaderList(NON_PERSONAL, cold.items)
        )
    events = selectors.interaction_events_of(user_id=user_id)
    loaded = loaded_mf(version=version) if version is not None else None
    ranked: lists.ReaderList | None = None
    if _little_history(loaded, events):
        ranked = _content(user_id, events)
    if ranked is None and loaded is not None:
        assert version is not None, "an MF model is only loaded for an active version"
        hybrid = loaded_hybrid(mf=version)
        ranked = _personalized(loaded, events, version.artifact_path, hybrid)
        if ranked is not None:
            ranker = (HYBRID, hybrid.version_id) if hybrid is not None else (MF, version.id)
            ranked = ranked._replace(ranker=ranker)
    if ranked is None:
        ranked = _cold_start({article_id for article_id, _, _ in events})
    # Interests the reader removed on their "me" page never come back through the list.
    ranked = ranked._replace(items=editorial.diversified(ranked.items))
    return interests.reader_list_without_hidden(user_id=user_id, reader_list=ranked)


def _ranked(article_ids: list[int], scores: list[float]) -> tuple:
    """(id, score, topic slugs) of the published ones among ``article_ids``, in order."""
    articles = lists.article_dicts(article_ids=article_ids)
    return tuple(
        (article_id, score, tuple(topic["slug"] for topic in articles[article_id]["topics"]))
        for article_id, score in zip(article_ids, scores, strict=True)
        if article_id in articles
    )[: settings.RECSITE_LIST_LENGTH]


def _little_history(loaded: LoadedMF | None, events) -> bool:
    read = content.positive_article_ids(events)
    known = [pk for pk in read if loaded is not None and pk in loaded.column_of]
    return len(known) < settings.RECSITE_CONTENT_MIN_HISTORY


def _content(user_id: int, events) -> lists.ReaderList | None:
    index = embedding_index()
    if index is None:
        return None
    profile = content.content_profile(index=index, user_id=user_id, events=events)
    if profile is None:
        return None
    ids, scores = content.content_scores(
        index=index,
        profile=profile,
        exclude={article_id for article_id, _, _ in events},
        n=settings.RECSITE_LIST_LENGTH + CANDIDATE_MARGIN,
    )
    # The text encoder's article embeddings ranked it (its snapshot, if one was taken yet).
    snapshot = lists.active_version(kind=ENCODER)
    ranker = (ENCODER, snapshot.id if snapshot is not None else None)
    return lists.ReaderList(CONTENT, _ranked(ids, scores), ranker)


def _personalized(
    loaded: LoadedMF, events, artifact_path: str, hybrid: LoadedHybrid | None
) -> lists.ReaderList | None:
    known, idx, weights = model_history(loaded.column_of, events)
    if not known:
        return None
    if len(idx) == 0:  # only dislikes: nothing to place the reader by
        return None
    cold = cold_items(loaded=loaded, artifact_path=artifact_path)
    index = embedding_index()
    k = settings.RECSITE_LIST_LENGTH + CANDIDATE_MARGIN
    # The seen-rule covers every event, dislikes included: never recommend what they dismissed.
    approximate = approximate_top(
        loaded,
        artifact_path=artifact_path,
        hybrid=hybrid,
        columns=idx,
        weights=weights,
        seen_columns=[column for column, _, _ in known],
        seen_article_ids={pk for pk, _, _ in events},
        cold=cold,
        index=index,
        k=k,
    )
    if approximate is not None:  # a large catalogue: candidates from the ANN indexes
        return lists.ReaderList(PERSONALIZED, _ranked(*approximate))
    seen = np.zeros(len(loaded.item_ids), dtype=bool)
    seen[[column for column, _, _ in known]] = True
    item_ids = loaded.item_ids
    if cold is not None and len(cold.article_ids):
        # New articles: scored through their text's adapted factors (and, by the hybrid, text).
        seen = np.concatenate([seen, np.isin(cold.article_ids, [pk for pk, _, _ in events])])
        item_ids = np.concatenate([item_ids, cold.article_ids])
    if hybrid is not None:
        # Its MF base is this MF version: the same fold-in, the same adapter factors.
        scores = hybrid_scores(
            hybrid,
            columns=idx,
            weights=weights,
            seen=np.flatnonzero(seen),
            cold=cold,
            index=index,
        )
    else:
        vector = loaded.model.fold_in(idx, weights)
        scores = np.array(loaded.model.scores_for_vector(vector), dtype=np.float32)
        if cold is not None and len(cold.article_ids):
            scores = np.concatenate([scores, (cold.factors @ vector).astype(np.float32)])
    scores[seen] = -np.inf
    top = top_n(scores, min(k, len(scores)))
    items = _ranked(item_ids[top].tolist(), scores[top].tolist())
    return lists.ReaderList(PERSONALIZED, items)


def _cold_start(seen: set[int]) -> lists.ReaderList:
    """Trending, then newest, minus what the reader already saw; scores fall with the rank."""
    ordered = [pk for pk in lists.cold_start_ids() if pk not in seen]
    ordered = ordered[: settings.RECSITE_LIST_LENGTH]
    return lists.ReaderList(
        COLD_START, _ranked(ordered, [1.0 - rank / len(ordered) for rank in range(len(ordered))])
    )
