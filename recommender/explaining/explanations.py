"""Explanations of what a reader is shown: evidence -> style (bandit) -> sentence -> stored row.

Explanations are made lazily, for the items of a page being shown, and reused while the same
model version serves — unless what they cite is no longer true (the article left the reader's
history, the reader penalised or hid the evidence since). Explanations of lists that no model
version ranked (content, cold start: trending counts and the like age) are reused for a day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from articles.models import Article, Topic
from recommender.ml import sentences

from ..cache import explanations as explanation_cache
from ..cache import lists
from ..cache.experiments import ArmRef, running_experiment
from ..models import EditorialBoost, Experiment, Explanation
from ..ranking.experiments import reader_assignment
from ..ranking.serving import (
    CONTENT,
    NON_PERSONAL,
    PERSONALIZED,
    Recommendations,
    recommendations_for_user,
)
from ..runtime.embeddings import embedding_index
from ..runtime.mf import loaded_mf
from . import evidence, styles

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COLD_START_REUSE = timedelta(days=1)
# What a non-personal list may say: nothing drawn from the reader's behaviour.
NON_PERSONAL_STYLES = (
    Explanation.Style.TRENDING,
    Explanation.Style.NEW,
    Explanation.Style.EDITORIAL,
)


@dataclass(frozen=True)
class ExplainedItem:
    article: dict
    score: float
    # explanation_dict(); None only when nothing true can be said (e.g. the reader marked every
    # reason for this article wrong).
    explanation: dict | None
    arm: ArmRef | None = None  # the experiment arm that put it here (RecommendedItem.arm)


@dataclass(frozen=True)
class ExplainedRecommendations:
    strategy: str
    model_version_id: int | None
    items: list[ExplainedItem]
    # {"kind", "version"} of the model version that ranked the list; None when none did.
    ranker: dict | None = None
    experiment_id: int | None = None
    # The reader's arm of the experiment running on explanation styles, if any.
    style_arm: ArmRef | None = None
    style_experiment_id: int | None = None


def explanation_dict(explanation: Explanation) -> dict:
    return {
        "id": explanation.pk,
        "text": explanation.text,
        "style": explanation.style,
        "evidence": explanation.evidence,
    }


def _ranker_dict(kind: str, version_id: int | None) -> dict:
    return {"kind": kind, "version": version_id}


def recommendations_with_explanations(
    *, user: User, n: int, offset: int = 0, topic: str | None = None, exclude: Iterable[int] = ()
) -> ExplainedRecommendations:
    """``recommendations_for_user`` with an explanation on every item. When the list and its
    explanations are cached, no SQL query is made."""
    result = recommendations_for_user(user=user, n=n, offset=offset, topic=topic, exclude=exclude)
    style_in = reader_assignment(
        experiment=running_experiment(surface=Experiment.Surface.STYLE), user_id=user.pk
    )
    style_arm = style_in.arm if style_in is not None else None
    explained: dict[int, dict | None] = {}
    for part in _by_ranking_version(result):
        explained.update(_explained(user.pk, part, style_arm))
    return ExplainedRecommendations(
        strategy=result.strategy,
        model_version_id=result.model_version_id,
        items=[
            ExplainedItem(item.article, item.score, explained[item.article["id"]], item.arm)
            for item in result.items
        ],
        ranker=None if result.ranker is None else _ranker_dict(*result.ranker),
        experiment_id=result.experiment_id,
        style_arm=style_arm,
        style_experiment_id=style_in.experiment.id if style_in is not None else None,
    )


def _by_ranking_version(result: Recommendations) -> list[Recommendations]:
    """``result`` split by the MF version that ranked each item: an interleaved list mixes
    arms, and each item is explained by the model of the arm that contributed it."""
    if not any(
        item.arm is not None and item.arm.mf_id != result.model_version_id for item in result.items
    ):
        return [result]
    parts: dict[int | None, list] = {}
    for item in result.items:
        mf_id = item.arm.mf_id if item.arm is not None else result.model_version_id
        parts.setdefault(mf_id, []).append(item)
    return [
        replace(
            result,
            model_version_id=mf_id if result.model_version_id is not None else None,
            mf=_arm_mf(items[0].arm, result.mf),
            items=items,
        )
        for mf_id, items in parts.items()
    ]


def _arm_mf(arm, default: lists.ActiveVersion | None) -> lists.ActiveVersion | None:
    if default is None or arm is None or arm.mf_id is None:
        return default
    return lists.ActiveVersion(arm.mf_id, arm.mf_path or "")


def _explained(
    user_id: int, result: Recommendations, style_arm: ArmRef | None
) -> dict[int, dict | None]:
    """Article id -> its explanation dict, from the reader's explanation cache of the
    result's version, the missing ones made (and cached) now; in the style ``style_arm``
    imposes where its evidence allows."""
    version_id = result.model_version_id or 0
    policy = style_arm.style if style_arm is not None else ""
    cached = explanation_cache.explanations_get(version_id=version_id, user_id=user_id)
    keys = {
        item.article["id"]: explanation_cache.entry_key(item.article["id"], item.score, policy)
        for item in result.items
    }
    missing = [article_id for article_id, key in keys.items() if key not in cached]
    if missing:
        made = explanations_for(user_id=user_id, result=result, article_ids=missing, policy=policy)
        cached = {
            **cached,
            **{keys[article_id]: explanation_dict(made[article_id]) for article_id in made},
        }
        explanation_cache.explanations_set(version_id=version_id, user_id=user_id, entries=cached)
    return {article_id: cached.get(key) for article_id, key in keys.items()}


def explanations_for(
    *, user_id: int, result: Recommendations, article_ids: list[int], policy: str = ""
) -> dict[int, Explanation]:
    """A valid explanation of each of ``article_ids`` (items of ``result``): stored ones reused,
    the others made now. ``policy``: the style an explanation-style experiment's arm imposes
    (only explanations in it are reused; made ones use it where the evidence allows)."""
    reader = evidence.reader_read(user_id=user_id)
    version_id = result.model_version_id
    stored = Explanation.objects.filter(
        user_id=user_id, article_id__in=article_ids, model_version_id=version_id
    ).order_by("article_id", "-created_at", "-id")
    if result.strategy == NON_PERSONAL:
        stored = stored.filter(style__in=NON_PERSONAL_STYLES)
    if policy:
        stored = stored.filter(style=policy)
    found: dict[int, Explanation] = {}
    for explanation in stored:
        if explanation.article_id not in found and _still_true(explanation, reader):
            found[explanation.article_id] = explanation
    missing = [article_id for article_id in article_ids if article_id not in found]
    if missing:
        found.update(_make(reader, result, missing, policy))
    return found


def _evidence_keys(style: str, facts: dict) -> list[str]:
    """What a reader's "wrong reason" vote on this evidence penalises."""
    keys = [f"article:{article_id}" for article_id in facts.get("articles", [])]
    if facts.get("topic"):
        keys.append(f"topic:{facts['topic']}")
    return keys or [f"style:{style}"]


