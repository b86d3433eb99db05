"""A reader's recommendations: the cached list, or on a miss fold-in + scoring + rules.

The list is computed from the reader's *current* interactions (fold-in against the active MF
model's item factors), so new behaviour counts at once, without retraining; each new
interaction deletes the cached list (recommender.receivers).

Strategies (the ``strategy`` of a response):
- "personalized": MF fold-in scores; articles the model has never seen (published since its
  training) take part through the text adapter's factors (cold start from text);
  when an active hybrid version was trained over the active MF version, the hybrid ranks
  instead, with the per-reader scoring of offline evaluation (recommender.ranking.hybrid)
  and, if it was fitted with the sequence LM, the reader's state under that LM version
  (recommender.training.hybrid_lm). The response's ``model_version_id`` stays the MF
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
from ..cache.experiments import ArmRef, running_experiment
from ..models import Experiment, ModelVersion
from ..runtime.embeddings import embedding_index
from ..runtime.history import model_history
from ..runtime.hybrid import LoadedHybrid
from ..runtime.mf import LoadedMF, cold_items, loaded_mf
from ..runtime.sequences import sequence_scores
from . import content, editorial, experiments, follows, interests
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
    # The experiment arm that put the article here (A/B: the reader's arm; interleaving: the
    # arm that contributed the position); None outside experiments and for editors' pins.
    arm: ArmRef | None = None


@dataclass(frozen=True)
class Recommendations:
    strategy: str
    model_version_id: int | None  # None for cold start: no model ranked these
    items: list[RecommendedItem]
    # (kind, version id) of the version that ranked the list: the hybrid when it did, MF when
    # it ranked alone, the encoder for content lists; None when no model did.
    ranker: tuple[str, int | None] | None = None
    # The MF version that ranked (for the explanations' evidence); None when none did.
    mf: lists.ActiveVersion | None = None
    experiment_id: int | None = None  # the running experiment the reader is in


def recommendations_for_user(
    *, user: User, n: int, offset: int = 0, topic: str | None = None, exclude: Iterable[int] = ()
) -> Recommendations:
    """Page ``offset:offset+n`` of ``user``'s list (their arm's, or the arms' interleaved list,
    while they are in a running experiment), optionally only articles of topic slug ``topic``
    and never the article ids in ``exclude``. A cache hit makes no SQL query."""
    assignment = experiments.reader_assignment(
        experiment=running_experiment(surface=Experiment.Surface.LIST), user_id=user.pk
    )
    served = _served(user.pk, assignment, refresh=False)
    excluded = set(exclude)
    result = _page(served, excluded, topic, n, offset, allow_gaps=False)
    if result is None:
        # An article of the page was unpublished after the list was computed: the list is
        # stale, so compute it again rather than serve a short page.
        served = _served(user.pk, assignment, refresh=True)
        result = _page(served, excluded, topic, n, offset, allow_gaps=True)
    return result


@dataclass(frozen=True)
class _Served:
    reader_list: lists.ReaderList  # with editorial boosts applied
    ranker: experiments.Ranker  # the reader's arm's, the first arm's when interleaved
    assignment: experiments.Assignment | None
    contributed: dict[int, ArmRef]  # article id -> the arm that put it in the list


def _served(user_id: int, assignment: experiments.Assignment | None, *, refresh: bool) -> _Served:
    if assignment is None:
        rankers = [experiments.active_ranker()]
    elif assignment.arm is not None:
        rankers = [experiments.arm_ranker(assignment.arm)]
    else:
        rankers = [experiments.arm_ranker(arm) for arm in assignment.experiment.arms]
    arm_lists = [
        (None if refresh else lists.reader_list_get(version_id=r.list_version_id, user_id=user_id))
        or _refresh(user_id, r)
        for r in rankers
    ]
    if assignment is not None and assignment.arm is None:
        reader_list, contributed = experiments.interleaved(
            experiment=assignment.experiment, user_id=user_id, arm_lists=arm_lists
        )
    else:
        reader_list = arm_lists[0]
        arm = assignment.arm if assignment is not None else None
        contributed = {} if arm is None else {pk: arm for pk, _, _ in reader_list.items}
    # Editors' pins and boosts apply at serving time: they must show before the lists expire.
    boosted = editorial.reader_list_with_boosts(user_id=user_id, reader_list=reader_list)
    return _Served(boosted, rankers[0], assignment, contributed)


def _page(served: _Served, excluded, topic, n, offset, *, allow_gaps):
    page = [
        (article_id, score)
        for article_id, score, topics in served.reader_list.items
        if article_id not in excluded and (topic is None or topic in topics)
    ][offset : offset + n]
    articles = lists.article_dicts(article_ids=[article_id for article_id, _ in page])
    if len(articles) < len(page) and not allow_gaps:
        return None
    personalized = served.reader_list.strategy == PERSONALIZED
    mf = served.ranker.mf if personalized else None
    return Recommendations(
        strategy=served.reader_list.strategy,
        model_version_id=mf.id if mf is not None else None,
        items=[
            RecommendedItem(articles[article_id], score, served.contributed.get(article_id))
            for article_id, score in page
            if article_id in articles
        ],
        ranker=served.reader_list.ranker,
        mf=mf,
        experiment_id=served.assignment.experiment.id if served.assignment else None,
    )


def reader_list_refresh(*, user_id: int) -> lists.ReaderList:
    """Compute ``user_id``'s list for the active version and store it in the cache."""
    return _refresh(user_id, experiments.active_ranker())


