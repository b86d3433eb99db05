"""Writes the demo catalogue through the importers' writers, so it is bulk and idempotent:
articles are keyed ``demo:<n>``, interactions by an import key of their position in the
generated stream, and the demo's clock is anchored at its first load (recovered from the first
article's date on later runs), so re-running ``load_demo`` changes nothing."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from ..importers.articles import ArticleRecord, ArticleWriter
from ..importers.interactions import InteractionRecord, InteractionWriter, import_key
from ..importers.runner import ImportReport, run_import
from ..models import Article, Topic
from ..services import user_create
from .generator import ENGLISH, Catalogue, DemoLanguage, build_catalogue

EDITORS_GROUP = "Editors"
# The demo logins (their password: settings.RECSITE_DEMO_PASSWORD).
DEMO_READER = "reader"
DEMO_EDITOR = "editor"
User = get_user_model()


def demo_external_id(number: int, language: DemoLanguage = ENGLISH) -> str:
    """``demo:<n>`` for the English catalogue, ``demo-zh-hans:<n>`` for the Chinese one, so both
    can be loaded side by side."""
    if language is ENGLISH:
        return f"demo:{number}"
    return f"demo-{language.code}:{number}"


@transaction.atomic
def demo_load(language: DemoLanguage = ENGLISH) -> list[ImportReport]:
    """Load (or top up) the demo in ``language``: articles, topic descriptions, the ``editor``
    and ``reader`` accounts, then behaviour. Returns the articles' and the interactions'
    reports."""
    catalogue = build_catalogue(language=language)
    anchor = _anchor(catalogue, language)
    articles = run_import(
        (
            ArticleRecord(
                line=article.number,
                external_id=demo_external_id(article.number, language),
                title=article.title,
                summary=article.summary,
                body=article.body,
                topics=article.topics,
                published_at=anchor - article.age,
            )
            for article in catalogue.articles
        ),
        writer=ArticleWriter(),
        report=ImportReport("demo articles"),
    )
    for topic in language.topics:
        Topic.objects.filter(name__iexact=topic.name, description="").update(
            description=topic.description
        )
    _account(DEMO_EDITOR, editor=True)
    _account(DEMO_READER, editor=False)
    interactions = run_import(
        _interaction_records(catalogue, anchor, language),
        writer=InteractionWriter(),
        report=ImportReport("demo interactions"),
    )
    return [articles, interactions]


def _anchor(catalogue: Catalogue, language: DemoLanguage) -> datetime:
    first = catalogue.articles[0]
    published = (
        Article.objects.filter(external_id=demo_external_id(first.number, language))
        .values_list("published_at", flat=True)
        .first()
    )
    if published is not None:
        return published + first.age
    return timezone.now().replace(microsecond=0)


def _interaction_records(catalogue: Catalogue, anchor: datetime, language: DemoLanguage):
    for event in catalogue.events:
        article_id = demo_external_id(event.article, language)
        key = import_key(
            user_id=event.username,
            article_id=article_id,
            event=event.event,
            value=None,
            timestamp=f"demo event {event.number}",
        )
        yield InteractionRecord(
            event.number, event.username, article_id, event.event, None, anchor - event.age, key
        )


def _account(username: str, *, editor: bool) -> None:
    """Create the demo login with the demo password; an existing account keeps its password."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=settings.RECSITE_DEMO_PASSWORD,
            email=f"{username}@example.com",
        )
    if editor:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=EDITORS_GROUP))
