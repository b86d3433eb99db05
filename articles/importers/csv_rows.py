"""Streaming CSV reading: one record at a time, every bad record turned into a line-numbered error.

The file is read as bytes, one physical line at a time (bounded by ``MAX_LINE_BYTES``), and each
line is decoded separately, so a stray invalid byte costs one row instead of the whole import and
memory stays constant however long the file is. Line numbers are physical lines of the file
(the header is line 1); a record whose quoted field spans several lines is reported by the line
it starts on.
"""

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

# Article bodies can be long, but a single field of more than a million characters is a broken
# file (typically an unbalanced quote swallowing the rest of it), not an article.
MAX_FIELD_CHARS = 1_000_000
MAX_LINE_BYTES = 4 * MAX_FIELD_CHARS  # UTF-8 needs at most 4 bytes per character


class HeaderError(Exception):
    """The file has no usable header row (empty, undecodable, or the wrong set of columns)."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int
    fields: dict[str, str]


class RowInvalid(ValueError):
    """Raised by row parsers; the message is what the user sees next to the line number."""


class CsvFile:
    """The data rows of a CSV file with a header, as ``CsvRow`` or ``RowError`` in file order.

    ``required`` columns must be in the header; ``optional`` ones may be; any other column is an
    error, so a typo in a column name fails loudly instead of silently dropping data. Column
    names are compared case-insensitively and without surrounding spaces.
    """

    def __init__(self, path: Path | str, *, required: Sequence[str], optional: Sequence[str] = ()):
        self.path = Path(path)
        self.required = tuple(required)
        self.optional = tuple(optional)
        self.total_bytes = self.path.stat().st_size
        self.bytes_read = 0
        self.columns: tuple[str, ...] = ()
        # Lines that could not be decoded (or were too long), until the record holding them is
        # reported; never more than one record's worth of lines.
        self._bad_lines: dict[int, str] = {}

    def __iter__(self) -> Iterator[CsvRow | RowError]:
        previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            with self.path.open("rb") as handle:
                reader = csv.reader(self._lines(handle), strict=True)
                self.columns = self._read_header(reader)
                yield from self._records(reader)
        finally:
            csv.field_size_limit(previous_limit)

    def _lines(self, handle) -> Iterator[str]:
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            self.bytes_read += len(raw)
            if len(raw) > MAX_LINE_BYTES:
                self._skip_rest_of_line(handle)
                self._bad_lines[number] = f"line is longer than {MAX_LINE_BYTES:,} bytes"
                yield "\n"
                continue
            if b"\x00" in raw:
                # PostgreSQL text cannot hold NUL characters; reject the row, not the import.
                self._bad_lines[number] = "contains a NUL character"
            encoding = "utf-8-sig" if number == 1 else "utf-8"  # tolerate a byte-order mark
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError as exc:
                self._bad_lines[number] = (
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of "
                    "the line); save the file as UTF-8"
                )
                yield raw.decode(encoding, errors="replace")

    def _skip_rest_of_line(self, handle) -> None:
        while rest := handle.readline(MAX_LINE_BYTES):
            self.bytes_read += len(rest)
            if rest.endswith(b"\n"):
                return

    def _read_header(self, reader) -> tuple[str, ...]:
        expected = ", ".join(self.required + self.optional)
        try:
            header = next(reader)
        except StopIteration:
            raise HeaderError(f"the file is empty; expected a header row: {expected}") from None
        except csv.Error as exc:
            raise HeaderError(f"the header row is not valid CSV ({exc})") from None
        if 1 in self._bad_lines:
            raise HeaderError(f"line 1 (the header): {self._bad_lines[1]}")
        columns = tuple(name.strip().lower() for name in header)
        problems = []
        missing = [name for name in self.required if name not in columns]
        if missing:
            problems.append(f"missing required column(s): {', '.join(missing)}")
        allowed = set(self.required + self.optional)
        unknown = [name for name in columns if name not in allowed]
        if unknown:
            problems.append(f"unknown column(s): {', '.join(repr(name) for name in unknown)}")
        repeated = sorted({name for name in columns if columns.count(name) > 1})
        if repeated:
            problems.append(f"repeated column(s): {', '.join(repeated)}")
        if problems:
            raise HeaderError(
                f"{'; '.join(problems)}. Expected the columns {expected} "
                f"(required: {', '.join(self.required)})"
            )
        return columns

    def _records(self, reader) -> Iterator[CsvRow | RowError]:
        end = reader.line_num
        while True:
            start = end + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                end = reader.line_num
                self._pop_bad_lines(start, end)
                yield RowError(start, f"not valid CSV ({exc})")
                continue
            end = reader.line_num
            bad = self._pop_bad_lines(start, end)
            if bad:
                yield RowError(start, bad)
            elif not values:
                continue  # a blank line separates nothing and is not an error
            elif len(values) != len(self.columns):
                yield RowError(
                    start,
                    f"expected {len(self.columns)} fields ({', '.join(self.columns)}), "
                    f"got {len(values)}",
                )
            else:
                yield CsvRow(start, dict(zip(self.columns, values, strict=True)))

    def _pop_bad_lines(self, start: int, end: int) -> str:
        for number in range(start, end + 1):
            if number in self._bad_lines:
                message = self._bad_lines.pop(number)
                for later in range(number + 1, end + 1):
                    self._bad_lines.pop(later, None)
                # A record spanning several lines names the one that is broken.
                return message if number == start else f"{message} (on line {number})"
        return ""
