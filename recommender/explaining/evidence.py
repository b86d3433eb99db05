"""The evidence behind one reader's recommendations, per explanation style, read from the data.

Every fact an explanation may state is established here, at the moment it is shown: cited
articles are in the reader's current positive history and lower the score of the model that
ranked the list when removed (MF: recommender.ml.explain; the hybrid:
recommender.ml.explain_hybrid); topics are the recommended article's own; counts are counted.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from articles.models import Article, Interaction
from articles.selectors import followed_topic_slugs
from recommender.ml import explain, sentences
from recommender.ml.explain import SIMILAR_TEXT_MIN
from recommender.ml.explain_hybrid import HybridAblation, Score

from .. import selectors
from ..models import EditorialBoost, EvidencePenalty, HiddenInterest
from ..runtime.embeddings import EmbeddingIndex
from ..runtime.history import model_history, positive_events, positive_weights
from ..runtime.mf import LoadedMF

# Readers with fewer positive articles than this form the "new" bandit segment.
NEW_READER_HISTORY = 5
# "New": published in the last NEW_DAYS days, else among the newest NEWEST_PERCENT % of a
# catalogue of at least NEWEST_MIN_CATALOGUE articles (in a smaller one "newest" says little).
NEW_DAYS = 7
NEWEST_PERCENT = 10
NEWEST_MIN_CATALOGUE = 20
# Events that mean the reader read the article; a view or a click only says they opened it.
READ_OR_MORE = frozenset({"read", "share", "rating", "like", "bookmark"})


@dataclass
class Reader:
    """What explanations may cite about one reader, read once per page."""

    user_id: int
    events: list[tuple[int, str, float | None]]
    strongest: dict[int, str]  # positive history: article id -> its most telling event
    trust: dict[str, float]  # evidence key -> 1 - the reader's penalty on it
    penalized_at: dict[str, datetime]
    hidden_topics: set[str]
    topics_of: dict[int, set[str]] = field(default_factory=dict)  # history article -> slugs
    followed: set[str] = field(default_factory=set)  # slugs of the topics the reader follows

    @property
    def segment(self) -> str:
        return "new" if len(self.strongest) < NEW_READER_HISTORY else "regular"

    def trust_of(self, key: str) -> float:
        return self.trust.get(key, 1.0)


def reader_read(*, user_id: int) -> Reader:
    events = selectors.interaction_events_of(user_id=user_id)
    positive, _ = positive_weights(events)
    kept = set(positive.tolist())
    by_article = defaultdict(list)
    for article_id, event, _value in events:
        if article_id in kept:
            by_article[article_id].append(event)
    penalties = EvidencePenalty.objects.filter(user_id=user_id, penalty__gt=0)
    hidden = HiddenInterest.objects.filter(user_id=user_id, kind=HiddenInterest.Kind.TOPIC)
    reader = Reader(
        user_id=user_id,
        events=events,
        strongest={pk: sentences.strongest_event(kinds) for pk, kinds in by_article.items()},
        trust={p.key: max(0.0, 1.0 - p.penalty) for p in penalties},
        penalized_at={p.key: p.updated_at for p in penalties},
        hidden_topics=set(hidden.values_list("topic__slug", flat=True)),
        followed=followed_topic_slugs(user_id=user_id),
    )
    reader.topics_of = topics_of(article_ids=list(reader.strongest))
    return reader


def topics_of(*, article_ids: Iterable[int]) -> dict[int, set[str]]:
    rows = Article.topics.through.objects.filter(article_id__in=article_ids).values_list(
        "article_id", "topic__slug"
    )
    found: dict[int, set[str]] = {pk: set() for pk in article_ids}
    for article_id, slug in rows:
        found[article_id].add(slug)
    return found


def mf_options(
    reader: Reader, loaded: LoadedMF, targets: list[int], index: EmbeddingIndex | None = None
) -> dict[int, dict]:
    """because_you_read, co_readers and (with the text ``index``) similar_text evidence for
    ``targets`` from the MF item-item contributions of the reader's fold-in (exactly the one
    serving scored with): every cited article is a positive contributor whose removal lowers
    the score."""
    known, idx, weights = model_history(loaded.column_of, reader.events)
    targets = [pk for pk in targets if pk in loaded.column_of]
    if not known or not targets or len(idx) == 0:
        return {}
    model = loaded.model
    target_columns = np.array([loaded.column_of[pk] for pk in targets], dtype=np.int64)
    contributions = explain.mf_contributions(model, idx, weights, target_columns)
    baselines = [explain.ablated_score(model, idx, weights, c, ()) for c in target_columns]
    lowers = [
        explain.mf_lowers(model, idx, weights, column, baseline=baseline)
        for column, baseline in zip(target_columns.tolist(), baselines, strict=True)
    ]
    history = loaded.item_ids[idx].tolist()
    return _citing_options(reader, history, targets, contributions, lowers, baselines, index)


def hybrid_options(
    reader: Reader,
    item_ids: np.ndarray,
    idx: np.ndarray,
    weights: np.ndarray,
    score: Score,
    targets: list[int],
    index: EmbeddingIndex | None = None,
) -> dict[int, dict]:
    """The evidence of ``mf_options`` for a list the hybrid ranked, measured against the
    hybrid's own score (recommender.ml.explain_hybrid): a cited article is one whose removal
    from the history, the reader re-scored from scratch by ``score`` (the served scoring of
    ``item_ids``, serving.hybrid_reader, with history columns ``idx`` and ``weights``), lowers
    the article's score. New articles the hybrid placed by their text are explained the same
    way."""
    column_of = {pk: column for column, pk in enumerate(item_ids.tolist())}
    targets = [pk for pk in targets if pk in column_of]
    if not targets or len(idx) == 0:
        return {}
    ablation = HybridAblation(score, idx, weights, [column_of[pk] for pk in targets])
    lowers = [ablation.lowers(column) for column in ablation.targets.tolist()]
    history = item_ids[idx].tolist()
    return _citing_options(
        reader, history, targets, ablation.contributions(), lowers, ablation.scores, index
    )


def _citing_options(
    reader: Reader,
    history: list[int],
    targets: list[int],
    contributions: np.ndarray,
    lowers: list[explain.Lowers],
    scores: Sequence[float] | np.ndarray,
    index: EmbeddingIndex | None,
) -> dict[int, dict]:
    """because_you_read, co_readers and similar_text evidence of ``targets`` from the
    ``contributions`` float (targets, history) of the ``history`` article ids to their scores
    (``scores``), each citation checked by the ranker's ablation test ``lowers[row]``."""
    trust = np.array([reader.trust_of(f"article:{pk}") for pk in history])
    target_topics = topics_of(article_ids=targets)
    co_counts = _co_reader_counts(reader.user_id, targets, history, contributions)
    similarity = _similarities(index, targets, history)
    options: dict[int, dict] = {}
    for row, target in enumerate(targets):
        found = options.setdefault(target, {})
        citation = explain.faithful_citation(
            contributions[row],
            lowers[row],
            trust=trust,
            topics_of=lambda position: reader.topics_of.get(history[position], ()),
            target_topics=target_topics[target] - reader.hidden_topics,
        )
        if citation is not None:
            cited = [history[position] for position in citation.positions]
            found[sentences.BECAUSE_YOU_READ] = {
                "articles": cited,
                "topic": citation.topic,
                "event": reader.strongest.get(cited[0], "read"),
                "contributions": [
                    round(float(contributions[row, p]), 6) for p in citation.positions
                ],
                "score": round(float(scores[row]), 6),
            }
        counts = np.array([co_counts[target].get(pk, 0) for pk in history])
        position = explain.supported_citation(
            contributions[row], counts, lowers[row], minimum=1, trust=trust
        )
        if position is not None:
            found[sentences.CO_READERS] = {
                "articles": [history[position]],
                "count": int(counts[position]),
            }
        if similarity is None:
            continue
        position = explain.supported_citation(
            contributions[row], similarity[row], lowers[row], minimum=SIMILAR_TEXT_MIN, trust=trust
        )
        if position is not None:
            found[sentences.SIMILAR_TEXT] = {
                "articles": [history[position]],
                "event": reader.strongest.get(history[position], "read"),
                "similarity": round(float(similarity[row, position]), 3),
            }
    return options


