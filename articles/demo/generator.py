"""The demo catalogue, generated from a seed with no database and no clock, so every run produces
the same articles, readers and behaviour.

Times are ages (how long before the moment the demo is loaded); the loader anchors them. The
behaviour is shaped like a real site's: each reader has one to three favourite topics with
weights, mostly reads within them and sometimes strays (and then often dismisses what they
find); within a topic, popularity follows a Zipf law, so a few articles get most of the reads.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from . import vocabulary_zh
from .vocabulary import TOPICS, TopicVocabulary
from .vocabulary import templates as english

SEED = 20240501
READERS = 180
ARTICLE_DAYS = 90  # articles are published over the last 90 days
ACTIVITY_DAYS = 60  # and read over the last 60
ZIPF_EXPONENT = 1.1
EXPLORATION = 0.15  # sessions outside a reader's favourite topics

FIRST_NAMES = (
    "ada", "ben", "chloe", "dan", "elena", "farid", "grace", "hugo", "ines", "jonas", "kira",
    "liam", "maya", "nils", "olga", "pablo", "quinn", "rosa", "sami", "tara", "umar", "vera",
    "wen", "xavi", "yara", "zoe", "arjun", "bea", "carlos", "dina",
)  # fmt: skip
LAST_NAMES = (
    "berg", "costa", "dubois", "eriksen", "fischer", "garcia", "haddad", "ito", "jensen",
    "kowalski", "lopez", "moreau", "nakamura", "okafor", "petrov", "rossi", "schmidt",
    "tanaka", "varga", "wright",
)  # fmt: skip


@dataclass(frozen=True)
class DemoLanguage:
    """One catalogue's words and proportions: the English demo, or the smaller Chinese one."""

    code: str
    topics: tuple[TopicVocabulary, ...]
    titles: tuple[str, ...]
    present_day_titles: tuple[str, ...]
    summary_openers: tuple[str, ...]
    body_openers: tuple[str, ...]
    present_day_body_openers: tuple[str, ...]
    closings: tuple[str, ...]
    articles_per_topic: tuple[int, int]  # at least, plus up to
    readers: int
    featured_interests: tuple[tuple[str, float], ...]
    username_prefix: str  # the generated readers' (the featured "reader" is shared)
    sentence_separator: str  # between a paragraph's sentences: Chinese uses none


@dataclass(frozen=True)
class DemoArticle:
    number: int
    title: str
    summary: str
    body: str
    topics: tuple[str, ...]
    age: timedelta


@dataclass(frozen=True)
class DemoReader:
    username: str
    interests: tuple[tuple[str, float], ...]  # (topic name, weight), weights sum to 1
    sessions: int


@dataclass(frozen=True)
class DemoEvent:
    number: int
    username: str
    article: int  # DemoArticle.number
    event: str
    age: timedelta


@dataclass(frozen=True)
class Catalogue:
    articles: tuple[DemoArticle, ...]
    readers: tuple[DemoReader, ...]
    events: tuple[DemoEvent, ...]


ENGLISH = DemoLanguage(
    code="en",
    topics=TOPICS,
    titles=english.TITLES,
    present_day_titles=english.PRESENT_DAY_TITLES,
    summary_openers=english.SUMMARY_OPENERS,
    body_openers=english.BODY_OPENERS,
    present_day_body_openers=english.PRESENT_DAY_BODY_OPENERS,
    closings=english.CLOSINGS,
    articles_per_topic=(25, 15),
    readers=READERS,
    featured_interests=(("Machine learning", 0.6), ("Space", 0.4)),
    username_prefix="",
    sentence_separator=" ",
)
CHINESE = DemoLanguage(
    code="zh-hans",
    topics=vocabulary_zh.TOPICS,
    titles=vocabulary_zh.TITLES,
    present_day_titles=vocabulary_zh.PRESENT_DAY_TITLES,
    summary_openers=vocabulary_zh.SUMMARY_OPENERS,
    body_openers=vocabulary_zh.BODY_OPENERS,
    present_day_body_openers=vocabulary_zh.PRESENT_DAY_BODY_OPENERS,
    closings=vocabulary_zh.CLOSINGS,
    articles_per_topic=(9, 5),
    readers=120,
    featured_interests=(("机器学习", 0.6), ("太空", 0.4)),
    username_prefix="zh.",
    sentence_separator="",
)
LANGUAGES = {language.code: language for language in (ENGLISH, CHINESE)}
# The demo's own reader account: a clear taste, so its recommendations are easy to judge.
FEATURED_SESSIONS = 40


def build_catalogue(
    *, seed: int = SEED, readers: int | None = None, language: DemoLanguage = ENGLISH
) -> Catalogue:
    rng = random.Random(seed)
    articles = _articles(rng, language)
    featured = DemoReader("reader", language.featured_interests, sessions=FEATURED_SESSIONS)
    count = language.readers if readers is None else readers
    people = (featured, *_readers(rng, count, language))
    return Catalogue(articles, people, _events(rng, articles, people, language.topics))


def _fill(template: str, subject: str, context: str) -> str:
    return template.format(
        subject=subject, Subject=subject[0].upper() + subject[1:], context=context
    )