def _refresh(user_id: int, ranker: experiments.Ranker) -> lists.ReaderList:
    reader_list = reader_list_compute(user_id=user_id, ranker=ranker)
    lists.reader_list_set(
        version_id=ranker.list_version_id, user_id=user_id, reader_list=reader_list
    )
    return reader_list


def reader_list_compute(*, user_id: int, ranker: experiments.Ranker) -> lists.ReaderList:
    if not personalisation_enabled(user_id=user_id):
        cold = _cold_start(set())
        return interests.reader_list_without_hidden(
            user_id=user_id, reader_list=lists.ReaderList(NON_PERSONAL, cold.items)
        )
    events = selectors.interaction_events_of(user_id=user_id)
    version = ranker.mf
    loaded = loaded_mf(version=version) if version is not None else None
    ranked: lists.ReaderList | None = None
    if _little_history(loaded, events):
        ranked = _content(user_id, events)
    if ranked is None and loaded is not None:
        assert version is not None, "an MF model is only loaded for a version"
        hybrid = ranker.hybrid
        ranked = _personalized(user_id, loaded, events, version.artifact_path, hybrid)
        if ranked is not None:
            ranked_by = (HYBRID, hybrid.version_id) if hybrid is not None else (MF, version.id)
            ranked = ranked._replace(ranker=ranked_by)
    if ranked is None:
        ranked = _cold_start({article_id for article_id, _, _ in events})
    ranked = follows.reader_list_with_follows(user_id=user_id, reader_list=ranked)
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
    user_id: int, loaded: LoadedMF, events, artifact_path: str, hybrid: LoadedHybrid | None
) -> lists.ReaderList | None:
    scored = personal_scores(user_id, loaded, events, artifact_path, hybrid, approximate=True)
    if scored is None:
        return None
    item_ids, scores = scored
    k = min(settings.RECSITE_LIST_LENGTH + CANDIDATE_MARGIN, len(scores))
    top = top_n(scores, k)
    items = _ranked(item_ids[top].tolist(), scores[top].tolist())
    return lists.ReaderList(PERSONALIZED, items)


def personal_scores(
    user_id: int,
    loaded: LoadedMF,
    events,
    artifact_path: str,
    hybrid: LoadedHybrid | None,
    *,
    approximate: bool = False,
) -> tuple[np.ndarray, np.ndarray] | None:
    """(article ids int64 (n,), float32 (n,) scores) of reader ``user_id`` from ``events``
    (theirs, or a part of them; the hybrid's LM feature reads their sequence state stored
    under the hybrid's LM version):
    the served MF or hybrid score of every article the model knows or can place by its text,
    -inf on what they interacted with; None when the model knows nothing of theirs to place
    them by. What the "personalized" list ranks, and what a request's ranking calls the
    reader's own signal (recommender.ranking.request). ``approximate``: on a large catalogue,
    only the best unseen candidates from the nearest-neighbour indexes, scored exactly
    (recommender.ranking.approximate), unless the hybrid's LM feature applies to the reader
    (no index of the LM's output embeddings yet: scored in full)."""
    known, idx, weights = model_history(loaded.column_of, events)
    if not known:
        return None
    if len(idx) == 0:  # only dislikes: nothing to place the reader by
        return None
    cold = cold_items(loaded=loaded, artifact_path=artifact_path)
    index = embedding_index()
    k = settings.RECSITE_LIST_LENGTH + CANDIDATE_MARGIN
    if approximate and _lm_weighed(hybrid):
        approximate = _lm_scores(user_id, hybrid, np.zeros(0, dtype=np.int64)) is None
    # The seen-rule covers every event, dislikes included: never recommend what they dismissed.
    candidates = None
    if approximate:
        candidates = approximate_top(
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
    if candidates is not None:  # a large catalogue: candidates from the ANN indexes
        found_ids, found_scores = candidates
        return np.asarray(found_ids, dtype=np.int64), np.asarray(found_scores, dtype=np.float32)
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
            lm_scores=_lm_scores(user_id, hybrid, np.asarray(item_ids, dtype=np.int64)),
        )
    else:
        vector = loaded.model.fold_in(idx, weights)
        scores = np.array(loaded.model.scores_for_vector(vector), dtype=np.float32)
        if cold is not None and len(cold.article_ids):
            scores = np.concatenate([scores, (cold.factors @ vector).astype(np.float32)])
    scores[seen] = -np.inf
    return item_ids, scores


def _lm_weighed(hybrid: LoadedHybrid | None) -> bool:
    return (
        hybrid is not None
        and hybrid.lm_version is not None
        and bool(hybrid.model.weights.get("lm"))
    )


def _lm_scores(
    user_id: int, hybrid: LoadedHybrid | None, article_ids: np.ndarray
) -> np.ndarray | None:
    """The hybrid's LM feature's scores of ``article_ids`` for the reader: from the state the
    worker stored under the LM version the hybrid was fitted with (its weight was learnt for
    that version's scores, even after another LM version was activated); None without one."""
    if hybrid is None or not _lm_weighed(hybrid):
        return None
    return sequence_scores(user_id, article_ids, version=hybrid.lm_version)


def _cold_start(seen: set[int]) -> lists.ReaderList:
    """Trending, then newest, minus what the reader already saw; scores fall with the rank."""
    ordered = [pk for pk in lists.cold_start_ids() if pk not in seen]
    ordered = ordered[: settings.RECSITE_LIST_LENGTH]
    return lists.ReaderList(
        COLD_START, _ranked(ordered, [1.0 - rank / len(ordered) for rank in range(len(ordered))])
    )
