"""Fixtures for tests that need a trained recommender (registered in tests/conftest.py)."""

import random
from dataclasses import dataclass

import pytest

from articles.models import Article, Interaction, Topic
from recommender.training.mf import model_version_train_mf
from tests.factories import ArticleFactory, TopicFactory, UserFactory

ARTICLES_PER_CLUSTER = 20
READERS_PER_CLUSTER = 15
READS_PER_READER = 8


@pytest.fixture
def mf_settings(settings, tmp_path):
    """Artifacts in a temporary directory and a model small enough to train in milliseconds; two
    factors because ``clusters`` has two tastes (more factors fit individual readers' noise),
    and no search of other settings.
    The hybrid trained with each MF version never activates here (it could beat MF on these
    data); hybrid tests lower RECSITE_HYBRID_MIN_GAIN themselves."""
    settings.RECSITE_ARTIFACT_DIR = tmp_path / "artifacts"
    settings.RECSITE_HYBRID_MIN_GAIN = 1.0
    settings.RECSITE_MF_PARAMS = {
        "factors": 2,
        "regularization": 0.05,
        "alpha": 10.0,
        "iterations": 10,
        "seed": 0,
    }
    # These parameters as they are: the searches have tests of their own (test_training.py).
    settings.RECSITE_MF_SEARCH_TRIALS = settings.RECSITE_HYBRID_SEARCH_TRIALS = 1
    return settings


@dataclass
class Clusters:
    astronomy: Topic
    biology: Topic
    a: list[Article]  # astronomy articles
    b: list[Article]  # biology articles
    readers: list  # the first half read astronomy only, the second half biology only


@pytest.fixture
def clusters(db) -> Clusters:
    """30 readers x 40 articles in two taste clusters, 8 reads each (seeded)."""
    astronomy = TopicFactory(name="Astronomy", slug="astronomy")
    biology = TopicFactory(name="Biology", slug="biology")
    a = [ArticleFactory(topics=[astronomy]) for _ in range(ARTICLES_PER_CLUSTER)]
    b = [ArticleFactory(topics=[biology]) for _ in range(ARTICLES_PER_CLUSTER)]
    readers = [UserFactory() for _ in range(2 * READERS_PER_CLUSTER)]
    rng = random.Random(0)
    Interaction.objects.bulk_create(
        Interaction(user=user, article=article, event=Interaction.Event.READ)
        for number, user in enumerate(readers)
        for article in rng.sample(a if number < READERS_PER_CLUSTER else b, READS_PER_READER)
    )
    return Clusters(astronomy, biology, a, b, readers)


@pytest.fixture
def mf_version(mf_settings, clusters):
    """An active MF version trained on ``clusters``."""
    return model_version_train_mf()