def _articles(rng: random.Random, language: DemoLanguage) -> tuple[DemoArticle, ...]:
    articles: list[DemoArticle] = []
    titles: set[str] = set()
    least, more = language.articles_per_topic
    for topic in language.topics:
        for _ in range(least + rng.randint(0, more)):
            subject, context, title = _title(rng, language, topic, titles)
            titles.add(title)
            # Topics follow the subject: a second one only where the subject is about it too.
            topics = (topic.name, *(other for about, other in topic.also_about if about == subject))
            # Two of the topic's facts in the summary, so that what is embedded (title and
            # summary) says more about the subject than the shared title template does.
            facts = rng.sample(topic.facts, 8)
            opener = _fill(rng.choice(language.summary_openers), subject, context)
            summary = language.sentence_separator.join((opener, *facts[:2]))
            articles.append(
                DemoArticle(
                    number=len(articles) + 1,
                    title=title,
                    summary=summary,
                    body=_body(rng, language, topic, subject, context, facts[2:]),
                    topics=topics,
                    age=timedelta(seconds=rng.randint(3600, ARTICLE_DAYS * 86400)),
                )
            )
    return tuple(articles)


def _title(
    rng: random.Random, language: DemoLanguage, topic: TopicVocabulary, taken: set[str]
) -> tuple[str, str, str]:
    present_day = () if topic.timeless else language.present_day_titles
    templates = language.titles + topic.extra_titles + present_day
    while True:
        subject, context = rng.choice(topic.subjects), rng.choice(topic.contexts)
        title = _fill(rng.choice(templates), subject, context)
        if title not in taken:
            return subject, context, title


def _body(
    rng, language: DemoLanguage, topic: TopicVocabulary, subject: str, context: str, facts
) -> str:
    present_day = () if topic.timeless else language.present_day_body_openers
    openers = language.body_openers + present_day
    paragraphs = [
        language.sentence_separator.join(
            (_fill(opener, subject, context), *facts[2 * i : 2 * i + 2])
        )
        for i, opener in enumerate(rng.sample(openers, 3))
    ]
    paragraphs.append(_fill(rng.choice(language.closings), subject, context))
    return "\n\n".join(paragraphs)


def _readers(rng: random.Random, count: int, language: DemoLanguage) -> list[DemoReader]:
    prefix = language.username_prefix
    names = [f"{prefix}{first}.{last}" for first in FIRST_NAMES for last in LAST_NAMES]
    topic_names = [topic.name for topic in language.topics]
    readers, single_topics = [], set()
    for username in rng.sample(names, count):
        favourites = rng.sample(topic_names, rng.choice((1, 2, 2, 3, 3)))
        if len(favourites) == 1:
            # Weights make every mixture distinct except single-topic ones: at most one
            # reader per topic has a single interest.
            if favourites[0] in single_topics:
                favourites.append(rng.choice([n for n in topic_names if n != favourites[0]]))
            single_topics.add(favourites[0])
        raw = [rng.gammavariate(1.0, 1.0) for _ in favourites]
        weights = [weight / sum(raw) for weight in raw]
        sessions = min(120, max(5, int(rng.lognormvariate(3.0, 0.6))))
        readers.append(DemoReader(username, tuple(zip(favourites, weights, strict=True)), sessions))
    return readers


def _events(rng, articles, readers, topics) -> tuple[DemoEvent, ...]:
    # Per topic, its articles with Zipf weights over a random popularity order.
    ranked: dict[str, list[tuple[DemoArticle, float]]] = {}
    for topic in topics:
        members = [article for article in articles if topic.name in article.topics]
        rng.shuffle(members)
        ranked[topic.name] = [
            (article, 1 / (rank + 1) ** ZIPF_EXPONENT) for rank, article in enumerate(members)
        ]
    events: list[DemoEvent] = []
    for reader in readers:
        names, weights = zip(*reader.interests, strict=True)
        for _ in range(reader.sessions):
            age = timedelta(seconds=rng.randint(3600, ACTIVITY_DAYS * 86400))
            exploring = rng.random() < EXPLORATION
            topic = rng.choice(list(ranked)) if exploring else rng.choices(names, weights)[0]
            # Only articles already published at that moment can be read.
            candidates = [(article, w) for article, w in ranked[topic] if article.age > age]
            if not candidates:
                continue
            article = rng.choices(*zip(*candidates, strict=True))[0]
            for step, event in enumerate(_session(rng, exploring and topic not in names)):
                events.append(
                    DemoEvent(
                        number=len(events) + 1,
                        username=reader.username,
                        article=article.number,
                        event=event,
                        age=age - timedelta(minutes=3 * step),
                    )
                )
    return tuple(events)


def _session(rng: random.Random, off_taste: bool) -> list[str]:
    """What a reader does with one article: always a view, then maybe more."""
    if off_taste:
        if rng.random() < 0.35:
            return ["view", "dislike"]
        return ["view", "read"] if rng.random() < 0.3 else ["view"]
    if rng.random() >= 0.6:
        return ["view"]
    events = ["view", "read"]
    for event, probability in (("like", 0.3), ("bookmark", 0.15), ("share", 0.06)):
        if rng.random() < probability:
            events.append(event)
    return events
