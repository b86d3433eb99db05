"""Explanations of what a reader is shown: evidence -> style (bandit) -> sentence -> stored row.

Explanations are made lazily, for the items of a page being shown, and reused while the same
model version serves — unless what they cite is no longer true (the article left the reader's
history, the reader penalised or hid the evidence since). Explanations of lists that no model
version ranked (content, cold start: trending counts and the like age) are reused for a day.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Set
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from recommender.ml import sentences

from ..cache import explanations as explanation_cache
from ..cache import lists
from ..cache.experiments import ArmRef, running_experiment
from ..models import EditorialBoost, Experiment, Explanation, ModelVersion
from ..ranking.experiments import active_ranker, arm_ranker, reader_assignment
from ..ranking.serving import (
    CONTENT,
    NON_PERSONAL,
    PERSONALIZED,
    Recommendations,
    hybrid_reader,
    recommendations_for_user,
)
from ..runtime.embeddings import embedding_index
from ..runtime.hybrid import LoadedHybrid
from ..runtime.mf import loaded_mf
from . import evidence, styles, wording

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
    # The MF version that ranked the list (Recommendations.mf), to explain an item again.
    mf: lists.ActiveVersion | None = None


def explanation_dict(explanation: Explanation, names: dict) -> dict:
    """The cached entry of an explanation: the API's fields, and the ``names`` its sentence
    cites (wording.cited_names), so it can be rendered in any language without a query."""
    return {
        "id": explanation.pk,
        "text": explanation.text,
        "style": explanation.style,
        "evidence": explanation.evidence,
        "names": names,
    }


def reason_key(text: str) -> str:
    """A short digest of an explanation's text: what a page passes on to its next batch to say
    which reasons the reader already has on screen."""
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def with_distinct_reasons(
    *, user: User, result: ExplainedRecommendations, seen: Set[str] = frozenset()
) -> ExplainedRecommendations:
    """``result`` with no explanation text twice, nor one whose ``reason_key`` is in ``seen``
    (shown earlier on the page): a card that would repeat one gets its article's next-best true
    reason, or none when every true reason is already on screen."""
    # The choice is cached with the reader's explanations (and forgotten with them): looking
    # for another true reason reads the reader's history and may score evidence again.
    version_id = result.model_version_id or 0
    cached = explanation_cache.explanations_get(version_id=version_id, user_id=user.pk)
    given = [(item.article["id"], (item.explanation or {}).get("id")) for item in result.items]
    digest = hashlib.sha1(repr((sorted(seen), given)).encode()).hexdigest()
    choice_key = f"distinct:{digest}"
    if choice_key not in cached:
        cached = {**cached, choice_key: {"explanations": _distinct(user, result, seen)}}
        explanation_cache.explanations_set(version_id=version_id, user_id=user.pk, entries=cached)
    chosen = cached[choice_key]["explanations"]
    return replace(
        result,
        items=[
            replace(item, explanation=explanation)
            for item, explanation in zip(result.items, chosen, strict=True)
        ],
    )


def _distinct(user: User, result: ExplainedRecommendations, seen: Set[str]) -> list[dict | None]:
    shown = set(seen)
    policy = result.style_arm.style if result.style_arm is not None else ""
    reader: evidence.Reader | None = None  # read once, when a first card needs another reason
    chosen = []
    for item in result.items:
        explanation = item.explanation
        if explanation is not None and reason_key(explanation["text"]) in shown:
            reader = reader or evidence.reader_read(user_id=user.pk)
            other = explanation_avoiding(
                reader=reader,
                result=_ranked_by(result, item),
                article_id=item.article["id"],
                avoid=shown,
                policy=policy,
            )
            explanation = None if other is None else _entry(other)
        if explanation is not None:
            shown.add(reason_key(explanation["text"]))
        chosen.append(explanation)
    return chosen


def _entry(explanation: Explanation) -> dict:
    """``explanation_dict`` of one explanation, its cited names looked up."""
    titles, topics = wording.names_of([explanation.evidence])
    return explanation_dict(explanation, wording.cited_names(explanation.evidence, titles, topics))


def _ranked_by(result: ExplainedRecommendations, item: ExplainedItem) -> Recommendations:
    """What ranked ``item`` (its experiment arm's MF version, else the list's), as
    ``_by_ranking_version`` gives it to the explanations."""
    mf_id = item.arm.mf_id if item.arm is not None else result.model_version_id
    return Recommendations(
        strategy=result.strategy,
        model_version_id=mf_id if result.model_version_id is not None else None,
        items=[],
        ranker=None if result.ranker is None else (result.ranker["kind"], result.ranker["version"]),
        mf=_arm_mf(item.arm, result.mf),
    )


def explanation_avoiding(
    *,
    reader: evidence.Reader,
    result: Recommendations,
    article_id: int,
    avoid: Set[str],
    policy: str = "",
) -> Explanation | None:
    """A valid explanation of ``article_id`` (an item of ``result``) whose ``reason_key`` is not
    in ``avoid``: a stored one reused, else one made now from the remaining evidence (in the
    style ``policy`` where it allows)."""
    for explanation in _stored(reader.user_id, result, [article_id]):
        if reason_key(explanation.text) not in avoid and _still_true(explanation, reader, result):
            return explanation
    return _make(reader, result, [article_id], policy, avoid=avoid).get(article_id)


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
        mf=result.mf,
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
        titles, topics = wording.names_of(explanation.evidence for explanation in made.values())
        cached = {
            **cached,
            **{
                keys[article_id]: explanation_dict(
                    explanation, wording.cited_names(explanation.evidence, titles, topics)
                )
                for article_id, explanation in made.items()
            },
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
    found: dict[int, Explanation] = {}
    for explanation in _stored(user_id, result, article_ids, policy):
        if explanation.article_id not in found and _still_true(explanation, reader, result):
            found[explanation.article_id] = explanation
    missing = [article_id for article_id in article_ids if article_id not in found]
    if missing:
        found.update(_make(reader, result, missing, policy))
    return found


def _stored(user_id: int, result: Recommendations, article_ids: list[int], policy: str = ""):
    """The reader's stored explanations of ``article_ids`` under ``result``'s version (in the
    style ``policy`` when one is imposed), newest first per article."""
    stored = Explanation.objects.filter(
        user_id=user_id, article_id__in=article_ids, model_version_id=result.model_version_id
    ).order_by("article_id", "-created_at", "-id")
    if result.strategy == NON_PERSONAL:
        stored = stored.filter(style__in=NON_PERSONAL_STYLES)
    if policy:
        stored = stored.filter(style=policy)
    return stored


# Evidence stored before the wording told opened from read, or "new" from the catalogue's
# size: such explanations are made again rather than shown.
_OUTDATED_EVIDENCE: dict[str, str] = {
    Explanation.Style.SIMILAR_TEXT: "event",
    Explanation.Style.TOPIC_MATCH: "event",
}


def _evidence_keys(style: str, facts: dict) -> list[str]:
    """What a reader's "wrong reason" vote on this evidence penalises."""
    keys = [f"article:{article_id}" for article_id in facts.get("articles", [])]
    if facts.get("topic"):
        keys.append(f"topic:{facts['topic']}")
    return keys or [f"style:{style}"]


