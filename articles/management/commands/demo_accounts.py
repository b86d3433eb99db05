"""The demo's logins, printed by `make demo` last, just before the server starts, so that they
are on screen when the site is."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from articles.demo.loader import DEMO_EDITOR, DEMO_READER


class Command(BaseCommand):
    help = "Print the logins that load_demo created and where to use them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="the address the site is served at"
        )

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        accounts = get_user_model().objects.filter(username__in=[DEMO_READER, DEMO_EDITOR])
        if accounts.count() < 2:
            raise CommandError(_("No demo accounts yet: run `manage.py load_demo` first."))
        site = url.rstrip("/")
        password = settings.RECSITE_DEMO_PASSWORD
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo ready at %(site)s/\n"
                    "  reader: username '%(reader)s', password '%(password)s' "
                    "(a reader with history)\n"
                    "  editor: username '%(editor)s', password '%(password)s' "
                    "(Editors group; admin at %(site)s/admin/)"
                )
                % {"site": site, "reader": DEMO_READER, "editor": DEMO_EDITOR, "password": password}
            )
        )
