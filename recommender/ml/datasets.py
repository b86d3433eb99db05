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


def read_movielens(directory: Path) -> Dataset:
    """MovieLens 100K: u.item (movies), u.genre, u.data (ratings with Unix timestamps).

    Article ids are the movie ids, user ids the rating users'. Every rating is a "read" at its
    time, whatever its value (the usual implicit-feedback reading of the data set: having
    watched a film is the signal). The summary is the film's genres, which are known when it
    is published; u.item is Latin-1.
    """
    directory = Path(directory)
    genres = {}
    for line in _read_lines(directory / "u.genre"):
        if line.strip():
            name, _, index = line.partition("|")
            genres[int(index)] = name
    articles = []
    for number, line in enumerate(_read_latin1_lines(directory / "u.item"), start=1):
        fields = line.split("|")
        if len(fields) != 5 + len(genres) or not fields[0].isdigit():
            raise DatasetError(f"{directory / 'u.item'}, line {number}: malformed")
        flags = fields[5:]
        summary = ", ".join(genres[i] for i, flag in enumerate(flags) if flag == "1")
        articles.append({"article_id": fields[0], "title": fields[1], "summary": summary})
    interactions: list[tuple[str, str, str, float | None, float | None]] = []
    for number, line in enumerate(_read_lines(directory / "u.data"), start=1):
        fields = line.split("\t")
        if len(fields) != 4 or not all(field.isdigit() for field in fields):
            raise DatasetError(f"{directory / 'u.data'}, line {number}: malformed")
        interactions.append((fields[0], fields[1], "read", None, float(fields[3])))
    return Dataset(articles=articles, interactions=interactions)


def _read_latin1_lines(path: Path) -> list[str]:
    try:
        return path.read_bytes().decode("latin-1").splitlines()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc})") from exc


READERS = {"citeulike-a": read_citeulike, "ml-100k": read_movielens}
