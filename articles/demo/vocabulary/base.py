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
