"""The shape of one topic's vocabulary."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TopicVocabulary:
    name: str
    description: str
    subjects: tuple[str, ...]
    contexts: tuple[str, ...]
    facts: tuple[str, ...]
    timeless: bool = False
    extra_titles: tuple[str, ...] = ()
    # (subject, another topic's name): subjects as much about that topic as about this one
    # ("carbon pricing" is Economics and Climate). Their articles carry both topics; no other
    # article gets a second one, so a topic never lists an article about something else.
    also_about: tuple[tuple[str, str], ...] = ()
