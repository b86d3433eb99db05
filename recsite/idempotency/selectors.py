"""Reads of idempotency keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from ..models import IdempotencyKey

if TYPE_CHECKING:  # the user model as a type; the code asks get_user_model() at run time
    from django.contrib.auth.models import User


def idempotency_expiry_cutoff() -> datetime:
    """Keys created before this instant are expired: never replayed, purged daily."""
    return timezone.now() - timedelta(hours=settings.RECSITE_IDEMPOTENCY_KEY_TTL_HOURS)


def idempotency_key_find(*, user: User, key: str) -> IdempotencyKey | None:
    """The user's unexpired, committed key, with its stored response."""
    return IdempotencyKey.objects.filter(
        user=user, key=key, created_at__gte=idempotency_expiry_cutoff()
    ).first()
