"""The cache layout of readers' lists (Redis in production, local memory in the embedded default).

A cache hit must cost no SQL query (benchmark 2), so everything a response needs is cached:

- ``rec:active:<kind>``: (id, artifact path) of the active version, (0, "") when none is;
- ``rec:list:<version>:<user>``: the reader's ranked list, computed for that version (so an
  activation switches every reader to a fresh key at once);
- ``rec:article:<id>``: a published article as results show it, shared by every reader's list;
  deleted when the article changes, so "not in the cache and not in the published queryset"
  means "no longer published";
- ``rec:topics``: the set of topic slugs, to validate the ``topic`` filter;
- ``rec:cold_start``: trending then newest article ids, the base of every cold-start list
  (counting recent interactions is too slow to repeat for each new reader);
- ``rec:pages:<user>``: the reader's rendered API pages (recommender.cache.pages), each
  stamped with the active versions it was computed under, deleted with the reader's list and
  explanations; ``rec:pages:generation`` is a number bumped
  whenever something every page shows changes (an article, a topic, an editorial boost), which
  outdates every rendered page at once.
"""

import os
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache

from articles.models import Article
from articles.selectors import articles_latest, articles_published, articles_trending

from .. import selectors
from ..models import Experiment
from ..outbox import cache_forget
from ..privacy import (
    ACTIVE,
    ARTICLE,
    COLD_START,
    LIST,
    PAGES,
    PAGES_GENERATION,
    TOPICS,
)
from .experiments import experiment_key, running_experiment, running_from_cached

# Activation and rollback delete this key at once; the timeout is a safety net for a cache that
# missed the delete (e.g. a local-memory cache of another process).
ACTIVE_VERSION_TTL_SECONDS = 60
ARTICLE_TTL_SECONDS = 60 * 60
TOPICS_TTL_SECONDS = 60 * 60
TOPICS_KEY = TOPICS.key()
COLD_START_TTL_SECONDS = 5 * 60
COLD_START_KEY = COLD_START.key()
LIST_SURFACE = Experiment.Surface.LIST
STYLE_SURFACE = Experiment.Surface.STYLE


class ActiveVersion(NamedTuple):
    id: int
    artifact_path: str


class ReaderList(NamedTuple):
    """A reader's ranked candidates: (article id, score, topic slugs), best first, and the
    (kind, version id) of the model version that ranked them (None: no model did)."""

    strategy: str
    items: tuple[tuple[int, float, tuple[str, ...]], ...]
    # Defaulted, so lists cached before it existed still load (and say nothing ranked them).
    ranker: tuple[str, int | None] | None = None


def _active_key(kind: str) -> str:
    return ACTIVE.key(kind=kind)


def _list_key(version_id: int, user_id: int) -> str:
    return LIST.key(version=version_id, user=user_id)


def _pages_key(user_id: int) -> str:
    return PAGES.key(user=user_id)


PAGES_GENERATION_KEY = PAGES_GENERATION.key()


def _article_key(article_id: int) -> str:
    return ARTICLE.key(id=article_id)


def active_version(*, kind: str) -> ActiveVersion | None:
    cached = cache.get(_active_key(kind))
    if cached is None:
        cached = selectors.model_version_active_ref(kind=kind) or (0, "")
        cache.set(_active_key(kind), tuple(cached), timeout=ACTIVE_VERSION_TTL_SECONDS)
    return ActiveVersion(*cached) if cached[0] else None


def active_version_forget(*, kind: str) -> None:
    cache.delete(_active_key(kind))


def reader_list_get(*, version_id: int, user_id: int) -> ReaderList | None:
    """``version_id`` 0 is the list computed while no model was active."""
    cached = cache.get(_list_key(version_id, user_id))
    return ReaderList(*cached) if cached is not None else None


def reader_list_set(*, version_id: int, user_id: int, reader_list: ReaderList) -> None:
    # Stored as a plain tuple: the cached value does not depend on this module's classes.
    cache.set(
        _list_key(version_id, user_id),
        tuple(reader_list),
        timeout=settings.RECSITE_LIST_TTL_SECONDS,
    )


def serving_version_ids(kind: str) -> list[int]:
    """The versions a reader's list may be cached under: the no-model fallback (0), the active
    version of ``kind``, the active hybrid (which ranks over the active MF version) and the arms
    of the experiment running on lists (with their MF bases)."""
    ids = [0]
    for active in (active_version(kind=kind), active_version(kind="hybrid")):
        if active is not None:
            ids.append(active.id)
    experiment = running_experiment(surface=LIST_SURFACE)
    for arm in experiment.arms if experiment is not None else ():
        ids += [pk for pk in (arm.version_id, arm.mf_id) if pk is not None]
    return ids


