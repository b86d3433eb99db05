"""API token authentication whose token -> account lookup is cached, so that an authenticated
request whose answer is cached (a reader's recommendations) makes no SQL query at all.

The cache holds, under a digest of the token (never the token itself: a cache dump must not
hand out credentials), the account's non-secret fields. The user object built from them has its
password *deferred*: reading it loads it from the database, and saving the object writes only
the loaded fields, so a cached account can never overwrite a password or another field with a
stale value.

Entries are deleted whenever the token or its account is saved or deleted (receivers below,
connected by RecsiteConfig), so a revoked token, a deactivated or deleted account stops working
at once; the timeout is only a safety net for a cache that missed a delete.
"""

import functools
import hashlib

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from .privacy import TOKEN_ACCOUNT

ACCOUNT_TTL_SECONDS = 5 * 60
# Never cached: the one secret among the account's columns.
SECRET_FIELDS = frozenset({"password"})


@functools.cache  # the user model's columns do not change while the process runs
def _cached_fields() -> tuple[str, ...]:
    """The account's columns but the secret ones, in the model's field order (as
    ``Model.from_db`` expects the values)."""
    return tuple(
        field.attname
        for field in get_user_model()._meta.concrete_fields
        if field.attname not in SECRET_FIELDS
    )


def token_account_key(token_key: str) -> str:
    # The field names are part of the digest: values cached by code that read other columns
    # (before a migration or an upgrade) are never taken for this code's.
    fields = ",".join(_cached_fields())
    return TOKEN_ACCOUNT.key(digest=hashlib.sha256(f"{token_key}|{fields}".encode()).hexdigest())


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication (same header, same errors) with the account cached; see the
    module docstring. ``request.auth`` is the token's key."""

    def authenticate_credentials(self, key):
        cached = cache.get(token_account_key(key))
        fields = _cached_fields()
        if cached is None:
            user, token = super().authenticate_credentials(key)
            values = tuple(getattr(user, field) for field in fields)
            cache.set(token_account_key(key), values, timeout=ACCOUNT_TTL_SECONDS)
            return user, token.key
        user = get_user_model().from_db("default", fields, cached)
        if not user.is_active:  # as DRF checks it; inactive accounts are never cached anyway
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, key


def _forget(token_keys: list[str]) -> None:
    """Now, and again once the change commits: a request served in between may have cached
    the account as it was."""

    def forget():
        cache.delete_many([token_account_key(key) for key in token_keys])

    forget()
    transaction.on_commit(forget)


def account_forget_on_token_change(sender, instance, **kwargs):
    _forget([instance.key])


def account_forget_on_user_change(sender, instance, **kwargs):
    # One query per account save: rare next to the reads the cache saves.
    token_keys = list(Token.objects.filter(user_id=instance.pk).values_list("key", flat=True))
    if token_keys:
        _forget(token_keys)
