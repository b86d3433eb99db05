"""Forgetting what is cached of one reader, in one place: their lists (under every version that
may serve them), rendered pages, explanations and mined key phrases."""

from collections.abc import Iterable

from django.core.cache import cache

from ..models import ModelVersion
from ..privacy import PHRASES
from . import lists
from .explanations import explanations_forget


def reader_phrases_key(user_id: int) -> str:
    return PHRASES.key(user=user_id)


def reader_caches_forget(
    *, user_id: int, kinds: Iterable[str] = tuple(ModelVersion.Kind), phrases: bool = True
) -> None:
    """Forget the reader's lists of the models ``kinds``, their pages and explanations, and
    with ``phrases`` their key phrases (mined again on their next "me" page)."""
    for kind in kinds:
        lists.reader_list_forget(user_id=user_id, kind=kind)
    explanations_forget(user_id=user_id)
    if phrases:
        cache.delete(reader_phrases_key(user_id))
