"""Privacy: deleting an account removes everything about the reader, including cached lists and
their weight in the next model; raw view events expire after the retention period."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from articles.models import Interaction, SearchQuery
from articles.tasks import purge_old_views
from recommender import selectors
from recommender.models import Explanation, ExplanationFeedback, RecommendationImpression
from recommender.services import lists
from recommender.services.serving import recommendations_for_user
from recommender.services.training import model_version_train_mf
from tests.factories import ArticleFactory, InteractionFactory, SearchQueryFactory

User = get_user_model()


@pytest.mark.django_db(transaction=True)  # the cached list is forgotten on commit
def test_account_deletion_removes_all_of_the_readers_data(mf_version, clusters, client_for):
    # given: a reader with behaviour, searches, an explanation with a vote, and a cached list
    reader = clusters.readers[0]
    SearchQueryFactory(user=reader, text="black holes")
    explanation = Explanation.objects.create(
        user=reader, article=clusters.a[-1], style=Explanation.Style.TRENDING, text="Trending"
    )
    ExplanationFeedback.objects.create(explanation=explanation, user=reader, vote=1)
    recommendations_for_user(user=reader, n=5)
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is not None

    # when
    response = client_for(reader).delete("/api/me/")

    # then
    assert response.status_code == 204
    assert not User.objects.filter(pk=reader.pk).exists()
    for model in (Interaction, SearchQuery, Explanation, ExplanationFeedback):
        assert model.objects.filter(user_id=reader.pk).count() == 0, model
    assert RecommendationImpression.objects.filter(user_id=reader.pk).count() == 0
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is None
    assert lists.reader_list_get(version_id=0, user_id=reader.pk) is None


def test_the_next_retraining_no_longer_uses_a_deleted_reader(mf_version, clusters, client_for):
    # given
    reader = clusters.readers[0]
    users_before = mf_version.data_counts["users"]

    # when
    client_for(reader).delete("/api/me/")
    version = model_version_train_mf()

    # then
    assert reader.pk not in {user_id for user_id, *_ in selectors.training_rows()}
    assert version.data_counts["users"] == users_before - 1


def test_view_events_older_than_the_retention_are_purged(db, settings, reader):
    # given
    settings.RECSITE_VIEW_RETENTION_DAYS = 30
    article = ArticleFactory()
    now = timezone.now()
    old_view = InteractionFactory(user=reader, article=article, event="view")
    recent_view = InteractionFactory(user=reader, article=article, event="view")
    old_like = InteractionFactory(user=reader, article=article, event="like")
    Interaction.objects.filter(pk__in=[old_view.pk, old_like.pk]).update(
        created_at=now - timedelta(days=31)
    )
    Interaction.objects.filter(pk=recent_view.pk).update(created_at=now - timedelta(days=29))

    # when
    deleted = purge_old_views.delay().get()

    # then: only the raw view past its retention is gone; stronger signals stay
    assert deleted == 1
    assert set(Interaction.objects.values_list("pk", flat=True)) == {recent_view.pk, old_like.pk}


def test_the_purge_runs_daily_from_a_schedule_editors_can_change(db):
    # then: django-celery-beat's table, which the admin edits
    task = PeriodicTask.objects.get(task="articles.purge_old_views")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "4", "*")
