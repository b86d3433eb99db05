"""``manage.py train_lm``: queue an LM training for the worker (queue ml), or with ``--sync``
run it here with a progress bar; it trains for settings.RECSITE_LM_TIME_BUDGET_SECONDS."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender.models import ModelVersion
from recommender.tasks import train_lm

from ...training.lm import LMTrainingAlreadyRunning, model_version_train_lm

REPORTED = ("perplexity", "recall@20", "ndcg@10")


class Command(BaseCommand):
    help = "Train the causal LM: queue it on the ml queue, or run it in this process (--sync)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync", action="store_true", help="Train in this process instead of the worker."
        )

    def handle(self, *args: Any, sync: bool, **options: Any) -> None:
        if not sync:
            result = train_lm.delay()
            self.stdout.write(f"LM training queued as task {result.id} (queue ml).")
            return
        with tqdm(total=100, unit="%", file=self.stderr) as bar:

            def progress(stage: str, fraction: float) -> None:
                bar.set_postfix_str(stage)
                bar.update(round(100 * fraction) - bar.n)

            try:
                version = model_version_train_lm(progress=progress)
            except LMTrainingAlreadyRunning as error:
                raise CommandError(str(error)) from error
        if version.status == ModelVersion.Status.FAILED:
            raise CommandError(f"Training of v{version.pk} failed:\n{version.error}")
        metrics = ", ".join(
            f"{name} {version.metrics[name]:.4f}"
            for name in REPORTED
            if version.metrics.get(name) is not None
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"lm v{version.pk} {version.status} ({metrics}) in "
                f"{version.train_seconds:.1f} s. {version.activation_note}"
            )
        )
