"""Recommended cards as the site shows them: article, explanation, the reader's vote on it, and
the impression the card was recorded as (its id goes into the article link, so opening the
article from the card counts as a click)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import RecommendationImpression
from . import feedback, impressions
from .explanations import ExplainedRecommendations, recommendations_with_explanations

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def explained_cards(
    *, user: User, n: int, record_impressions: bool = True
) -> tuple[ExplainedRecommendations, list[dict]]:
    """``record_impressions=False`` (a reader over the rate of recorded page loads) shows the
    same cards without storing them; their links then count no click."""
    result = recommendations_with_explanations(user=user, n=n)
    shown: Sequence[RecommendationImpression | None] = [None] * len(result.items)
    if record_impressions:
        shown = impressions.impressions_record(
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
    for item, impression in zip(result.items, shown, strict=True):
        given = votes.get(item.explanation["id"]) if item.explanation else None
        cards.append(
            {
                "article": item.article,
                "explanation": item.explanation,
                "impression": None if impression is None else impression.pk,
                "vote": None if given is None else ("up" if given.vote > 0 else "down"),
                "reason": "" if given is None else given.reason,
                "message": ""
                if given is None
                else feedback.feedback_message(given.vote, given.reason),
            }
        )
    return result, cards
