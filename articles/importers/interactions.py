"""Import of the canonical ``interactions.csv`` (DESIGN §5; the platform's ``user_behavior.csv``):
``user_id,article_id,event,value,timestamp``, only ``user_id`` and ``article_id`` required.

- ``user_id`` is a username. A user that does not exist is created (with an unusable password:
  they can sign in only after an administrator sets one); an existing user with that username
  receives the rows, whoever created the account.
- ``article_id`` is an article's ``external_id`` and must already exist (import articles first).
- ``event`` defaults to ``read``; ``timestamp`` is ISO-8601 (UTC unless it says otherwise) or
  Unix seconds, and defaults to the time of the import; ``value`` is a number (required for
  ``rating``).
- Idempotence: every row gets ``import_key`` = sha1 of (user_id, article_id, event, value,
  timestamp as written). Re-importing a file adds nothing, and identical rows within a file
  collapse into one interaction (a file that means "read twice" needs two timestamps).
- No ``interaction_recorded`` signal is sent: a bulk import would otherwise queue a refresh per
  user per batch. The next scheduled retraining picks the rows up.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from ..models import Article, Interaction
from .csv_rows import CsvFile, CsvRow, RowError, RowInvalid
from .runner import BATCH_SIZE, ImportReport, run_import_of
from .values import parse_number, parse_timestamp, required_text

User = get_user_model()
REQUIRED_COLUMNS = ("user_id", "article_id")
OPTIONAL_COLUMNS = ("event", "value", "timestamp")
EVENTS = tuple(Interaction.Event.values)


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    line: int
    user_id: str
    article_id: str
    event: str
    value: float | None
    created_at: datetime
    import_key: str


def import_key(*, user_id: str, article_id: str, event: str, value: float | None, timestamp: str):
    """The idempotence key of one source row (40 hex characters)."""
    number = "" if value is None else repr(value)  # "5" and "5.0" are the same value
    raw = "\x1f".join((user_id, article_id, event, number, timestamp))
    return hashlib.sha1(raw.encode()).hexdigest()


def parse_interaction_row(row: CsvRow, *, now: datetime) -> InteractionRecord | RowError:
    fields = row.fields
    try:
        user_id = _username(fields)
        article_id = required_text(fields, "article_id", max_length=100)
        event = fields.get("event", "").strip().lower() or Interaction.Event.READ
        if event not in EVENTS:
            raise RowInvalid(f"unknown event {event!r}; expected one of {', '.join(EVENTS)}")
        raw_value = fields.get("value", "").strip()
        value = parse_number(raw_value, column="value") if raw_value else None
        if event == Interaction.Event.RATING and value is None:
            raise RowInvalid("a rating needs a value")
        timestamp = fields.get("timestamp", "").strip()
        created_at = parse_timestamp(timestamp, column="timestamp") if timestamp else now
    except RowInvalid as exc:
        return RowError(row.line, str(exc))
    key = import_key(
        user_id=user_id, article_id=article_id, event=event, value=value, timestamp=timestamp
    )
    return InteractionRecord(row.line, user_id, article_id, event, value, created_at, key)


def _username(fields: dict[str, str]) -> str:
    field = cast("models.CharField[str, str]", User._meta.get_field(User.USERNAME_FIELD))
    max_length = cast(int, field.max_length)
    username = required_text(fields, "user_id", max_length=max_length)
    if not _is_valid_username(username):
        raise RowInvalid(
            f"user_id {username!r} is not a valid username (letters, digits and @/./+/-/_ only)"
        )
    return username


@lru_cache(maxsize=10_000)  # the same few users recur on many rows
def _is_valid_username(username: str) -> bool:
    try:
        User.username_validator(username)
    except ValidationError:
        return False
    return True


class InteractionWriter:
    """Inserts interactions in bulk, creating their users on the fly."""

    def write(self, records: list, *, report: ImportReport, dry_run: bool) -> list[RowError]:
        article_ids = dict(
            Article.objects.filter(
                external_id__in={record.article_id for record in records}
            ).values_list("external_id", "pk")
        )
        errors, known = [], []
        for record in records:
            if record.article_id in article_ids:
                known.append(record)
            else:
                errors.append(
                    RowError(
                        record.line,
                        f"unknown article id {record.article_id!r} (import the articles first)",
                    )
                )
        if dry_run or not known:
            return errors
        user_ids = self._user_ids({record.user_id for record in known}, report)
        adapt_time = connection.ops.adapt_datetimefield_value
        rows = [
            (
                user_ids[record.user_id],
                article_ids[record.article_id],
                record.event,
                record.value,
                Interaction.Source.IMPORT.value,
                adapt_time(record.created_at),
                record.import_key,
            )
            for record in known
        ]
        created = insert_interactions(rows)
        report.created += created
        report.already_present += len(rows) - created
        return errors

    def _user_ids(self, usernames: set[str], report: ImportReport) -> dict[str, int]:
        found = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
        missing = sorted(usernames - found.keys())
        if missing:
            User.objects.bulk_create(
                [User(username=name, password=make_password(None)) for name in missing],
                ignore_conflicts=True,
            )
            found.update(User.objects.filter(username__in=missing).values_list("username", "pk"))
            report.related_created["users"] += len(missing)
        return found


INSERT_COLUMNS = ("user", "article", "event", "value", "source", "created_at", "import_key")


def insert_interactions(rows: list[tuple]) -> int:
    """Insert rows of ``INSERT_COLUMNS`` values (database-ready) whose import key is new;
    return how many were inserted.

    This is the statement ``bulk_create(ignore_conflicts=True)`` sends (INSERT ... ON CONFLICT
    DO NOTHING, with one array per column on PostgreSQL as Django 5.2 does), minus the model
    instance and per-field preparation the ORM builds for every row, which were three quarters
    of the time of a 200,000-row import. The unique import key makes the database itself skip
    rows imported before, and duplicates within the batch.
    """
    if not rows:
        return 0
    meta, quote = Interaction._meta, connection.ops.quote_name
    fields = [cast("models.Field[Any, Any]", meta.get_field(name)) for name in INSERT_COLUMNS]
    columns = ", ".join(quote(cast(str, f.column)) for f in fields)
    insert = f"INSERT INTO {quote(meta.db_table)} ({columns}) "
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Seven array parameters instead of seven per row: psycopg parses placeholders in
            # Python, so a 14,000-placeholder statement cost more than the insert itself.
            types = [cast(str, f.db_type(connection)).split("(")[0] for f in fields]
            arrays = ", ".join(f"(%s)::{db_type}[]" for db_type in types)
            cursor.execute(
                f"{insert} SELECT * FROM UNNEST({arrays}) ON CONFLICT DO NOTHING",
                [list(column) for column in zip(*rows, strict=True)],
            )
            return cursor.rowcount
        row_sql = f"({', '.join(['%s'] * len(fields))})"
        per_statement = (connection.features.max_query_params or 999) // len(fields)
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                f"{insert} VALUES {', '.join([row_sql] * len(chunk))} ON CONFLICT DO NOTHING",
                [value for row in chunk for value in row],
            )
            inserted += cursor.rowcount  # rows skipped by ON CONFLICT are not counted
    return inserted


def import_interactions_file(
    path: Path | str, *, strict: bool = False, progress: bool = False, batch_size: int = BATCH_SIZE
) -> ImportReport:
    """Import an interactions CSV; raises ``HeaderError`` (nothing written) for a wrong header
    and, when ``strict``, ``StrictImportFailed`` (nothing written) if any row is bad."""
    source = CsvFile(path, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS)
    now = timezone.now()
    items = (
        parse_interaction_row(item, now=now) if isinstance(item, CsvRow) else item
        for item in source
    )
    return run_import_of(
        source,
        items,
        writer=InteractionWriter(),
        what="interactions",
        progress=progress,
        strict=strict,
        batch_size=batch_size,
    )
