"""Rendered explanations per reader and list version, cached next to the reader's list so that a
cached page of recommendations (explanations included) costs no SQL query.

``rec:expl:<version>:<user>`` maps "<article id>:<score>" to the explanation's API dict. The score
is part of the key: a reader's scores change whenever their history does, and a changed history
may change the reasons.
"""

from django.conf import settings
from django.core.cache import cache

from ..models import ModelVersion
from ..outbox import cache_forget
from ..privacy import EXPLANATIONS
from . import lists

# Entries kept per reader: a few pages of a list, the oldest dropped first.
MAX_ENTRIES = 400


def _key(version_id: int, user_id: int) -> str:
    return EXPLANATIONS.key(version=version_id, user=user_id)


def entry_key(article_id: int, score: float, policy: str = "") -> str:
    """``policy``: the style an explanation-style experiment's arm imposes ("" outside one)."""
    return f"{article_id}:{score!r}:{policy}" if policy else f"{article_id}:{score!r}"


def explanations_get(*, version_id: int, user_id: int) -> dict[str, dict]:
    return cache.get(_key(version_id, user_id)) or {}


def explanations_set(*, version_id: int, user_id: int, entries: dict[str, dict]) -> None:
    trimmed = dict(list(entries.items())[-MAX_ENTRIES:])
    cache.set(_key(version_id, user_id), trimmed, timeout=settings.RECSITE_LIST_TTL_SECONDS)


def explanations_forget(*, user_id: int) -> None:
    """Drop the reader's cached explanations and the pages showing them, so the next page
    re-checks them."""
    # The versions a list may be ranked by: the active one and a running experiment's arms.
    version_ids = lists.serving_version_ids(ModelVersion.Kind.MF)
    cache_forget(keys=[_key(version_id, user_id) for version_id in version_ids])
    lists.reader_pages_forget(user_id=user_id)
