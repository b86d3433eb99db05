"""Reads of idempotency keys."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ..models import IdempotencyKey


def idempotency_expiry_cutoff() -> datetime:
    """Keys created before this instant are expired: never replayed, purged daily."""
    return timezone.now() - timedelta(hours=settings.RECSITE_IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_key_find(*, user, key: str) -> IdempotencyKey | None:
    """The user's unexpired, committed key, with its stored response."""
    return IdempotencyKey.objects.filter(
        user=user, key=key, created_at__gte=idempotency_expiry_cutoff()
    ).first()
