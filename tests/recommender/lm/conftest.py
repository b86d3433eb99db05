"""Fixtures of the LM service and API tests: the tiny library of tests/recommender/ml/lm_tiny
as database rows, and an active LM version whose artifacts are the session's tiny trained LM
(trained once; the service rebuilds its candidates from the database anyway)."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Interaction
from recommender.ml.artifacts import write_artifact_dir
from recommender.models import ModelVersion
from recommender.ranking import lm as lm_inference
from tests.factories import ArticleFactory, UserFactory
from tests.recommender.ml.lm_tiny import TINY_PARAMS, histories, titles, trained


@dataclass
class Library:
    articles: list[Article]  # articles[i] has titles()[i]
    readers: list  # readers[r] read articles[i] for i in histories()[r], in that order


@pytest.fixture
def lm_settings(settings, tmp_path):
    settings.RECSITE_ARTIFACT_DIR = tmp_path / "artifacts"
    settings.RECSITE_LM_PARAMS = {
        key: value
        for key, value in TINY_PARAMS.items()
        if key not in ("threads", "time_budget_s", "max_steps")
    } | {"max_steps": 30}
    settings.RECSITE_LM_TIME_BUDGET_SECONDS = 60.0
    settings.RECSITE_LM_VALIDATION_USERS = 5
    settings.RECSITE_LM_NUM_BEAMS = 6
    return settings


@pytest.fixture
def library(db) -> Library:
    articles = [ArticleFactory(title=title) for title in titles()]
    readers = [UserFactory() for _ in histories()]
    start = timezone.now() - timedelta(days=1)
    Interaction.objects.bulk_create(
        Interaction(
            user=reader,
            article=articles[item],
            event=Interaction.Event.READ,
            created_at=start + timedelta(minutes=position),
        )
        for reader, items in zip(readers, histories(), strict=True)
        for position, item in enumerate(items)
    )
    return Library(articles, readers)


@pytest.fixture
def lm_version(lm_settings, library) -> ModelVersion:
    """An active LM version (the session's tiny trained LM) over ``library``."""
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.LM,
        status=ModelVersion.Status.ACTIVE,
        metrics={"ndcg@10": 0.5},
        activated_at=timezone.now(),
    )
    directory = write_artifact_dir(
        lm_settings.RECSITE_ARTIFACT_DIR / "lm", f"v{version.pk}", trained().save
    )
    version.artifact_path = str(directory.relative_to(lm_settings.RECSITE_ARTIFACT_DIR))
    version.save(update_fields=["artifact_path"])
    return version


@pytest.fixture(autouse=True)
def _forget_loaded_lm():
    # Each test has its own database rows and artifact directory; a model loaded by an earlier
    # test (same version id in a fresh database) must not leak into the next.
    lm_inference.lm_forget_loaded()
    yield
    lm_inference.lm_forget_loaded()
