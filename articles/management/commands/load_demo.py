from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from articles.demo.generator import LANGUAGES
from articles.demo.loader import demo_load


class Command(BaseCommand):
    help = (
        "Load the demo catalogue: 300+ articles in 12 topics, 180 readers with their own tastes, "
        "thousands of interactions over 60 days, and the logins 'editor' and 'reader'. "
        "Deterministic and idempotent: running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--language",
            choices=sorted(LANGUAGES),
            default="en",
            help="The catalogue's language: en (the default), or zh-hans for a smaller Chinese "
            "catalogue (8 topics, about 90 articles, 120 readers) next to the English one.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for report in demo_load(LANGUAGES[options["language"]]):
            self.stdout.write(report.summary())
        # Its logins are printed by demo_accounts, which `make demo` runs just before serving.
        self.stdout.write(
            self.style.SUCCESS(_("Demo loaded. Logins: python manage.py demo_accounts"))
        )