def evidence_keys(explanation: Explanation) -> list[str]:
    return _evidence_keys(explanation.style, explanation.evidence)


def _still_true(explanation: Explanation, reader: evidence.Reader, result: Recommendations) -> bool:
    facts = explanation.evidence
    if facts.get("ranker") != _hybrid_tag(result):  # evidence of another ranker's score
        return False
    if any(article_id not in reader.strongest for article_id in facts.get("articles", [])):
        return False
    if facts.get("topic") in reader.hidden_topics:
        return False
    needed = _OUTDATED_EVIDENCE.get(explanation.style)
    if (needed and needed not in facts) or "within" in facts:
        return False
    if explanation.style == Explanation.Style.FOLLOWED_TOPIC and (
        facts.get("topic") not in reader.followed
    ):
        return False
    keys = [*evidence_keys(explanation), f"style:{explanation.style}"]
    created = explanation.created_at
    if any(reader.penalized_at.get(key, created) > created for key in keys):
        return False
    if explanation.model_version_id is None:
        return timezone.now() - explanation.created_at < COLD_START_REUSE
    return True


def ranking_hybrid(result: Recommendations) -> LoadedHybrid | None:
    """The hybrid version that ranked ``result`` (the active one or an experiment arm's, over
    the list's MF version); None when MF ranked it alone or the hybrid cannot be loaded (its
    MF evidence explains it then)."""
    if result.ranker is None or result.ranker[0] != ModelVersion.Kind.HYBRID:
        return None
    running = running_experiment(surface=Experiment.Surface.LIST)
    arms = [
        arm for arm in (running.arms if running else ()) if arm.kind == ModelVersion.Kind.HYBRID
    ]
    for ranker in [active_ranker(), *(arm_ranker(arm) for arm in arms)]:
        hybrid = ranker.hybrid
        if (
            hybrid is not None
            and hybrid.version_id == result.ranker[1]
            and hybrid.mf_version_id == result.model_version_id
        ):
            return hybrid
    return None


