"""Loaders for the research data sets citeulike-a and MovieLens 100K (as published), built on the
same records, writers and batching as the CSV importers, so they are bulk and idempotent too.

citeulike-a
    Articles ``citeulike-a:<line index of titles.txt>`` (BibTeX braces and HTML entities removed
    from titles), abstracts as summaries for the 1,929 articles that have one, all dated
    ``CITEULIKE_PUBLISHED`` (the data has no dates). Tags become topics only where they are
    topics rather than personal labels: separators normalised (``machine_learning`` and
    ``machine-learning`` are one topic), workflow and stop-word tags dropped (``IGNORED_TAGS``,
    numbers), kept if at least ``MIN_ARTICLES_PER_TOPIC`` articles carry them, and each article
    gets at most ``MAX_TOPICS_PER_ARTICLE`` of its tags, the most widely used first. Users are
    ``citeulike-a.u<line index of users.dat>``; each library entry is a ``bookmark``. The data
    has no timestamps, so entry k of a library is dated ``CITEULIKE_LIBRARY_START`` + k minutes:
    deterministic, hence part of the idempotence key, and in library order.

movielens-100k
    Movies ``movielens-100k:<movie id>`` with their genres as topics, the release date as
    ``published_at`` and a one-line summary composed from genres and date (the data set has no
    descriptions). Users ``movielens-100k.u<user id>``; each rating a ``rating`` event with its
    value and Unix timestamp. Demographics (u.user) are not imported.
"""

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .articles import ArticleRecord, ArticleWriter
from .csv_rows import RowError
from .interactions import InteractionRecord, InteractionWriter, import_key
from .runner import BATCH_SIZE, ImportReport, run_import_of

CITEULIKE = "citeulike-a"
MOVIELENS = "movielens-100k"

CITEULIKE_PUBLISHED = datetime(2010, 1, 1, tzinfo=UTC)
CITEULIKE_LIBRARY_START = datetime(2010, 6, 1, tzinfo=UTC)
MIN_ARTICLES_PER_TOPIC = 50
MAX_TOPICS_PER_ARTICLE = 3
# Tags that say what a reader did or meant to do with an article, or are not words on their own.
IGNORED_TAGS = frozenset(
    (
        "a", "all", "and", "article", "basic", "citeulike", "classic", "comps", "diplomarbeit",
        "dissertation", "eisen journal club", "file import 09 04 28", "findpdf", "fromciteulike",
        "fun", "general", "highly", "in", "interesting", "journalclub", "kristina", "ma",
        "master", "metaadpd", "misc", "new", "of", "paper", "phd", "prelim", "printed",
        "project", "qual", "quals", "read", "roberto", "seminal", "short", "staffpaper", "study",
        "test", "the", "thesis", "todo", "toread", "use",
    )
)  # fmt: skip


class DatasetError(Exception):
    """The directory does not hold the data set (a file is missing or unreadable)."""


class LineFile:
    """Numbered lines of a text file, counting bytes read for the progress bar."""

    def __init__(self, path: Path, *, encoding: str = "utf-8"):
        self.path = path
        self.encoding = encoding
        self.total_bytes = path.stat().st_size
        self.bytes_read = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                self.bytes_read += len(raw)
                yield number, raw.decode(self.encoding, errors="replace").rstrip("\r\n")


@dataclass(frozen=True)
class Part:
    what: str
    main_file: str
    records: Callable[[Path, LineFile], Iterator]
    writer: type


def clean_title(text: str) -> str:
    """Titles from BibTeX exports: ``{A} Survey`` -> ``A Survey``, ``&amp;`` -> ``&``."""
    return " ".join(html.unescape(text.replace("{", "").replace("}", "")).split())


# --- citeulike-a ----------------------------------------------------------------------------


def citeulike_articles(directory: Path, titles: LineFile) -> Iterator[ArticleRecord | RowError]:
    abstracts = _citeulike_abstracts(directory / "abstracts.tsv")
    topics = citeulike_topics(directory)
    for number, raw_title in titles:
        index = number - 1
        title = clean_title(raw_title)[:500]
        if not title:
            yield RowError(number, "empty title")
            continue
        yield ArticleRecord(
            line=number,
            external_id=f"{CITEULIKE}:{index}",
            title=title,
            summary=abstracts.get(index),
            topics=topics[index] if index < len(topics) else (),
            published_at=CITEULIKE_PUBLISHED,
        )


def _citeulike_abstracts(path: Path) -> dict[int, str]:
    abstracts = {}
    for number, text in LineFile(path):
        fields = text.split("\t")
        if number == 1 or len(fields) != 4 or not fields[0].isdigit():
            continue  # the header row
        abstracts[int(fields[0])] = clean_title(fields[3])
    return abstracts


def topic_name_of_tag(tag: str) -> str | None:
    name = re.sub(r"[-_]+", " ", tag).strip().lower()
    if not re.search(r"[a-z]", name) or name in IGNORED_TAGS:
        return None
    return name[:100]


