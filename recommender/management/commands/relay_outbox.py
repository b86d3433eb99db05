"""``manage.py relay_outbox``: publish what the outbox holds (e.g. after a Redis outage, without
waiting for the periodic relay) and say how much is left."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...outbox import outbox_pending_count, outbox_purge, outbox_relay


class Command(BaseCommand):
    help = "Publish pending outbox messages to Celery and replay held-back cache deletes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-batches", type=int, default=1000, help="Stop after this many batches."
        )

    def handle(self, *args: Any, max_batches: int, **options: Any) -> None:
        sent = outbox_relay(max_batches=max_batches)
        pending = outbox_pending_count()
        purged = outbox_purge()
        self.stdout.write(f"Relayed {sent} messages; {pending} pending; {purged} old ones purged.")
        if pending:
            # Non-zero exit for scripts: Redis is (still) unreachable, or more than max-batches.
            raise CommandError(f"{pending} messages still pending.")
