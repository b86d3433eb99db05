"""Recommended cards as the site shows them: article, explanation, the reader's vote on it, and
the impression the card was recorded as (its id goes into the article link, so opening the
article from the card counts as a click)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import RecommendationImpression
from ..ranking.serving import recommendations_for_user
from . import feedback, impressions
from .explanations import (
    ExplainedRecommendations,
    reason_key,
    recommendations_with_explanations,
    with_distinct_reasons,
)
from .wording import sentence_in_language

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class CardBatch:
    """One batch of the feed: the explained list, its cards, and what the next batch needs."""

    result: ExplainedRecommendations
    cards: list[dict]
    has_more: bool
    shown_ids: list[int]  # the articles of this batch and of those before it
    reason_keys: list[str]  # the reasons on screen once this batch is shown


def explained_cards(
    *,
    user: User,
    n: int,
    shown: Iterable[int] = (),
    seen: Set[str] = frozenset(),
    record_impressions: bool = True,
) -> CardBatch:
    """The next ``n`` cards of the reader's list after the articles ``shown`` (by id, so that
    articles leaving the list meanwhile, liked or dismissed, shift nothing), with no reason
    whose key is in ``seen`` or twice in the batch. ``record_impressions=False`` (a reader over
    the rate of recorded page loads) shows the same cards without storing them; their links
    then count no click."""
    shown = list(shown)
    result = recommendations_with_explanations(user=user, n=n, exclude=shown)
    result = with_distinct_reasons(user=user, result=result, seen=seen)
    recorded: Sequence[RecommendationImpression | None] = [None] * len(result.items)
    if record_impressions:
        recorded = impressions.impressions_record(
            user_id=user.pk,
            surface=RecommendationImpression.Surface.HOME,
            model_version_id=result.model_version_id,
            # One experiment per card: the list's when the reader is in one, else the styles'.
            items=[
                (
                    item.article["id"],
                    item.explanation["id"] if item.explanation else None,
                    item.arm if result.experiment_id is not None else result.style_arm,
                )
                for item in result.items
            ],
            experiment_id=result.experiment_id or result.style_experiment_id,
        )
    votes = feedback.feedback_of(
        user=user,
        explanation_ids=[item.explanation["id"] for item in result.items if item.explanation],
    )
    cards = []
    for item, impression in zip(result.items, recorded, strict=True):
        given = votes.get(item.explanation["id"]) if item.explanation else None
        cards.append(
            {
                "article": item.article,
                "explanation": item.explanation,
                "why": sentence_in_language(item.explanation) if item.explanation else "",
                "impression": None if impression is None else impression.pk,
                "vote": None if given is None else ("up" if given.vote > 0 else "down"),
                "reason": "" if given is None else given.reason,
                "message": ""
                if given is None
                else feedback.feedback_message(given.vote, given.reason),
            }
        )
    shown_now = [*shown, *(item.article["id"] for item in result.items)]
    following = recommendations_for_user(user=user, n=1, exclude=shown_now)
    return CardBatch(
        result=result,
        cards=cards,
        has_more=bool(result.items) and bool(following.items),
        shown_ids=shown_now,
        reason_keys=[
            *seen,
            *(reason_key(item.explanation["text"]) for item in result.items if item.explanation),
        ],
    )