def content_options(reader: Reader, targets: list[int], index: EmbeddingIndex | None) -> dict:
    """similar_text evidence for text-ranked articles (a content list, or an article the MF
    model ranks through its text): the history article contributing most to the text score —
    the score is the cosine with the weighted mean of the history's embeddings, so history
    article j adds w_j cos(j, target) — among those close in subject to it."""
    history, weights = positive_weights(reader.events)
    history = history.tolist()
    similarity = _similarities(index, targets, history)
    if similarity is None:
        return {}
    trust = np.array([reader.trust_of(f"article:{pk}") for pk in history])
    support = np.nan_to_num(similarity, nan=-np.inf) * weights * trust
    options = {}
    for row, target in enumerate(targets):
        eligible = np.flatnonzero(similarity[row] >= SIMILAR_TEXT_MIN)  # NaN compares False
        eligible = eligible[trust[eligible] > 0]
        if len(eligible):
            best = int(eligible[np.argmax(support[row, eligible])])
            options[target] = {
                sentences.SIMILAR_TEXT: {
                    "articles": [history[best]],
                    "event": reader.strongest.get(history[best], "read"),
                    "similarity": round(float(similarity[row, best]), 3),
                }
            }
    return options


def _similarities(index: EmbeddingIndex | None, targets, history) -> np.ndarray | None:
    """Cosines float (targets, history) of the text embeddings; NaN where one is missing."""
    if index is None:
        return None
    found_targets, target_vectors = index.vectors_of(targets)
    found_history, history_vectors = index.vectors_of(history)
    if not found_targets or not found_history:
        return None
    cosines = np.full((len(targets), len(history)), np.nan)
    rows = [targets.index(pk) for pk in found_targets]
    position_of = {pk: position for position, pk in enumerate(history)}
    columns = [position_of[pk] for pk in found_history]
    cosines[np.ix_(rows, columns)] = target_vectors @ history_vectors.T
    return cosines


