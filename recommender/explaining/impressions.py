"""Recommended cards shown to readers, and which of them were opened: the dashboard's
click-through rates are measured from these rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from ..cache.experiments import ArmRef
from ..models import RecommendationImpression

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def impressions_record(
    *,
    user_id: int,
    surface: str,
    model_version_id: int | None,
    items: list[tuple],
    offset: int = 0,
    experiment_id: int | None = None,
) -> list[RecommendationImpression]:
    """One row per shown card; ``items`` are (article id, explanation id or None, the
    experiment arm that contributed it or None) in page order, the page starting at list
    position ``offset``. A card of an arm records that arm's version (an interleaved page mixes
    them) and the arm, so that its click credits the arm."""
    now = timezone.now()
    return RecommendationImpression.objects.bulk_create(
        RecommendationImpression(
            user_id=user_id,
            article_id=article_id,
            explanation_id=explanation_id,
            model_version_id=_version_of(arm, model_version_id),
            experiment_id=experiment_id,
            arm_id=arm.id if arm is not None else None,
            surface=surface,
            position=offset + rank,
            created_at=now,
        )
        for rank, (article_id, explanation_id, arm) in enumerate(items)
    )


def _version_of(arm: ArmRef | None, model_version_id: int | None) -> int | None:
    if arm is None or arm.mf_id is None or model_version_id is None:
        return model_version_id  # outside experiments, and lists no model ranked
    return arm.mf_id


def impression_click(*, user: User, impression_id: int, article_id: int) -> bool:
    """Mark the reader's own impression of ``article_id`` as clicked (the first click counts).
    Returns whether a row changed; someone else's or a mismatched impression changes nothing."""
    changed = RecommendationImpression.objects.filter(
        pk=impression_id, user_id=user.pk, article_id=article_id, clicked_at__isnull=True
    ).update(clicked_at=timezone.now())
    return changed == 1
