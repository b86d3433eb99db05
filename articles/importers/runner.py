"""Batching, transactions and the summary shared by every importer.

An import is a stream of parsed records and ``RowError``s in file order. Records are handed to a
writer in batches; each batch is one transaction, so an interrupted import keeps what it wrote
and re-running it (imports are idempotent) picks up the rest. In strict mode the whole import is
one transaction that is rolled back if any row was bad, and writing stops at the first bad row
while the rest of the file is still validated, so every error is reported at once.
"""

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from tqdm import tqdm

from .csv_rows import RowError

MAX_REPORTED_ERRORS = 50
BATCH_SIZE = 2000


@dataclass
class ImportReport:
    what: str
    read: int = 0
    created: int = 0
    updated: int = 0
    already_present: int = 0
    bad: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    related_created: Counter = field(default_factory=Counter)  # e.g. {"users": 12}
    seconds: float = 0.0

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.bad += 1
            if len(self.errors) < MAX_REPORTED_ERRORS:
                self.errors.append(error)

    def summary(self) -> str:
        related = "".join(
            f", {count:,} {name} created" for name, count in sorted(self.related_created.items())
        )
        return (
            f"{self.what}: {self.read:,} rows read, {self.created:,} created, "
            f"{self.updated:,} updated, {self.already_present:,} already present, "
            f"{self.bad:,} bad{related} ({self.seconds:.1f} s)"
        )

    def error_lines(self) -> list[str]:
        lines = [str(error) for error in self.errors]
        if self.bad > len(self.errors):
            lines.append(f"... and {self.bad - len(self.errors):,} more bad rows")
        return lines


class StrictImportFailed(Exception):
    """A strict import met bad rows; nothing was written. ``report`` lists them."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{report.bad:,} bad rows; nothing was written")
        self.report = report


class BatchWriter(Protocol):
    def write(self, records: list, *, report: ImportReport, dry_run: bool) -> list[RowError]:
        """Write ``records`` (or only check them when ``dry_run``); count into ``report``;
        return the errors found while resolving them against the database."""


def run_import(
    items: Iterable,
    *,
    writer: BatchWriter,
    report: ImportReport,
    strict: bool = False,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[], None] = lambda: None,
) -> ImportReport:
    """Feed ``items`` (records with a ``line`` attribute, or ``RowError``) to ``writer``."""
    started = time.monotonic()
    try:
        if strict:
            with transaction.atomic():
                _run(items, writer, report, strict, batch_size, on_batch)
                if report.bad:
                    raise StrictImportFailed(report)
        else:
            _run(items, writer, report, strict, batch_size, on_batch)
    finally:
        report.seconds = time.monotonic() - started
    return report


def _run(items, writer, report, strict, batch_size, on_batch) -> None:
    batch: list = []
    errors: list[RowError] = []

    def flush() -> None:
        dry_run = strict and bool(report.bad or errors)
        if batch:
            # The outermost atomic block is the batch's transaction; inside a strict import it
            # joins the import's transaction without the cost of a savepoint.
            with transaction.atomic(savepoint=False):
                errors.extend(writer.write(batch, report=report, dry_run=dry_run))
        # Writers find their errors after the parser found its own; report both in file order.
        report.add_errors(sorted(errors, key=lambda error: error.line))
        batch.clear()
        errors.clear()
        on_batch()

    for item in items:
        report.read += 1
        if isinstance(item, RowError):
            errors.append(item)
        else:
            batch.append(item)
        if len(batch) + len(errors) >= batch_size:
            flush()
    flush()


class ReadSource(Protocol):
    """A file being read: its size, and how much of it was read so far."""

    total_bytes: int
    bytes_read: int


def run_import_of(
    source: ReadSource,
    items: Iterable,
    *,
    writer: BatchWriter,
    what: str,
    progress: bool,
    strict: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """``run_import`` of ``items`` read from ``source``, reported as ``what``, with a progress
    bar (when ``progress``) that follows the bytes of ``source`` read after each batch."""
    with progress_bar(total=source.total_bytes, enabled=progress, desc=what) as bar:
        return run_import(
            items,
            writer=writer,
            report=ImportReport(what),
            strict=strict,
            batch_size=batch_size,
            on_batch=lambda: bar.update(source.bytes_read - bar.n),
        )


@contextmanager
def progress_bar(*, total: int, enabled: bool, desc: str):
    """A tqdm bar on stderr measured in bytes of input (the only total known up front)."""
    bar = tqdm(
        total=total,
        desc=desc,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=not enabled,
        file=sys.stderr,
        mininterval=0.5,
    )
    try:
        yield bar
    finally:
        bar.close()
