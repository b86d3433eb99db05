"""Editors' boosts as serving reads them: few rows, cached for every process and forgotten
whenever one is saved or deleted (recommender.receivers); applied by recommender.ranking.editorial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from .. import selectors
from ..privacy import BOOSTS
from . import lists

BOOSTS_KEY = BOOSTS.key()
BOOSTS_TTL_SECONDS = 60


@dataclass(frozen=True)
class Boost:
    kind: str  # "pin" | "boost"
    article_id: int | None
    topic_slug: str | None
    factor: float
    starts_at: datetime
    ends_at: datetime


def boosts_in_force(now: datetime | None = None) -> list[Boost]:
    """Boosts in force at ``now`` (default: the present), newest start first."""
    now = now or timezone.now()
    return [boost for boost in _boosts_not_ended(now) if boost.starts_at <= now < boost.ends_at]


def _boosts_not_ended(now: datetime) -> list[Boost]:
    cached = cache.get(BOOSTS_KEY)
    if cached is None:
        cached = [
            Boost(
                kind=row.kind,
                article_id=row.article_id,
                topic_slug=row.topic.slug if row.topic is not None else None,
                factor=row.factor,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
            )
            for row in selectors.editorial_boosts_not_ended(now=now)
        ]
        cache.set(BOOSTS_KEY, cached, timeout=BOOSTS_TTL_SECONDS)
    return cached


def boosts_forget() -> None:
    cache.delete(BOOSTS_KEY)
    lists.pages_generation_bump()  # rendered pages show the boosts


def boosts_next_change(now: datetime | None = None) -> datetime | None:
    """When the set of boosts in force next changes by itself (a boost starts or ends), if
    ever: rendered pages must not outlive that moment."""
    now = now or timezone.now()
    moments = [
        moment
        for boost in _boosts_not_ended(now)
        for moment in (boost.starts_at, boost.ends_at)
        if moment > now
    ]
    return min(moments, default=None)
