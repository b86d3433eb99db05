"""Explanation sentences: one template per style, filled only from the evidence.

Every name and number in a sentence comes from the evidence dict it is rendered from, so a
sentence can only be as true as its evidence (checked where the evidence is built). Pure Python:
the site, the API and the offline evaluation render the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

BECAUSE_YOU_READ = "because_you_read"
SIMILAR_TEXT = "similar_text"
TOPIC_MATCH = "topic_match"
CO_READERS = "co_readers"
TRENDING = "trending"
NEW = "new"
EDITORIAL = "editorial"
FOLLOWED_TOPIC = "followed_topic"

# Styles that cite articles of the reader's history: these must be faithful (ablation).
CITING_STYLES = (BECAUSE_YOU_READ, SIMILAR_TEXT, CO_READERS)

# The reader's strongest event on a cited article -> the verb that describes it truthfully.
VERBS = {
    "bookmark": "saved",
    "like": "liked",
    "share": "shared",
    "rating": "rated",
    "read": "read",
    "view": "opened",
    "click": "opened",
}
# Most to least telling: a bookmarked article that was also viewed is "saved".
EVENT_STRENGTH = ("bookmark", "like", "share", "rating", "read", "view", "click")


def strongest_event(events: Iterable[str]) -> str:
    present = set(events)
    return next((event for event in EVENT_STRENGTH if event in present), "read")


def quoted(title: str) -> str:
    return f"\u201c{title}\u201d"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def render(
    style: str,
    evidence: Mapping[str, Any],
    *,
    titles: Mapping[str, str],
    topic_names: Mapping[str, str],
) -> str:
    """The sentence of ``style`` for ``evidence``; ``titles`` by str(article id), topic names by
    slug (only the ids and slugs in ``evidence`` are looked up)."""
    if style == BECAUSE_YOU_READ:
        lead, *extra = evidence["articles"]
        verb = VERBS.get(evidence.get("event", "read"), "read")
        text = f"Because you {verb} {quoted(titles[str(lead)])}"
        if extra and evidence.get("topic"):
            text += f" and {len(extra)} more on {topic_names[evidence['topic']]}"
        elif extra:
            text += f" and {len(extra)} more like it"
        return text
    if style == SIMILAR_TEXT:
        (cited,) = evidence["articles"]
        verb = VERBS.get(evidence.get("event", "read"), "read")
        return f"Close in subject to {quoted(titles[str(cited)])}, which you {verb}"
    if style == TOPIC_MATCH:
        topic = evidence["topic"]
        verb = VERBS.get(evidence.get("event", "read"), "read")
        return (
            f"On {topic_names[topic]}, like "
            f"{_plural(evidence['count'], 'article', 'articles')} you {verb}"
        )
    if style == FOLLOWED_TOPIC:
        return f"On {topic_names[evidence['topic']]}, a topic you follow"
    if style == CO_READERS:
        (cited,) = evidence["articles"]
        count = evidence["count"]
        readers = "Another reader" if count == 1 else f"{count} readers"
        return f"{readers} of {quoted(titles[str(cited)])} also read this"
    if style == TRENDING:
        return (
            f"Trending: {_plural(evidence['count'], 'reader', 'readers')} opened it in the "
            f"last {_plural(evidence['days'], 'day', 'days')}"
        )
    if style == NEW:
        if "days" in evidence:
            return f"New: published in the last {_plural(evidence['days'], 'day', 'days')}"
        if "share" in evidence:
            return f"New: among the newest {evidence['share']}% of articles"
        # Stored before the two above: the rank among the N newest (N within the catalogue).
        return f"New: among the {evidence['within']} most recent articles"
    if style == EDITORIAL:
        if evidence.get("topic"):
            text = f"Editors are featuring {topic_names[evidence['topic']]}"
        else:
            text = "Editors' pick"
        return f"{text}: {evidence['note']}" if evidence.get("note") else text
    raise ValueError(f"unknown explanation style {style!r}")
