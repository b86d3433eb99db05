"""The canonical CSV files of DESIGN §5 (import and offline-evaluation format).

articles.csv:     article_id,title,summary,body,topics,published_at  (article_id, title required;
                  topics "|"-separated)
interactions.csv: user_id,article_id,event,value,timestamp  (user_id, article_id required; event
                  defaults to "read"; timestamp ISO-8601 or Unix seconds)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ARTICLE_COLUMNS = ("article_id", "title", "summary", "body", "topics", "published_at")
INTERACTION_COLUMNS = ("user_id", "article_id", "event", "value", "timestamp")


class CsvFormatError(ValueError):
    """A canonical CSV file is missing, unreadable or malformed; the message names file and line."""


def parse_timestamp(text: str) -> float:
    """Unix seconds or ISO-8601 (naive means UTC) -> Unix seconds."""
    try:
        return float(text)
    except ValueError:
        pass
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise CsvFormatError(f"{path}: cannot open ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFormatError(f"{path}: unreadable header ({exc})") from exc
        missing = [name for name in required if name not in header]
        if missing:
            raise CsvFormatError(
                f"{path}: missing column(s) {', '.join(missing)} (header: {','.join(header)})"
            )
        try:
            for row in reader:
                if None in row:
                    raise CsvFormatError(f"{path}, line {reader.line_num}: too many fields")
                yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFormatError(f"{path}, line {reader.line_num}: {exc}") from exc


def read_interactions_csv(path: Path) -> Iterator[tuple[str, str, str, float | None, float | None]]:
    """Yield (user_id, article_id, event, value | None, timestamp_seconds | None) per row."""
    for line, row in _rows(path, ("user_id", "article_id")):
        user_id = (row.get("user_id") or "").strip()
        article_id = (row.get("article_id") or "").strip()
        if not user_id or not article_id:
            raise CsvFormatError(f"{path}, line {line}: user_id and article_id are required")
        event = (row.get("event") or "").strip() or "read"
        value_text = (row.get("value") or "").strip()
        time_text = (row.get("timestamp") or "").strip()
        try:
            value = float(value_text) if value_text else None
        except ValueError as exc:
            raise CsvFormatError(f"{path}, line {line}: value {value_text!r} is no number") from exc
        try:
            timestamp = parse_timestamp(time_text) if time_text else None
        except ValueError as exc:
            raise CsvFormatError(
                f"{path}, line {line}: timestamp {time_text!r} is neither Unix seconds nor ISO-8601"
            ) from exc
        yield user_id, article_id, event, value, timestamp


def read_articles_csv(path: Path) -> list[dict[str, str]]:
    """All rows as dicts with every ARTICLE_COLUMNS key ("" where absent), ids unique."""
    articles, seen = [], set()
    for line, row in _rows(path, ("article_id", "title")):
        article = {name: (row.get(name) or "").strip() for name in ARTICLE_COLUMNS}
        if not article["article_id"]:
            raise CsvFormatError(f"{path}, line {line}: article_id is required")
        if article["article_id"] in seen:
            raise CsvFormatError(
                f"{path}, line {line}: duplicate article_id {article['article_id']}"
            )
        seen.add(article["article_id"])
        articles.append(article)
    return articles


def read_queries_csv(path: Path) -> dict[str, str]:
    """queries.csv (``user_id,query``): one request in words per reader (DESIGN §5's request
    protocol); a reader listed twice, or a blank query, is an error."""
    queries: dict[str, str] = {}
    for line, row in _rows(path, ("user_id", "query")):
        user, query = (row["user_id"] or "").strip(), " ".join((row["query"] or "").split())
        if not user or not query:
            raise CsvFormatError(f"{path}, line {line}: user_id and query are required")
        if user in queries:
            raise CsvFormatError(f"{path}, line {line}: user {user} has a second query")
        queries[user] = query
    return queries


def write_queries_csv(path: Path, queries: Mapping[str, str]) -> None:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("user_id", "query"))
        writer.writerows(sorted(queries.items()))


def read_id_list(path: Path) -> list[str]:
    """One id per line (blank lines ignored), e.g. the cold-start candidates file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvFormatError(f"{path}: cannot read ({exc})") from exc
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_articles_csv(
    path: Path, articles: Iterable[Mapping[str, Any]], columns: Sequence[str] = ARTICLE_COLUMNS
) -> None:
    """Write ``articles`` (dicts; missing keys written empty) with the given column subset."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(articles)


def write_interactions_csv(
    path: Path, rows: Iterable[tuple[Any, ...]], columns: Sequence[str] = ("user_id", "article_id")
) -> None:
    """Write interaction tuples in INTERACTION_COLUMNS order, truncated to ``columns``."""
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row[: len(columns)]])


def write_id_list(path: Path, ids: Iterable[object]) -> None:
    Path(path).write_text("".join(f"{item_id}\n" for item_id in ids), encoding="utf-8")
