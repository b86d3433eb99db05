"""Writes of idempotency keys: claim one before the view runs, store the response with the
view's writes, purge expired ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from ..models import IdempotencyKey

if TYPE_CHECKING:  # the user model as a type; the code asks get_user_model() at run time
    from django.contrib.auth.models import User
from .selectors import idempotency_expiry_cutoff

# PostgreSQL's SQLSTATE for a lock wait that reached lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"


class IdempotencyKeyTaken(Exception):
    """Another request with the same user and key committed first."""


class IdempotencyKeyBusy(Exception):
    """Another request with the same user and key is still running after the wait."""


def _insert_waiting_at_most(
    *, seconds: float, user: User, key: str, request_hash: str
) -> IdempotencyKey:
    if connection.vendor != "postgresql":
        # SQLite serialises writers with its database lock; there is nothing to bound here.
        return IdempotencyKey.objects.create(user=user, key=key, request_hash=request_hash)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout')")
        (previous,) = cursor.fetchone()
        # Local to the transaction, and undone with the savepoint when the insert fails.
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(seconds * 1000)}ms"])
        record = IdempotencyKey.objects.create(user=user, key=key, request_hash=request_hash)
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    return record


def idempotency_key_claim(*, user: User, key: str, request_hash: str) -> IdempotencyKey:
    """Insert the key's row in the caller's transaction, before the view's writes.

    On PostgreSQL the insert waits while another open transaction holds the same (user, key) --
    the unique index makes it -- and fails with IdempotencyKeyTaken once that one commits, or
    IdempotencyKeyBusy after settings.RECSITE_IDEMPOTENCY_WAIT_SECONDS. If the other one rolls
    back, the insert succeeds and this request runs.
    """
    try:
        with transaction.atomic():  # a savepoint: a failed insert leaves the caller's usable
            # An expired key is free again: the lookup ignores it, the unique constraint not.
            IdempotencyKey.objects.filter(
                user=user, key=key, created_at__lt=idempotency_expiry_cutoff()
            ).delete()
            return _insert_waiting_at_most(
                seconds=settings.RECSITE_IDEMPOTENCY_WAIT_SECONDS,
                user=user,
                key=key,
                request_hash=request_hash,
            )
    except IntegrityError as error:
        raise IdempotencyKeyTaken from error
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise IdempotencyKeyBusy from error
        raise


def idempotency_key_store(
    *, record: IdempotencyKey, status_code: int, body: bytes, content_type: str
) -> None:
    """Keep the response of the claimed key; commits (or not) with the view's writes."""
    record.status_code = status_code
    record.body = body
    record.content_type = content_type
    record.save(update_fields=["status_code", "body", "content_type"])


def idempotency_keys_purge() -> int:
    """Delete expired keys; returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=idempotency_expiry_cutoff()).delete()
    return deleted