def citeulike_topics(directory: Path) -> list[tuple[str, ...]]:
    """Per article (by index), its topic names under the rules of the module docstring."""
    name_of_tag = [topic_name_of_tag(tag) for _, tag in LineFile(directory / "tags.dat")]
    names_of_article: list[set[str]] = []
    for number, text in LineFile(directory / "item-tag.dat"):
        fields = text.split()
        try:
            tag_ids = [int(field) for field in fields[1:]]
            names = {name for tag_id in tag_ids if (name := name_of_tag[tag_id]) is not None}
        except (ValueError, IndexError):
            raise DatasetError(f"item-tag.dat line {number} is not 'n tag_id ...'") from None
        names_of_article.append(names)
    articles_per_name = Counter(name for names in names_of_article for name in names)
    topics: list[tuple[str, ...]] = []
    for names in names_of_article:
        frequent = [name for name in names if articles_per_name[name] >= MIN_ARTICLES_PER_TOPIC]
        frequent.sort(key=lambda name: (-articles_per_name[name], name))
        topics.append(tuple(frequent[:MAX_TOPICS_PER_ARTICLE]))
    return topics


def citeulike_library(directory: Path, users: LineFile) -> Iterator[InteractionRecord | RowError]:
    for number, text in users:
        fields = text.split()
        if not fields:
            continue
        if not all(field.isdigit() for field in fields) or int(fields[0]) != len(fields) - 1:
            yield RowError(number, "expected 'n article_index ...' with n article indices")
            continue
        user_id = f"{CITEULIKE}.u{number - 1}"
        for position, index in enumerate(fields[1:]):
            moment = CITEULIKE_LIBRARY_START + timedelta(minutes=position)
            article_id = f"{CITEULIKE}:{index}"
            key = import_key(
                user_id=user_id,
                article_id=article_id,
                event="bookmark",
                value=None,
                timestamp=moment.isoformat(),
            )
            yield InteractionRecord(number, user_id, article_id, "bookmark", None, moment, key)


# --- MovieLens 100K -------------------------------------------------------------------------


def movielens_movies(directory: Path, items: LineFile) -> Iterator[ArticleRecord | RowError]:
    genres = [text.split("|")[0] for _, text in LineFile(directory / "u.genre", encoding="latin-1")]
    genres = [genre for genre in genres if genre]
    for number, text in items:
        fields = text.split("|")
        if not text.strip():
            continue
        if len(fields) != 5 + len(genres) or not fields[0].isdigit() or not fields[1].strip():
            yield RowError(number, f"expected id|title|date||url and {len(genres)} genre flags")
            continue
        try:
            released = datetime.strptime(fields[2], "%d-%b-%Y").replace(tzinfo=UTC)
        except ValueError:
            released = None  # a handful of movies have no date; "now" on first import
        movie_genres = [
            genre
            for genre, flag in zip(genres, fields[5:], strict=True)
            if flag == "1" and genre != "unknown"
        ]
        kinds = ", ".join(genre.lower() for genre in movie_genres) or "a"
        when = f" released {released.day} {released:%B %Y}" if released else ""
        yield ArticleRecord(
            line=number,
            external_id=f"{MOVIELENS}:{fields[0]}",
            title=clean_title(fields[1])[:500],
            summary=f"{kinds[0].upper()}{kinds[1:]} film{when}.",
            topics=tuple(movie_genres),
            published_at=released,
        )


def movielens_ratings(directory: Path, ratings: LineFile) -> Iterator[InteractionRecord | RowError]:
    for number, text in ratings:
        fields = text.split("\t")
        if not text.strip():
            continue
        if len(fields) != 4 or not all(field.strip().isdigit() for field in fields):
            yield RowError(number, "expected user id, movie id, rating and Unix seconds")
            continue
        user, movie, rating, seconds = (field.strip() for field in fields)
        user_id, article_id = f"{MOVIELENS}.u{user}", f"{MOVIELENS}:{movie}"
        value = float(rating)
        key = import_key(
            user_id=user_id, article_id=article_id, event="rating", value=value, timestamp=seconds
        )
        moment = datetime.fromtimestamp(int(seconds), tz=UTC)
        yield InteractionRecord(number, user_id, article_id, "rating", value, moment, key)


DATASETS: dict[str, tuple[tuple[str, ...], tuple[Part, ...]]] = {
    CITEULIKE: (
        ("titles.txt", "abstracts.tsv", "item-tag.dat", "tags.dat", "users.dat"),
        (
            Part("articles (titles.txt)", "titles.txt", citeulike_articles, ArticleWriter),
            Part("bookmarks (users.dat)", "users.dat", citeulike_library, InteractionWriter),
        ),
    ),
    MOVIELENS: (
        ("u.item", "u.genre", "u.data"),
        (
            Part("movies (u.item)", "u.item", movielens_movies, ArticleWriter),
            Part("ratings (u.data)", "u.data", movielens_ratings, InteractionWriter),
        ),
    ),
}


def import_dataset(
    name: str, directory: Path | str, *, progress: bool = False, batch_size: int = BATCH_SIZE
) -> list[ImportReport]:
    """Load data set ``name`` from ``directory``: articles first, then behaviour. Bad lines are
    reported, not fatal; raises ``DatasetError`` if a file is missing."""
    directory = Path(directory)
    if name not in DATASETS:
        raise DatasetError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    needed, parts = DATASETS[name]
    missing = [file for file in needed if not (directory / file).is_file()]
    if missing:
        raise DatasetError(f"{directory} is not a {name} directory: missing {', '.join(missing)}")
    reports = []
    for part in parts:
        source = LineFile(
            directory / part.main_file, encoding="latin-1" if name == MOVIELENS else "utf-8"
        )
        reports.append(
            run_import_of(
                source,
                part.records(directory, source),
                writer=part.writer(),
                what=part.what,
                progress=progress,
                batch_size=batch_size,
            )
        )
    return reports
