from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers.command import add_common_arguments, write_report
from articles.importers.datasets import DATASETS, DatasetError, import_dataset


class Command(BaseCommand):
    help = (
        "Load a research data set from its directory as published: citeulike-a (users.dat, "
        "titles.txt, abstracts.tsv, item-tag.dat, tags.dat) or movielens-100k (u.data, u.item). "
        "Idempotent: a second run adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=sorted(DATASETS))
        parser.add_argument("directory", type=Path)
        add_common_arguments(parser)

    def handle(self, *args, dataset, directory, no_progress, batch_size, **options):
        try:
            reports = import_dataset(
                dataset, directory, progress=not no_progress, batch_size=batch_size
            )
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        for report in reports:
            write_report(self, report)
