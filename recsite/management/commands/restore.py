"""``manage.py restore DIR``: replace the database's contents and the artifacts with a backup
written by ``manage.py backup`` (recsite.backups)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recsite.backups import restore


class Command(BaseCommand):
    help = (
        "Replace EVERYTHING in the database with the backup in DIR, and put back its model "
        "artifacts. Stop the web processes and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="a directory written by manage.py backup")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask for confirmation (scripts)"
        )

    def handle(self, *args: Any, source: Path, yes: bool, **options: Any) -> None:
        if not (source / "manifest.json").is_file():
            raise CommandError(f"{source} holds no backup (no manifest.json)")
        if not yes and input(f"Replace the whole database with {source}? [y/N] ") != "y":
            raise CommandError("Cancelled; nothing changed.")
        try:
            manifest = restore(source=source)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {sum(manifest['counts'].values())} rows and "
                f"{len(manifest['artifacts'])} model versions' artifacts from {source} "
                f"(backed up {manifest['created_at']})."
            )
        )
