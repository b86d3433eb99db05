"""Training an LM version from the database, and the inference service behind the API."""

from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article, Interaction
from recommender.management.commands import train_lm as train_lm_command
from recommender.models import ModelVersion
from recommender.ranking.lm import NoLanguageModel, lm_log_likelihoods, lm_recommend
from recommender.tasks import lm_recommend as lm_recommend_task
from recommender.training.lm import model_version_train_lm
from tests.factories import ModelVersionFactory, UserFactory

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")


def test_training_creates_an_active_lm_version_with_perplexity_and_artifacts(lm_settings, library):
    stages = []

    version = model_version_train_lm(progress=lambda stage, fraction: stages.append(stage))

    assert version.kind == ModelVersion.Kind.LM
    assert version.status == ModelVersion.Status.ACTIVE
    assert version.metrics["perplexity"] > 1.0
    assert version.metrics["users_evaluated"] == 5
    assert {"recall@20", "ndcg@10", "steps"} <= set(version.metrics)
    assert version.metrics["steps"] == 30
    assert version.data_counts == {
        "readers": 20,
        "articles": 30,
        "interactions": 120,
        "held_out": 20,
    }
    directory = lm_settings.RECSITE_ARTIFACT_DIR / version.artifact_path
    assert (directory / "model" / "model.safetensors").is_file()
    assert (directory / "tokenizer.json").is_file()
    assert stages[-1] == "write artifacts"
    assert "train" in stages


def test_training_without_readers_fails_and_leaves_nothing_active(lm_settings, db):
    Article.objects.all().delete()

    version = model_version_train_lm()

    assert version.status == ModelVersion.Status.FAILED
    assert "No reader" in version.error
    assert not ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).exists()


def test_recommendations_are_published_articles_the_reader_has_not_touched(lm_version, library):
    reader = library.readers[1]
    disliked = library.articles[10 + 9]
    Interaction.objects.create(user=reader, article=disliked, event=Interaction.Event.DISLIKE)
    archived = [article for article in library.articles[10:20] if article.pk % 2 == 0]
    Article.objects.filter(pk__in=[a.pk for a in archived]).update(status="archived")
    touched = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))

    answer = lm_recommend(user_id=reader.pk, top_n=20)

    ids = [item["article_id"] for item in answer["results"]]
    published = set(Article.objects.filter(status="published").values_list("pk", flat=True))
    assert answer["model_version"] == lm_version.pk
    assert len(ids) == len(set(ids)) == 20
    assert set(ids) <= published - touched
    scores = [item["score"] for item in answer["results"]]
    assert scores == sorted(scores, reverse=True)


def test_free_text_is_the_prompt_when_given(lm_version, library):
    answer = lm_recommend(user_id=UserFactory().pk, user_input="the genes of cells", top_n=3)

    assert len(answer["results"]) == 3
    assert all(item["score"] < 0 for item in answer["results"])


def test_log_likelihoods_for_the_hybrid_are_given_for_published_candidates(lm_version, library):
    history = [article.pk for article in library.articles[:4]]
    candidates = [library.articles[5].pk, library.articles[25].pk, 10**9]

    scores = lm_log_likelihoods(history=history, article_ids=candidates)

    assert set(scores) == set(candidates[:2])
    assert all(score < 0 for score in scores.values())


def test_without_an_active_lm_the_service_raises_and_the_task_says_so(lm_settings, library):
    with pytest.raises(NoLanguageModel, match="no language model trained yet"):
        lm_recommend(user_id=library.readers[0].pk, top_n=5)

    answer = lm_recommend_task.delay(library.readers[0].pk, "", 5).get()

    assert answer == {
        "model_version": None,
        "results": [],
        "detail": "no language model trained yet",
    }


def test_tasks_are_routed_to_their_queues(settings):
    routes = settings.CELERY_TASK_ROUTES

    assert routes["recommender.lm_recommend"] == {"queue": "inference"}
    assert routes["recommender.train_lm"] == {"queue": "ml"}


def test_train_lm_command_sync_reports_the_version_it_made(db, monkeypatch):
    # given: the training itself is replaced; the command's own work is under test
    version = ModelVersionFactory(
        kind=ModelVersion.Kind.LM,
        status=ModelVersion.Status.ACTIVE,
        metrics={"perplexity": 12.5, "recall@20": 0.25, "ndcg@10": None},
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
        f"lm v{version.pk} active (perplexity 12.5000, recall@20 0.2500) in 3.0 s. Activated.\n"
    )
    assert "100/100" in err.getvalue()
