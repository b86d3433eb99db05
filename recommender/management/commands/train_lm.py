"""``manage.py train_lm``: queue an LM training for the worker (queue ml), or with ``--sync``
run it here with a progress bar; it trains for settings.RECSITE_LM_TIME_BUDGET_SECONDS."""

from django.core.management.base import CommandError
from tqdm import tqdm

from recommender.models import ModelVersion
from recommender.tasks import train_lm

from ...training.lm import LMTrainingAlreadyRunning, model_version_train_lm
from ..training_command import TrainingCommand


class Command(TrainingCommand):
    help = "Train the causal LM: queue it on the ml queue, or run it in this process (--sync)."
    task = train_lm
    queued_as = "LM training"
    version_label = "lm "
    reported = ("ndcg@10", "recall@20")

    def train(self) -> ModelVersion:
        with tqdm(total=100, unit="%", file=self.stderr) as bar:

            def progress(stage: str, fraction: float) -> None:
                bar.set_postfix_str(stage)
                bar.update(round(100 * fraction) - bar.n)

            try:
                return model_version_train_lm(progress=progress)
            except LMTrainingAlreadyRunning as error:
                raise CommandError(str(error)) from error
