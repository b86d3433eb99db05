"""``manage.py sync_schedules``: create the periodic tasks of recsite/schedules.py that the
database lacks, leaving every existing one as editors left it (also run by ``migrate``)."""

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from recsite.schedules import schedules_sync


class Command(BaseCommand):
    help = "Create the declared periodic tasks missing from the database; change none."

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias")

    def handle(self, *args, database: str, **options):
        created = schedules_sync(using=database)
        for name in created:
            self.stdout.write(f"Created: {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} schedules created."))
