"""What the import management commands share: options, error handling and the printed report."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from .csv_rows import HeaderError
from .runner import BATCH_SIZE, ImportReport, StrictImportFailed


class ImportCommand(BaseCommand):
    """``manage.py <command> FILE.csv [--strict]``; subclasses set ``importer``."""

    importer: Callable[..., ImportReport]  # (path, *, strict, progress, batch_size)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8, header row first)")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="write nothing at all if any row is bad (default: import the good rows and "
            "report the bad ones)",
        )
        add_common_arguments(parser)

    def handle(
        self, *args: Any, file: Path, strict: bool, no_progress: bool, batch_size: int, **opts: Any
    ) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            report = type(self).importer(
                file, strict=strict, progress=not no_progress, batch_size=batch_size
            )
        except HeaderError as exc:
            raise CommandError(f"{file}: {exc}. Nothing was imported.") from None
        except StrictImportFailed as exc:
            write_errors(self, exc.report)
            raise CommandError(f"{file}: {exc} (--strict).") from None
        write_report(self, report)


def add_common_arguments(parser: CommandParser) -> None:
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="rows per bulk insert and transaction"
    )


def write_errors(command: BaseCommand, report: ImportReport) -> None:
    for line in report.error_lines():
        command.stderr.write(f"{report.what}: {line}")


def write_report(command: BaseCommand, report: ImportReport) -> None:
    """Bad rows first (on stderr), then the one-line summary; bad rows are a warning, not a
    failure, so that the good rows of a large file are not held hostage by a few bad ones."""
    write_errors(command, report)
    command.stdout.write(report.summary())
    if report.bad:
        command.stderr.write(
            command.style.WARNING(
                f"WARNING: {report.bad:,} bad rows were skipped (listed above); "
                "fix them and re-run, or use --strict to import all or nothing."
            )
        )
