"""Parsing of single cell values shared by the importers; each failure is a ``RowInvalid``."""

import math
import re
from datetime import UTC, datetime

from .csv_rows import RowInvalid

_UNIX_SECONDS = re.compile(r"-?\d+(\.\d+)?")


def parse_timestamp(text: str, *, column: str) -> datetime:
    """An aware datetime from ISO-8601 (naive values are UTC) or Unix seconds."""
    try:
        if _UNIX_SECONDS.fullmatch(text):
            return datetime.fromtimestamp(float(text), tz=UTC)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        moment = None
    if moment is None:
        raise RowInvalid(
            f"{column} {text!r} is not a timestamp; use ISO-8601 (2024-05-01T12:00:00Z) "
            "or Unix seconds"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_number(text: str, *, column: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise RowInvalid(f"{column} {text!r} is not a number") from None
    if not math.isfinite(number):
        raise RowInvalid(f"{column} {text!r} is not a finite number")
    return number


def required_text(fields: dict[str, str], column: str, *, max_length: int) -> str:
    value = fields[column].strip()
    if not value:
        raise RowInvalid(f"{column} is empty")
    return limited(value, column, max_length=max_length)


def limited(value: str, column: str, *, max_length: int) -> str:
    if len(value) > max_length:
        raise RowInvalid(f"{column} is longer than {max_length} characters ({len(value):,})")
    return value
