"""What ``manage.py retrain`` and ``manage.py train_lm`` share: queue the training task for the
worker (queue ml), or with ``--sync`` train in this process and report the version it made."""

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recommender.models import ModelVersion


class TrainingCommand(BaseCommand):
    task: Any  # the Celery task queued without --sync
    queued_as: ClassVar[str]  # what the queued message calls it: "Retraining"
    version_label: ClassVar[str] = ""  # before "v<pk>" in the report: "lm "
    reported: ClassVar[tuple[str, ...]]  # the metrics the report shows, when the version has them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync", action="store_true", help="Train in this process instead of the worker."
        )

    def handle(self, *args: Any, sync: bool, **options: Any) -> None:
        if not sync:
            result = self.task.delay()
            self.stdout.write(f"{self.queued_as} queued as task {result.id} (queue ml).")
            return
        version = self.train()
        if version.status == ModelVersion.Status.FAILED:
            raise CommandError(f"Training of v{version.pk} failed:\n{version.error}")
        metrics = ", ".join(
            f"{name} {version.metrics[name]:.4f}"
            for name in self.reported
            if version.metrics.get(name) is not None
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{self.version_label}v{version.pk} {version.status} ({metrics}) in "
                f"{version.train_seconds:.1f} s. {version.activation_note}"
            )
        )
        self.report_more(version)

    def train(self) -> ModelVersion:
        """Train here with a progress bar on stderr; ``CommandError`` if a training runs."""
        raise NotImplementedError

    def report_more(self, version: ModelVersion) -> None:
        """Anything to say after the version's line."""
