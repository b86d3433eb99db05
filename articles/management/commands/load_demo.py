from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from articles.demo.loader import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo catalogue: 300+ articles in 12 topics, 180 readers with their own tastes, "
        "thousands of interactions over 60 days, and the logins 'editor' and 'reader'. "
        "Deterministic and idempotent: running it again changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for report in demo_load():
            self.stdout.write(report.summary())
        password = settings.RECSITE_DEMO_PASSWORD
        self.stdout.write(
            self.style.SUCCESS(
                "Demo ready. Start the site (make demo does) and open http://127.0.0.1:8000/\n"
                f"  reader: username 'reader', password '{password}' (a reader with history)\n"
                f"  editor: username 'editor', password '{password}' "
                "(Editors group; admin at http://127.0.0.1:8000/admin/)"
            )
        )
