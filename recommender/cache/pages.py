"""Readers' recommendation pages as the API sends them (JSON bytes), cached next to their lists.

A cache hit of ``GET /api/recommendations/`` then costs the token's one SQL query (see
recsite.authentication), the active versions and one read of the reader's pages: no query
validation, no boosts, no explanation lookups, no serialisation. (benchmarks/serving.py: these
steps were most of a hit's time.)

A page is served from the cache only while everything it shows is still true:
- the reader's list and explanations: pages are deleted with them (lists.reader_list_forget,
  explanations.explanations_forget), and stamped with the active MF and hybrid versions;
- articles, topics and editorial boosts: a change bumps the pages generation, and a page of an
  older generation is never served (lists.pages_generation_bump);
- boosts starting or ending by the clock: a page expires at the next such moment.

Pages are cached per language (their explanations are rendered in the request's). Only the
query parameters of the endpoint, each given once, are cached (anything else goes
through validation, which answers 400), and a page is stored only after its query validated.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import get_language

from . import lists
from .boosts import boosts_next_change

QUERY_PARAMETERS = ("n", "offset", "topic", "exclude")
# Pages kept per reader (e.g. several page sizes, topics, exclusions): the oldest go first.
MAX_PAGES_PER_READER = 16


@dataclass(frozen=True)
class PageSlot:
    """Where a rendered page is stored: the reader's entry ``query``, valid while the pages
    generation and the active (MF, hybrid) version ids are those of ``stamp`` (read before the
    page was computed, so that a change made meanwhile outdates it)."""

    user_id: int
    query: str
    stamp: tuple


def cached_page(*, user_id: int, params: QueryDict) -> tuple[bytes | None, PageSlot | None]:
    """(the cached body of this page or None, where to store it once rendered or None when
    these parameters are not cached). One cache round trip."""
    query = _canonical_query(params)
    if query is None:
        return None, None
    pages, generation, serving = lists.reader_pages_get(user_id=user_id)
    slot = PageSlot(user_id, query, (generation, serving))
    entry = pages.get(query)
    if entry is None:
        return None, slot
    stamp, expires_at, body = entry
    if stamp != slot.stamp or expires_at <= time.time():
        return None, slot
    return body, slot


def cached_page_store(*, slot: PageSlot, body: bytes) -> None:
    expires_at = time.time() + settings.RECSITE_LIST_TTL_SECONDS
    next_change = boosts_next_change()
    if next_change is not None:
        expires_at = min(expires_at, next_change.timestamp())
    pages, _, _ = lists.reader_pages_get(user_id=slot.user_id)
    pages = {query: entry for query, entry in pages.items() if query != slot.query}
    pages[slot.query] = (slot.stamp, expires_at, body)
    pages = dict(list(pages.items())[-MAX_PAGES_PER_READER:])
    lists.reader_pages_set(user_id=slot.user_id, pages=pages)


def _canonical_query(params: QueryDict) -> str | None:
    if any(name not in QUERY_PARAMETERS or len(params.getlist(name)) != 1 for name in params):
        return None
    # A page shows explanations in the request's language: one cached page per language.
    query = "&".join(f"{name}={params[name]}" for name in QUERY_PARAMETERS if name in params)
    return f"{get_language()}:{query}"
