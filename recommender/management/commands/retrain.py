"""``manage.py retrain``: queue an MF retraining (and the hybrid over it) for the worker, or with
``--sync`` run it here (for people without a worker) with a progress bar and stage timings."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender.models import ModelVersion
from recommender.tasks import retrain

from ...training.mf import STAGES, RetrainAlreadyRunning, model_version_train_mf


class Command(BaseCommand):
    help = "Retrain the MF model: queue it on the ml queue, or run it in this process (--sync)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync", action="store_true", help="Train in this process instead of the worker."
        )

    def handle(self, *args: Any, sync: bool, **options: Any) -> None:
        if not sync:
            result = retrain.delay()
            self.stdout.write(f"Retraining queued as task {result.id} (queue ml).")
            return
        timings, last = [], [time.monotonic()]
        with tqdm(total=len(STAGES), unit="stage", file=self.stderr) as bar:

            def progress(stage: str) -> None:
                now = time.monotonic()
                timings.append(f"{stage} {now - last[0]:.1f} s")
                last[0] = now
                bar.set_postfix_str(f"{stage}: done")
                bar.update(1)

            try:
                version = model_version_train_mf(progress=progress)
            except RetrainAlreadyRunning as error:
                raise CommandError(str(error)) from error
        if version.status == ModelVersion.Status.FAILED:
            raise CommandError(f"Training of v{version.pk} failed:\n{version.error}")
        metrics = ", ".join(
            f"{name} {value:.4f}"
            for name, value in version.metrics.items()
            if name in ("ndcg@10", "recall@20")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"v{version.pk} {version.status} ({metrics}) in "
                f"{version.train_seconds:.1f} s. {version.activation_note}"
            )
        )
        hybrid = ModelVersion.objects.filter(
            kind=ModelVersion.Kind.HYBRID, params__mf_version=version.pk
        ).first()
        if hybrid is not None:
            self.stdout.write(f"Hybrid v{hybrid.pk} {hybrid.status}. {hybrid.activation_note}")
        self.stdout.write(f"Stages: {', '.join(timings)}.")