def reader_list_forget(*, user_id: int, kind: str) -> None:
    """Drop the reader's list under every version that may serve it, and their rendered
    pages."""
    keys = [_list_key(version_id, user_id) for version_id in serving_version_ids(kind)]
    cache_forget(keys=keys + [_pages_key(user_id)])


def reader_pages_get(*, user_id: int) -> tuple[dict, int, tuple]:
    """(the reader's rendered pages, the pages generation, what serves: the ids of the active
    MF and hybrid versions (0: none) and the experiments running on lists and on explanation
    styles (None: none)), in one cache round trip when all are cached. An experiment and the
    reader's id decide the reader's arm (recommender.ranking.experiments), so a page stamped
    with them is theirs."""
    kinds = ("mf", "hybrid")
    surfaces = (LIST_SURFACE, STYLE_SURFACE)
    keys = [_pages_key(user_id), PAGES_GENERATION_KEY]
    keys += [_active_key(kind) for kind in kinds] + [experiment_key(s) for s in surfaces]
    found = cache.get_many(keys)
    mf_id, hybrid_id = (
        found[_active_key(kind)][0] if _active_key(kind) in found else _active_id(kind)
        for kind in kinds
    )
    experiments = tuple(
        running_from_cached(found[experiment_key(surface)])
        if experiment_key(surface) in found
        else running_experiment(surface=surface)
        for surface in surfaces
    )
    serving = (mf_id, hybrid_id, experiments)
    generation = found.get(PAGES_GENERATION_KEY)
    if generation is None:
        # Never set, or evicted: start from a random number, so that no page stored under an
        # earlier generation can match again.
        cache.add(PAGES_GENERATION_KEY, _random_generation(), timeout=None)
        return {}, cache.get(PAGES_GENERATION_KEY), serving
    return found.get(_pages_key(user_id)) or {}, generation, serving


def _active_id(kind: str) -> int:
    active = active_version(kind=kind)
    return active.id if active is not None else 0


def reader_pages_set(*, user_id: int, pages: dict) -> None:
    cache.set(_pages_key(user_id), pages, timeout=settings.RECSITE_LIST_TTL_SECONDS)


def reader_pages_forget(*, user_id: int) -> None:
    cache_forget(keys=[_pages_key(user_id)])


def pages_generation_bump() -> None:
    """Outdate every reader's rendered pages (see the module docstring)."""
    try:
        cache.incr(PAGES_GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): any new value outdates the stored pages
        cache.set(PAGES_GENERATION_KEY, _random_generation(), timeout=None)


def _random_generation() -> int:
    return int.from_bytes(os.urandom(6))


def article_dict(article: Article) -> dict:
    """An article as recommendation results render it (JSON-ready)."""
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "topics": [{"slug": topic.slug, "name": topic.name} for topic in article.topics.all()],
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "url": article.get_absolute_url(),
    }


def article_dicts(*, article_ids: list[int]) -> dict[int, dict]:
    """Rendered published articles by id, from the cache where possible; ids of articles that are
    not published are absent from the result."""
    keys = {article_id: _article_key(article_id) for article_id in article_ids}
    cached = cache.get_many(list(keys.values()))
    found = {article_id: cached[key] for article_id, key in keys.items() if key in cached}
    missing = [article_id for article_id in article_ids if article_id not in found]
    if missing:
        fresh = {
            article.pk: article_dict(article)
            for article in articles_published().filter(pk__in=missing)
        }
        cache.set_many(
            {keys[article_id]: data for article_id, data in fresh.items()},
            timeout=ARTICLE_TTL_SECONDS,
        )
        found.update(fresh)
    return found


def article_dicts_forget(*, article_ids: list[int]) -> None:
    cache_forget(keys=[_article_key(article_id) for article_id in article_ids])
    pages_generation_bump()


def topic_slugs() -> set[str]:
    cached = cache.get(TOPICS_KEY)
    if cached is None:
        cached = selectors.topic_slugs()
        cache.set(TOPICS_KEY, cached, timeout=TOPICS_TTL_SECONDS)
    return cached


def topic_slugs_forget() -> None:
    cache_forget(keys=[TOPICS_KEY])
    pages_generation_bump()


def cold_start_ids() -> list[int]:
    """Trending, then newest published article ids: twice the list length, so that a reader's
    own reads can be taken out and a full list remain."""
    cached = cache.get(COLD_START_KEY)
    if cached is None:
        wanted = 2 * settings.RECSITE_LIST_LENGTH
        candidates = list(articles_trending().values_list("pk", flat=True)[:wanted])
        candidates += articles_latest().values_list("pk", flat=True)[:wanted]
        cached = list(dict.fromkeys(candidates))[:wanted]
        cache.set(COLD_START_KEY, cached, timeout=COLD_START_TTL_SECONDS)
    return cached
