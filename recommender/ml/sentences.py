"""Explanation sentences: one template per style, filled only from the evidence.

Every name and number in a sentence comes from the evidence dict it is rendered from, so a
sentence can only be as true as its evidence (checked where the evidence is built). Pure Python:
the site, the API and the offline evaluation render the same text.

Sentences are rendered in a language at display time: ``render`` takes a ``Translation`` (any
object with gettext/ngettext: Django's ``django.utils.translation`` on the site, ``ENGLISH``
offline), so this module stays free of Django. The templates are ordinary gettext messages that
``makemessages`` extracts from here (``gettext_noop`` marks those looked up from a table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

BECAUSE_YOU_READ = "because_you_read"
SIMILAR_TEXT = "similar_text"
TOPIC_MATCH = "topic_match"
CO_READERS = "co_readers"
TRENDING = "trending"
NEW = "new"
EDITORIAL = "editorial"
FOLLOWED_TOPIC = "followed_topic"
REQUEST_MATCH = "request_match"

# Styles that cite articles of the reader's history: these must be faithful (ablation).
CITING_STYLES = (BECAUSE_YOU_READ, SIMILAR_TEXT, CO_READERS, REQUEST_MATCH)


class Translation(Protocol):
    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, number: int, /) -> str: ...


class _English:
    """The templates as written: English, no catalogue."""

    def gettext(self, message: str, /) -> str:
        return message

    def ngettext(self, singular: str, plural: str, number: int, /) -> str:
        return singular if number == 1 else plural


ENGLISH: Translation = _English()


def gettext_noop(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used."""
    return message


# The reader's strongest event on a cited article -> the sentence that describes it truthfully.
BECAUSE_YOU = {
    "bookmark": gettext_noop("Because you saved %(title)s"),
    "like": gettext_noop("Because you liked %(title)s"),
    "share": gettext_noop("Because you shared %(title)s"),
    "rating": gettext_noop("Because you rated %(title)s"),
    "read": gettext_noop("Because you read %(title)s"),
    "view": gettext_noop("Because you opened %(title)s"),
    "click": gettext_noop("Because you opened %(title)s"),
}
# The same events in the sentences that cite an article or count articles of the history.
SIMILAR_TO = {
    "bookmark": gettext_noop("Close in subject to %(title)s, which you saved"),
    "like": gettext_noop("Close in subject to %(title)s, which you liked"),
    "share": gettext_noop("Close in subject to %(title)s, which you shared"),
    "rating": gettext_noop("Close in subject to %(title)s, which you rated"),
    "read": gettext_noop("Close in subject to %(title)s, which you read"),
    "view": gettext_noop("Close in subject to %(title)s, which you opened"),
    "click": gettext_noop("Close in subject to %(title)s, which you opened"),
}
LIKE_ARTICLES_YOU = {
    "bookmark": gettext_noop("On %(topic)s, like %(articles)s you saved"),
    "like": gettext_noop("On %(topic)s, like %(articles)s you liked"),
    "share": gettext_noop("On %(topic)s, like %(articles)s you shared"),
    "rating": gettext_noop("On %(topic)s, like %(articles)s you rated"),
    "read": gettext_noop("On %(topic)s, like %(articles)s you read"),
    "view": gettext_noop("On %(topic)s, like %(articles)s you opened"),
    "click": gettext_noop("On %(topic)s, like %(articles)s you opened"),
}
# Most to least telling: a bookmarked article that was also viewed is "saved".
EVENT_STRENGTH = ("bookmark", "like", "share", "rating", "read", "view", "click")


def strongest_event(events: Iterable[str]) -> str:
    present = set(events)
    return next((event for event in EVENT_STRENGTH if event in present), "read")


def render(
    style: str,
    evidence: Mapping[str, Any],
    *,
    titles: Mapping[str, str],
    topic_names: Mapping[str, str],
    translation: Translation = ENGLISH,
) -> str:
    """The sentence of ``style`` for ``evidence`` in ``translation``'s language; ``titles`` by
    str(article id), topic names by slug (only the ids and slugs in ``evidence`` are looked up)."""
    _ = translation.gettext
    ngettext = translation.ngettext

    def quoted(article_id: object) -> str:
        # Translators: an article's title cited in a sentence (Chinese uses 《》).
        return _("“%(title)s”") % {"title": titles[str(article_id)]}

    if style == BECAUSE_YOU_READ:
        lead, *extra = evidence["articles"]
        template = BECAUSE_YOU.get(evidence.get("event", "read"), BECAUSE_YOU["read"])
        text = _(template) % {"title": quoted(lead)}
        if extra and evidence.get("topic"):
            more = ngettext(
                " and %(count)d more on %(topic)s", " and %(count)d more on %(topic)s", len(extra)
            )
            text += more % {"count": len(extra), "topic": topic_names[evidence["topic"]]}
        elif extra:
            more = ngettext(
                " and %(count)d more like it", " and %(count)d more like it", len(extra)
            )
            text += more % {"count": len(extra)}
        return text
    if style == SIMILAR_TEXT:
        (cited,) = evidence["articles"]
        template = SIMILAR_TO.get(evidence.get("event", "read"), SIMILAR_TO["read"])
        return _(template) % {"title": quoted(cited)}
    if style == TOPIC_MATCH:
        count = evidence["count"]
        articles = ngettext("%(count)d article", "%(count)d articles", count) % {"count": count}
        template = LIKE_ARTICLES_YOU.get(evidence.get("event", "read"), LIKE_ARTICLES_YOU["read"])
        return _(template) % {"topic": topic_names[evidence["topic"]], "articles": articles}
    if style == FOLLOWED_TOPIC:
        return _("On %(topic)s, a topic you follow") % {"topic": topic_names[evidence["topic"]]}
    if style == CO_READERS:
        (cited,) = evidence["articles"]
        count = evidence["count"]
        template = ngettext(
            "Another reader of %(title)s also read this",
            "%(count)d readers of %(title)s also read this",
            count,
        )
        return template % {"count": count, "title": quoted(cited)}
    if style == TRENDING:
        count, days = evidence["count"], evidence["days"]
        readers = ngettext("%(count)d reader", "%(count)d readers", count) % {"count": count}
        period = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        return _("Trending: %(readers)s opened it in the last %(days)s") % {
            "readers": readers,
            "days": period,
        }
    if style == NEW:
        if "days" in evidence:
            days = evidence["days"]
            period = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
            return _("New: published in the last %(days)s") % {"days": period}
        if "share" in evidence:
            # xgettext:python-format
            return _("New: among the newest %(share)s%% of articles") % {"share": evidence["share"]}
        # Stored before the two above: the rank among the N newest (N within the catalogue).
        return _("New: among the %(within)d most recent articles") % {"within": evidence["within"]}
    if style == REQUEST_MATCH:
        # The quoted words are the reader's own (recommender.ml.request.request_phrases).
        words = _("“%(title)s”") % {"title": evidence["request"]}
        if evidence.get("articles"):
            (cited,) = evidence["articles"]
            return _("Matches %(words)s — and close to %(title)s, which you read") % {
                "words": words,
                "title": quoted(cited),
            }
        return _("Matches %(words)s") % {"words": words}
    if style == EDITORIAL:
        if evidence.get("topic"):
            text = _("Editors are featuring %(topic)s") % {"topic": topic_names[evidence["topic"]]}
        else:
            text = _("Editors' pick")
        if evidence.get("note"):
            # Translators: an editors' pick followed by the editor's own note.
            return _("%(pick)s: %(note)s") % {"pick": text, "note": evidence["note"]}
        return text
    raise ValueError(f"unknown explanation style {style!r}")