def evidence_keys(explanation: Explanation) -> list[str]:
    return _evidence_keys(explanation.style, explanation.evidence)


def _still_true(explanation: Explanation, reader: evidence.Reader) -> bool:
    facts = explanation.evidence
    if any(article_id not in reader.strongest for article_id in facts.get("articles", [])):
        return False
    if facts.get("topic") in reader.hidden_topics:
        return False
    keys = [*evidence_keys(explanation), f"style:{explanation.style}"]
    created = explanation.created_at
    if any(reader.penalized_at.get(key, created) > created for key in keys):
        return False
    if explanation.model_version_id is None:
        return timezone.now() - explanation.created_at < COLD_START_REUSE
    return True


def _make(
    reader: evidence.Reader, result: Recommendations, targets: list[int], policy: str = ""
) -> dict:
    options: dict[int, dict] = {target: {} for target in targets}
    sources = [evidence.editorial_options(targets)]
    if result.strategy != NON_PERSONAL:
        sources.append(evidence.topic_options(reader, targets))
    if result.strategy == PERSONALIZED:
        index = embedding_index()
        # The MF version that ranked the list: the active one, or an experiment arm's.
        loaded = loaded_mf(version=result.mf) if result.mf is not None else None
        if loaded is not None and loaded.version_id == result.model_version_id:
            sources.append(evidence.mf_options(reader, loaded, targets, index))
            # Articles newer than the model are ranked through their text (the adapter).
            unknown = [pk for pk in targets if pk not in loaded.column_of]
            sources.append(evidence.content_options(reader, unknown, index))
    elif result.strategy == CONTENT:
        sources.append(evidence.content_options(reader, targets, embedding_index()))
    else:
        sources.append(evidence.cold_start_options(targets))
    for source in sources:
        for target, found in source.items():
            options[target].update(found)
    titles, topic_names = _names(options)
    rows = []
    for target in targets:
        available = options[target]
        if not available:
            continue  # an unpublished or vanished article: nothing true to say, nothing shown
        if available.get(Explanation.Style.EDITORIAL, {}).get("kind") == EditorialBoost.Kind.PIN:
            # A pinned article is in the list because an editor put it there: any other
            # reason would not be the true one.
            style: str = Explanation.Style.EDITORIAL
        elif policy in available:
            style = policy  # the reader's arm of an explanation-style experiment
        else:
            style = styles.style_choose(
                styles=[style for style in Explanation.Style.values if style in available],
                segment=reader.segment,
                trust={style: reader.trust_of(f"style:{style}") for style in available},
                seed=[reader.user_id, target, result.model_version_id or 0],
            )
        facts = {**available[style], "segment": reader.segment}
        text = sentences.render(style, facts, titles=titles, topic_names=topic_names)
        rows.append(
            Explanation(
                user_id=reader.user_id,
                article_id=target,
                model_version_id=result.model_version_id,
                style=style,
                text=text[:500],
                evidence=facts,
            )
        )
    with transaction.atomic():
        created = Explanation.objects.bulk_create(rows)
    return {explanation.article_id: explanation for explanation in created}


def _names(options: dict[int, dict]) -> tuple[dict[str, str], dict[str, str]]:
    """Titles of every cited article and names of every named topic, in two queries."""
    article_ids, slugs = set(), set()
    for available in options.values():
        for facts in available.values():
            article_ids.update(facts.get("articles", []))
            if facts.get("topic"):
                slugs.add(facts["topic"])
    titles = dict(Article.objects.filter(pk__in=article_ids).values_list("pk", "title"))
    names = dict(Topic.objects.filter(slug__in=slugs).values_list("slug", "name"))
    return {str(pk): title for pk, title in titles.items()}, names