def _co_reader_counts(user_id, targets, history, contributions) -> dict[int, dict[int, int]]:
    """target -> {history article -> number of other readers with a positive event on both},
    counted only for the history articles that could be cited (strong positive contributors)."""
    pool = set()
    for row in contributions:
        positive = np.flatnonzero(row > 0)
        pool.update(positive[np.argsort(-row[positive])][: explain.EXTRA_POOL].tolist())
    pool_ids = [history[position] for position in pool]
    events = positive_events()
    readers = defaultdict(set)
    rows = (
        Interaction.objects.filter(article_id__in=[*targets, *pool_ids], event__in=events)
        .exclude(user_id=user_id)
        # Readers who turned personalisation off lend their behaviour to no one.
        .exclude(user__personalisation__enabled=False)
        .values_list("article_id", "user_id")
        .distinct()
    )
    for article_id, other in rows:
        readers[article_id].add(other)
    return {
        target: {pk: len(readers[target] & readers[pk]) for pk in pool_ids} for target in targets
    }


def topic_options(reader: Reader, targets: list[int]) -> dict[int, dict]:
    """topic_match: the article's topic most present in the reader's positive history; its
    ``event`` is "read" only when the reader read (or more) every article counted, else "view"
    (they opened some of them only)."""
    counts = Counter(slug for slugs in reader.topics_of.values() for slug in slugs)
    only_opened = Counter(
        slug
        for pk, slugs in reader.topics_of.items()
        if reader.strongest.get(pk) not in READ_OR_MORE
        for slug in slugs
    )
    options = {}
    for target, slugs in topics_of(article_ids=targets).items():
        shared = [slug for slug in sorted(slugs - reader.hidden_topics) if counts[slug]]
        ranked = sorted(shared, key=lambda s: -counts[s] * reader.trust_of(f"topic:{s}"))
        if ranked and reader.trust_of(f"topic:{ranked[0]}") > 0:
            slug = ranked[0]
            options[target] = {
                sentences.TOPIC_MATCH: {
                    "topic": slug,
                    "count": counts[slug],
                    "event": "view" if only_opened[slug] else "read",
                }
            }
    return options


