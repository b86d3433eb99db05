"""One registry of everything personal: each model and each cache key family that holds a
person's data. The export, the deletion and the retention purge walk it, so that what they cover
cannot drift apart from what the platform stores.

Apps register what they own from their AppConfig.ready() (``articles`` here, below;
``recommender.privacy``; ``recsite.privacy``), so this module, at the bottom of
``recsite -> recommender -> articles``, never imports the apps above it. Two tests keep the
registry complete: every model linked to the account (directly or through a chain of foreign
keys) must be registered as personal or declared non-personal with a reason
(tests/articles/test_privacy_registry.py), and every key a real Redis holds after a reader used
every feature must belong to a registered family (tests/hardening/test_privacy_redis.py) — which
is why cache keys are built by their family (``CacheFamily.key``), never by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction

if TYPE_CHECKING:  # the user model as a type; the code asks get_user_model() at run time
    from django.contrib.auth.models import User
from django.utils import timezone

from .models import Article, Interaction, SearchQuery, TopicFollow


@dataclass(frozen=True)
class Retention:
    """Rows older than the number of days in the setting ``setting`` (created at
    ``date_field``) are deleted daily; ``only`` narrows which rows are raw events."""

    setting: str
    date_field: str = "created_at"
    only: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PersonalModel:
    """Rows of ``model`` belong to the account reached by ``user_field``; the export lists
    ``fields`` (exported name -> lookup) under ``export_as``, newest first by ``order_by``."""

    model: type[models.Model]
    export_as: str
    fields: dict[str, str]
    user_field: str = "user"
    order_by: tuple[str, ...] = ("-created_at", "-pk")
    retention: Retention | None = None


@dataclass(frozen=True)
class CacheFamily:
    """Cache keys laid out as ``template`` ("rec:list:{version}:{user}"). A personal family
    names, with ``keys_of(user)``, every key it may hold for that account (read before the
    account's rows are deleted); any other family says in ``reason`` why it is not personal."""

    template: str
    keys_of: Callable[[User], Iterable[str]] | None = None
    reason: str = ""

    def key(self, **parts: object) -> str:
        return self.template.format(**parts)

    def matches(self, key: str) -> bool:
        pattern = re.sub(r"\\\{\w+\\\}", ".+", re.escape(self.template))
        return re.fullmatch(pattern, key) is not None


PERSONAL_MODELS: dict[str, PersonalModel] = {}
NON_PERSONAL_MODELS: dict[type[models.Model], str] = {}
CACHE_FAMILIES: dict[str, CacheFamily] = {}


def personal_model(**kwargs: Any) -> PersonalModel:
    entry = PersonalModel(**kwargs)
    PERSONAL_MODELS[entry.export_as] = entry
    return entry


def non_personal_model(model: type[models.Model], *, reason: str) -> None:
    NON_PERSONAL_MODELS[model] = reason


def cache_family(
    template: str,
    *,
    keys_of: Callable[[User], Iterable[str]] | None = None,
    reason: str = "",
) -> CacheFamily:
    if (keys_of is None) == (not reason):
        raise ValueError(f"{template}: give keys_of (personal) or a reason (not personal)")
    family = CacheFamily(template, keys_of, reason)
    CACHE_FAMILIES[template] = family
    return family


def _json_ready(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _rows(entry: PersonalModel, user: User) -> models.QuerySet[models.Model]:
    return entry.model._default_manager.filter(**{entry.user_field: user.pk})


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the platform stores about ``user``, as JSON-ready data: the account, then one
    list per registered model."""
    export: dict[str, Any] = {}
    for name, entry in PERSONAL_MODELS.items():
        rows = _rows(entry, user).order_by(*entry.order_by).values_list(*entry.fields.values())
        export[name] = [
            {alias: _json_ready(value) for alias, value in zip(entry.fields, row, strict=True)}
            for row in rows.iterator(chunk_size=2000)
        ]
    export["account"] = export["account"][0]
    return export


def personal_cache_keys(*, user: User) -> list[str]:
    """The names of every cache key that may hold ``user``'s data."""
    return [
        key
        for family in CACHE_FAMILIES.values()
        if family.keys_of is not None
        for key in family.keys_of(user)
    ]


def personal_cache_forget(*, user: User) -> None:
    """Delete the account's cache keys now and, once the transaction commits, again: a request
    served in between may have cached them anew."""
    keys = personal_cache_keys(user=user)

    def forget() -> None:
        cache.delete_many(keys)

    forget()
    transaction.on_commit(forget)


@transaction.atomic
def personal_data_delete(*, user: User) -> None:
    """Delete every registered row of ``user``, then the account, and forget its cache keys.
    (The keys are named first: naming them reads rows, e.g. the account's tokens.)"""
    personal_cache_forget(user=user)
    for name, entry in PERSONAL_MODELS.items():
        if name != "account":
            _rows(entry, user).delete()
    user.delete()


def forget_on_account_delete(sender: type[User], instance: User, **kwargs: object) -> None:
    """pre_delete of the account: however it is deleted (the admin, the shell), its cache keys
    go with it."""
    personal_cache_forget(user=instance)


def personal_data_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete the rows past their retention (see ``Retention``); how many, per export name."""
    now = now or timezone.now()
    deleted = {}
    for name, entry in PERSONAL_MODELS.items():
        if entry.retention is None:
            continue
        days = getattr(settings, entry.retention.setting)
        cutoff = now - timedelta(days=days)
        rows = entry.model._default_manager.filter(
            **entry.retention.only, **{f"{entry.retention.date_field}__lt": cutoff}
        )
        deleted[name], _ = rows.delete()
    return deleted


def register_articles() -> None:
    """What the ``articles`` app stores about a person (called from ArticlesConfig.ready())."""
    from django.contrib.auth import get_user_model

    personal_model(
        model=get_user_model(),
        export_as="account",
        user_field="pk",
        order_by=("pk",),
        fields={
            "username": "username",
            "email": "email",
            "date_joined": "date_joined",
            "last_login": "last_login",
        },
    )
    personal_model(
        model=Interaction,
        export_as="interactions",
        fields={
            "article_id": "article_id",
            "article_title": "article__title",
            "event": "event",
            "value": "value",
            "dwell_seconds": "dwell_seconds",
            "source": "source",
            "created_at": "created_at",
        },
        retention=Retention("RECSITE_VIEW_RETENTION_DAYS", only={"event": Interaction.Event.VIEW}),
    )
    personal_model(
        model=SearchQuery,
        export_as="searches",
        fields={"text": "text", "results_count": "results_count", "created_at": "created_at"},
        retention=Retention("RECSITE_SEARCH_RETENTION_DAYS"),
    )
    personal_model(
        model=TopicFollow,
        export_as="followed_topics",
        fields={"topic": "topic__slug", "topic_name": "topic__name", "created_at": "created_at"},
    )
    non_personal_model(
        Article,
        reason="published work, not data about its author; the author link is emptied when "
        "the account is deleted",
    )
