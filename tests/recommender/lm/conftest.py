"""Fixtures of the LM service and API tests: the tiny cycle catalogue of
tests/recommender/ml/lm_tiny as database rows (reader r read articles[i] for i in histories()[r],
in that order), and an active LM version trained on them by the real training service."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Interaction
from recommender.models import ModelVersion
from recommender.ranking.sequence import lm_forget_loaded
from recommender.training.lm import model_version_train_lm
from tests.factories import ArticleFactory, UserFactory
from tests.recommender.ml.lm_tiny import N_ITEMS, TINY_PARAMS, histories


@dataclass
class Library:
    articles: list[Article]
    readers: list


@pytest.fixture
def lm_settings(settings, tmp_path):
    settings.RECSITE_ARTIFACT_DIR = tmp_path / "artifacts"
    settings.RECSITE_LM_PARAMS = {
        key: value
        for key, value in TINY_PARAMS.items()
        if key not in ("threads", "time_budget_s", "patience")
    }
    settings.RECSITE_LM_TIME_BUDGET_SECONDS = 60.0
    settings.RECSITE_LM_PATIENCE = TINY_PARAMS["patience"]
    return settings


@pytest.fixture
def library(db) -> Library:
    articles = [ArticleFactory(title=f"Article {i}") for i in range(N_ITEMS)]
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
    """The active LM version, trained on ``library``."""
    version = model_version_train_lm()
    assert version.status == ModelVersion.Status.ACTIVE, version.error
    return version


@pytest.fixture(autouse=True)
def _forget_loaded_lm():
    # Each test has its own database rows and artifact directory; a model loaded by an earlier
    # test (same version id in a fresh database) must not leak into the next.
    lm_forget_loaded()
    yield
    lm_forget_loaded()
