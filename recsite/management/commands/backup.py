"""``manage.py backup --output DIR``: the database and the retained models' artifacts, with a
manifest (recsite.backups)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from recsite.backups import backup


class Command(BaseCommand):
    help = "Back up the database and the artifacts of every retained model version into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help="directory to write")

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        manifest = backup(output=output)
        rows = sum(manifest["counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {rows} rows and {len(manifest['artifacts'])} model versions' "
                f"artifacts to {output}."
            )
        )
