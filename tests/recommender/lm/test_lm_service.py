"""Training an LM version from the database, the readers' sequence states the worker stores, and
the next articles it answers with."""

from io import StringIO

import numpy as np
import pytest
from django.core.cache import cache
from django.core.management import call_command

from articles.models import Article, Interaction
from recommender.management.commands import train_lm as train_lm_command
from recommender.ml.lm.model import SequenceLM
from recommender.models import ModelVersion
from recommender.ranking.sequence import NoLanguageModel, lm_recommend, next_articles
from recommender.runtime.sequences import sequence_scores, sequence_state_key
from recommender.tasks import lm_recommend as lm_recommend_task
from recommender.tasks import refresh_user_lists
from recommender.training.lm import model_version_train_lm
from tests.factories import ModelVersionFactory, UserFactory
from tests.recommender.ml.lm_tiny import histories


def test_training_creates_an_active_lm_version_with_validation_metrics_and_artifacts(
    lm_settings, library
):
    stages = []

    version = model_version_train_lm(progress=lambda stage, fraction: stages.append(stage))

    assert version.kind == ModelVersion.Kind.LM
    assert version.status == ModelVersion.Status.ACTIVE
    assert version.metrics["ndcg@10"] > 0.5  # the cycle's next article, held out per reader
    assert version.metrics["users_evaluated"] == len(histories())
    assert {"recall@20", "epochs", "best_epoch"} <= set(version.metrics)
    assert version.data_counts == {
        "readers": len(histories()),
        "articles": len(library.articles),
        "interactions": sum(len(items) for items in histories()),
        "held_out": len(histories()),
    }
    directory = lm_settings.RECSITE_ARTIFACT_DIR / version.artifact_path
    assert (directory / "network.safetensors").is_file()
    assert (directory / "output_embeddings.npy").is_file()
    assert stages[-1] == "write artifacts"


def test_training_without_readers_fails_and_leaves_nothing_active(lm_settings, db):
    Article.objects.all().delete()

    version = model_version_train_lm()

    assert version.status == ModelVersion.Status.FAILED
    assert "No reader" in version.error
    assert not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists()


def test_the_refresh_stores_the_state_the_web_process_scores_with(lm_version, library, settings):
    reader = library.readers[0]
    candidates = np.array([article.pk for article in library.articles], dtype=np.int64)
    assert sequence_scores(reader.pk, candidates) is None  # no state yet

    refresh_user_lists([reader.pk])

    assert cache.get(sequence_state_key(version_id=lm_version.pk, user_id=reader.pk)) is not None
    served = sequence_scores(reader.pk, candidates)
    model = SequenceLM.load(settings.RECSITE_ARTIFACT_DIR / lm_version.artifact_path)
    column_of = {int(pk): column for column, pk in enumerate(model.item_ids.tolist())}
    history = [column_of[library.articles[item].pk] for item in histories()[0]]
    expected = model.score_histories([history])[0][[column_of[pk] for pk in candidates]]
    np.testing.assert_allclose(served, expected, rtol=1e-5)


def test_next_articles_are_published_and_unread_and_follow_the_reading_order(lm_version, library):
    reader = library.readers[1]
    last = histories()[1][-1]
    following = library.articles[(last + 1) % len(library.articles)]
    archived = library.articles[(last + 2) % len(library.articles)]
    Article.objects.filter(pk=archived.pk).update(status="archived")
    disliked = library.articles[(last + 3) % len(library.articles)]
    Interaction.objects.create(user=reader, article=disliked, event=Interaction.Event.DISLIKE)
    touched = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))

    found = next_articles(reader.pk, 5)

    ids = [pk for pk, _ in found]
    assert ids[0] == following.pk
    assert len(ids) == len(set(ids)) == 5
    published = set(Article.objects.filter(status="published").values_list("pk", flat=True))
    assert set(ids) <= published - touched
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)


def test_a_reader_without_history_gets_answers_too(lm_version, library):
    answer = lm_recommend(user_id=UserFactory().pk, user_input="anything", top_n=3)

    assert answer["model_version"] == lm_version.pk
    assert len(answer["results"]) == 3


def test_without_an_active_lm_the_service_raises_and_the_task_says_so(lm_settings, library):
    with pytest.raises(NoLanguageModel, match="no language model trained yet"):
        lm_recommend(user_id=library.readers[0].pk, top_n=5)

    answer = lm_recommend_task.delay(library.readers[0].pk, "", 5).get()

    assert answer == {
        "model_version": None,
        "results": [],
        "detail": "no language model trained yet",
    }
    assert next_articles(library.readers[0].pk, 5) == []


def test_tasks_are_routed_to_their_queues(settings):
    routes = settings.CELERY_TASK_ROUTES

    assert routes["recommender.lm_recommend"] == {"queue": "inference"}
    assert routes["recommender.train_lm"] == {"queue": "ml"}


def test_train_lm_command_sync_reports_the_version_it_made(db, monkeypatch):
    # given: the training itself is replaced; the command's own work is under test
    version = ModelVersionFactory(
        kind=ModelVersion.Kind.LM,
        status=ModelVersion.Status.ACTIVE,
        metrics={"ndcg@10": 0.125, "recall@20": 0.25, "epochs": 7},
        train_seconds=3.0,
        activation_note="Activated.",
    )

    def train(progress):
        progress("training", 1.0)
        return version

    monkeypatch.setattr(train_lm_command, "model_version_train_lm", train)
    out, err = StringIO(), StringIO()

    # when
    call_command("train_lm", "--sync", stdout=out, stderr=err)

    # then: the metrics it has, in the reported order; the progress bar reached 100%
    assert out.getvalue() == (
        f"lm v{version.pk} active (ndcg@10 0.1250, recall@20 0.2500) in 3.0 s. Activated.\n"
    )
    assert "100/100" in err.getvalue()
