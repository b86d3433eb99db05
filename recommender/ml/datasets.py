"""Readers for the public research data sets citeulike-a and MovieLens 100K, as published.

Each reader returns the canonical shapes of csvio: article dicts and interaction tuples
(user_id, article_id, event, value, timestamp), ids as strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from recommender.ml.data import InteractionMatrix, build_interaction_matrix


class DatasetError(ValueError):
    """The data set directory is missing files or they do not parse."""


@dataclass
class Dataset:
    articles: list[dict[str, str]]
    interactions: list[tuple[str, str, str, float | None, float | None]]

    def matrix(self) -> InteractionMatrix:
        """The interactions as a matrix with a column for every article, in the data set's
        order (articles nobody read included)."""
        item_ids = [article["article_id"] for article in self.articles]
        return build_interaction_matrix(self.interactions, item_ids=item_ids)


def _read_lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from exc
    # Only "\n" ends a line: abstracts contain form feeds and other characters that
    # str.splitlines() would also split on.
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def read_citeulike(directory: Path) -> Dataset:
    """citeulike-a: users.dat libraries, titles.txt, abstracts.tsv (for 1,929 articles only).

    Article ids are the 0-based line numbers of titles.txt, user ids those of users.dat. A
    library entry carries no event type or time, so each is a "read" without timestamp. The
    summary is the abstract where one exists; user-given tags are deliberately not used (they
    do not exist for a new article, DESIGN §5).
    """
    directory = Path(directory)
    titles = _read_lines(directory / "titles.txt")
    abstracts: dict[int, str] = {}
    for number, line in enumerate(_read_lines(directory / "abstracts.tsv")[1:], start=2):
        fields = line.split("\t", 3)
        if len(fields) != 4 or not fields[0].isdigit():
            raise DatasetError(f"{directory / 'abstracts.tsv'}, line {number}: malformed")
        abstracts[int(fields[0])] = fields[3].strip()
    articles = [
        {"article_id": str(index), "title": title.strip(), "summary": abstracts.get(index, "")}
        for index, title in enumerate(titles)
    ]
    interactions: list[tuple[str, str, str, float | None, float | None]] = []
    for user, line in enumerate(_read_lines(directory / "users.dat")):
        fields = line.split()
        try:
            items = [int(field) for field in fields[1:]]
            declared = int(fields[0])
        except (ValueError, IndexError) as exc:
            raise DatasetError(f"{directory / 'users.dat'}, line {user + 1}: malformed") from exc
        if declared != len(items) or any(not 0 <= item < len(titles) for item in items):
            raise DatasetError(f"{directory / 'users.dat'}, line {user + 1}: bad item list")
        interactions.extend((str(user), str(item), "read", None, None) for item in items)
    return Dataset(articles=articles, interactions=interactions)


def read_citeulike_tags(directory: Path, n_articles: int) -> list[list[str]]:
    """The tags readers gave each of the ``n_articles`` articles (item-tag.dat line i, ids into
    tags.dat), for request splits: a reader's query is one of the tags of their articles.
    Never article text: tags exist only once an article has readers."""
    directory = Path(directory)
    names = _read_lines(directory / "tags.dat")
    found: list[list[str]] = [[] for _ in range(n_articles)]
    for item, line in enumerate(_read_lines(directory / "item-tag.dat")[:n_articles]):
        try:
            ids = [int(field) for field in line.split()[1:]]
            found[item] = sorted({names[tag].strip() for tag in ids})
        except (ValueError, IndexError) as exc:
            raise DatasetError(f"{directory / 'item-tag.dat'}, line {item + 1}: malformed") from exc
    return found


def read_movielens(directory: Path) -> Dataset:
    """MovieLens 100K: u.item (title, genre flags named by u.genre), u.data (ratings).

    Article ids are the movie ids, user ids the user ids; each rating is a "rating" event with
    its value and Unix timestamp, in the file's order. A movie has no description: its text is
    the title with the genres as summary ("Action, Comedy"), which the genres also give as
    ``topics``.
    """
    directory = Path(directory)
    genres = [line.split("|")[0] for line in _read_lines(directory / "u.genre") if line.strip()]
    articles = []
    for number, line in enumerate(_read_lines(directory / "u.item"), start=1):
        fields = line.split("|")
        if len(fields) != 5 + len(genres):
            raise DatasetError(f"{directory / 'u.item'}, line {number}: malformed")
        named = [genre for genre, flag in zip(genres, fields[5:], strict=True) if flag == "1"]
        articles.append(
            {
                "article_id": fields[0],
                "title": fields[1].strip(),
                "summary": ", ".join(named),
                "topics": "|".join(named),
            }
        )
    interactions: list[tuple[str, str, str, float | None, float | None]] = []
    for number, line in enumerate(_read_lines(directory / "u.data"), start=1):
        fields = line.split("\t")
        try:
            user, item, rating, timestamp = fields[0], fields[1], float(fields[2]), float(fields[3])
        except (ValueError, IndexError) as exc:
            raise DatasetError(f"{directory / 'u.data'}, line {number}: malformed") from exc
        interactions.append((user, item, "rating", rating, timestamp))
    return Dataset(articles=articles, interactions=interactions)


READERS = {"citeulike-a": read_citeulike, "ml-100k": read_movielens}