def followed_options(reader: Reader, targets: list[int]) -> dict[int, dict]:
    """followed_topic: a topic of the article that the reader follows (the list boosted the
    article for it, recommender.ranking.follows); the first by slug when several are, so the
    choice is stable."""
    followed = reader.followed - reader.hidden_topics
    options = {}
    for target, slugs in topics_of(article_ids=targets).items():
        mine = sorted(slugs & followed)
        mine = [slug for slug in mine if reader.trust_of(f"topic:{slug}") > 0]
        if mine:
            options[target] = {sentences.FOLLOWED_TOPIC: {"topic": mine[0]}}
    return options


def cold_start_options(targets: list[int]) -> dict[int, dict]:
    """trending (readers in the trending window) and new (rank among the newest articles)."""
    days = settings.RECSITE_TRENDING_DAYS
    since = timezone.now() - timedelta(days=days)
    trending = dict(
        Interaction.objects.filter(article_id__in=targets, created_at__gte=since)
        .exclude(event=Interaction.Event.DISLIKE)
        .values("article_id")
        .annotate(readers=Count("user_id", distinct=True))
        .values_list("article_id", "readers")
    )
    published = Article.objects.filter(status=Article.Status.PUBLISHED)
    now = timezone.now()
    newest_share: int | None = None  # how many articles are the newest NEWEST_PERCENT %
    options: dict[int, dict] = {}
    for article in published.filter(pk__in=targets):
        found = options.setdefault(article.pk, {})
        if trending.get(article.pk):
            found[sentences.TRENDING] = {"count": trending[article.pk], "days": days}
        assert article.published_at is not None, "a published article has its date"
        if now - article.published_at <= timedelta(days=NEW_DAYS):
            found[sentences.NEW] = {
                "days": NEW_DAYS,
                "published_at": article.published_at.isoformat(),
            }
            continue
        if newest_share is None:
            catalogue = published.count()
            enough = catalogue >= NEWEST_MIN_CATALOGUE
            newest_share = catalogue * NEWEST_PERCENT // 100 if enough else 0
        newer = published.filter(
            Q(published_at__gt=article.published_at)
            | Q(published_at=article.published_at, pk__gt=article.pk)
        )
        if newest_share and newer.count() < newest_share:
            found[sentences.NEW] = {
                "share": NEWEST_PERCENT,
                "published_at": article.published_at.isoformat(),
            }
    return options


def editorial_options(targets: list[int]) -> dict[int, dict]:
    """editorial: an editor's boost or pin in force on the article or one of its topics."""
    now = timezone.now()
    target_topics = topics_of(article_ids=targets)
    all_topics = set().union(*target_topics.values()) if target_topics else set()
    boosts = list(
        EditorialBoost.objects.filter(starts_at__lte=now, ends_at__gt=now)
        .filter(Q(article_id__in=targets) | Q(topic__slug__in=all_topics))
        .select_related("topic")
        .order_by("-starts_at")
    )
    options = {}
    for target in targets:
        applying = [
            boost
            for boost in boosts
            if boost.article_id == target
            or (boost.topic and boost.topic.slug in target_topics[target])
        ]
        if applying:
            # A pin says more than a boost, a boost of this article more than one of its topic.
            boost = max(
                applying,
                key=lambda b: (b.kind == EditorialBoost.Kind.PIN, b.article_id is not None),
            )
            options[target] = {
                sentences.EDITORIAL: {
                    "boost": boost.pk,
                    "kind": boost.kind,
                    "topic": boost.topic.slug if boost.topic else None,
                    "note": boost.note,
                }
            }
    return options
