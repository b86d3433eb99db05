"""Write a train/test split of a research data set as canonical CSV files (DESIGN §5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.ml.csvio import (
    INTERACTION_COLUMNS,
    write_articles_csv,
    write_id_list,
    write_interactions_csv,
)
from recommender.ml.datasets import READERS, DatasetError
from recommender.ml.splits import cold_split, warm_split


class Command(BaseCommand):
    help = (
        "Split a data set into OUT/articles.csv, train.csv, test.csv (and candidates.txt for the "
        "cold split) for evaluate_offline: warm = per user a random 20%% of their articles is "
        "test; cold = 10%% of the articles are held out with all their interactions."
    )
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset", choices=sorted(READERS))
        parser.add_argument("directory", type=Path, help="the data set's directory")
        parser.add_argument("--kind", choices=("warm", "cold"), default="warm")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--out", type=Path, required=True, help="directory to write into")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dataset = READERS[options["dataset"]](options["directory"])
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        matrix = dataset.matrix()
        if options["kind"] == "warm":
            _, test = warm_split(matrix, seed=options["seed"])
            coo = test.positives.tocoo()
            test_cells = set(
                zip(
                    matrix.user_ids[coo.row].tolist(),
                    matrix.item_ids[coo.col].tolist(),
                    strict=True,
                )
            )

            def is_test(row: tuple) -> bool:
                return (row[0], row[1]) in test_cells

            cold_ids = None
        else:
            _, _, cold = cold_split(matrix, seed=options["seed"])
            cold_ids = matrix.item_ids[cold].tolist()
            cold_set = set(cold_ids)

            def is_test(row: tuple) -> bool:
                return row[1] in cold_set

        # Rows (not matrix cells) are routed, so event types, values and timestamps survive.
        test_rows = [row for row in dataset.interactions if is_test(row)]
        train_rows = [row for row in dataset.interactions if not is_test(row)]
        columns: tuple[str, ...] = INTERACTION_COLUMNS
        if all(
            row[2] == "read" and row[3] is None and row[4] is None for row in dataset.interactions
        ):
            columns = ("user_id", "article_id")  # the defaults say the rest

        out = options["out"]
        try:
            out.mkdir(parents=True, exist_ok=True)
            # Text is title + summary only: never user-given tags (they leak the cold items).
            write_articles_csv(
                out / "articles.csv", dataset.articles, ("article_id", "title", "summary")
            )
            write_interactions_csv(out / "train.csv", train_rows, columns)
            write_interactions_csv(out / "test.csv", test_rows, columns)
            if cold_ids is not None:
                write_id_list(out / "candidates.txt", cold_ids)
        except OSError as exc:
            raise CommandError(f"cannot write into {out}: {exc}") from exc
        test_users = len({row[0] for row in test_rows})
        self.stdout.write(
            f"{options['kind']} split of {options['dataset']} (seed {options['seed']}) in {out}: "
            f"{len(dataset.articles)} articles, {len(train_rows)} train and {len(test_rows)} test "
            f"interactions ({test_users} test users)"
            + (f", {len(cold_ids)} cold candidates" if cold_ids is not None else "")
        )