def _hybrid_tag(result: Recommendations) -> str | None:
    """What a hybrid-ranked list's explanations record of the hybrid (the MF version is the
    explanation's model_version)."""
    if result.ranker is None or result.ranker[0] != ModelVersion.Kind.HYBRID:
        return None
    return f"hybrid:{result.ranker[1]}"


def _make(
    reader: evidence.Reader,
    result: Recommendations,
    targets: list[int],
    policy: str = "",
    *,
    avoid: Set[str] = frozenset(),
) -> dict:
    """New explanations of ``targets``, none whose ``reason_key`` is in ``avoid``."""
    options: dict[int, dict] = {target: {} for target in targets}
    sources = [evidence.editorial_options(targets)]
    hybrid: LoadedHybrid | None = None  # the hybrid whose score the evidence is measured on
    if result.strategy != NON_PERSONAL:
        sources.append(evidence.topic_options(reader, targets))
        if settings.RECSITE_FOLLOW_BOOST > 1:  # only then does following raise the score
            sources.append(evidence.followed_options(reader, targets))
    if result.strategy == PERSONALIZED:
        index = embedding_index()
        # The MF version that ranked the list: the active one, or an experiment arm's.
        loaded = loaded_mf(version=result.mf) if result.mf is not None else None
        hybrid = ranking_hybrid(result)
        if loaded is not None and loaded.version_id == result.model_version_id:
            if hybrid is not None:
                # The hybrid ranked it: evidence measured against the hybrid's own score, new
                # articles (which it places by their text too) included.
                assert result.mf is not None, "a loaded MF version"
                scored = hybrid_reader(
                    reader.user_id, loaded, reader.events, result.mf.artifact_path, hybrid
                )
                sources.append(evidence.hybrid_options(reader, *scored, targets, index))
            else:
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
    titles, topic_names = wording.names_of(
        facts for available in options.values() for facts in available.values()
    )
    rows = []
    for target in targets:
        available = options[target]
        if available.get(Explanation.Style.EDITORIAL, {}).get("kind") == EditorialBoost.Kind.PIN:
            # A pinned article is in the list because an editor put it there: any other
            # reason would not be the true one.
            available = {Explanation.Style.EDITORIAL: available[Explanation.Style.EDITORIAL]}
        texts = {
            style: sentences.render(style, facts, titles=titles, topic_names=topic_names)
            for style, facts in available.items()
        }
        available = {
            style: facts
            for style, facts in available.items()
            if reason_key(texts[style]) not in avoid
        }
        if not available:
            # An unpublished or vanished article, or every true reason already on screen:
            # nothing (more) to say.
            continue
        if policy in available:
            style: str = policy  # the reader's arm of an explanation-style experiment
        else:
            style = styles.style_choose(
                styles=[style for style in Explanation.Style.values if style in available],
                segment=reader.segment,
                trust={style: reader.trust_of(f"style:{style}") for style in available},
                seed=[reader.user_id, target, result.model_version_id or 0],
            )
        facts = {**available[style], "segment": reader.segment}
        if hybrid is not None:
            facts["ranker"] = _hybrid_tag(result)  # reused only for lists this hybrid ranks
        text = texts[style]
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
