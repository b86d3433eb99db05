"""``manage.py retrain``: queue an MF retraining (and the hybrid over it) for the worker, or with
``--sync`` run it here (for people without a worker) with a progress bar and stage timings."""

import time

from django.core.management.base import CommandError
from tqdm import tqdm

from recommender.models import ModelVersion
from recommender.tasks import retrain

from ...training.mf import STAGES, RetrainAlreadyRunning, model_version_train_mf
from ..training_command import TrainingCommand


class Command(TrainingCommand):
    help = "Retrain the MF model: queue it on the ml queue, or run it in this process (--sync)."
    task = retrain
    queued_as = "Retraining"
    reported = ("ndcg@10", "recall@20")

    def train(self) -> ModelVersion:
        self.timings: list[str] = []
        last = [time.monotonic()]
        with tqdm(total=len(STAGES), unit="stage", file=self.stderr) as bar:

            def progress(stage: str) -> None:
                now = time.monotonic()
                self.timings.append(f"{stage} {now - last[0]:.1f} s")
                last[0] = now
                bar.set_postfix_str(f"{stage}: done")
                bar.update(1)

            try:
                return model_version_train_mf(progress=progress)
            except RetrainAlreadyRunning as error:
                raise CommandError(str(error)) from error

    def report_more(self, version: ModelVersion) -> None:
        hybrid = ModelVersion.objects.filter(
            kind=ModelVersion.Kind.HYBRID, params__mf_version=version.pk
        ).first()
        if hybrid is not None:
            self.stdout.write(f"Hybrid v{hybrid.pk} {hybrid.status}. {hybrid.activation_note}")
        self.stdout.write(f"Stages: {', '.join(self.timings)}.")
