"""``manage.py embed_articles``: embed every published article whose text (or the encoder)
changed since it was last embedded, then write a new embedding snapshot for the web processes."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from ...training.embeddings import articles_embed


class Command(BaseCommand):
    help = (
        "Embed the title + summary of published articles with the text encoder (unchanged "
        "articles are skipped) and publish a new embedding snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ids", nargs="+", type=int, help="only these article ids (default: all published)"
        )

    def handle(self, *args: Any, ids: list[int] | None, **options: Any) -> None:
        started = time.perf_counter()
        # The bar appears once there is something to encode: nothing to do prints no empty bar.
        bar: tqdm | None = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, unit="article", file=self.stderr)
            bar.update(done - bar.n)

        try:
            counts = articles_embed(article_ids=ids, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['embedded']} embedded, {counts['unchanged']} unchanged of "
                f"{counts['articles']} published articles in {time.perf_counter() - started:.1f} s."
            )
        )
