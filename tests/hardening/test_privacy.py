"""Privacy: deleting an account removes everything about the reader, including cached lists and
their weight in the next model; raw events expire after their retention periods."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from articles.models import Interaction, SearchQuery
from articles.tasks import purge_expired_personal_data
from recommender import selectors
from recommender.cache import lists
from recommender.models import Explanation, ExplanationFeedback, RecommendationImpression
from recommender.ranking.serving import recommendations_for_user
from recommender.training.mf import model_version_train_mf
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


def test_raw_events_older_than_their_retention_are_purged(db, settings, reader):
    # given: views, searches and impressions on both sides of their retention periods
    settings.RECSITE_VIEW_RETENTION_DAYS = 30
    settings.RECSITE_SEARCH_RETENTION_DAYS = 60
    settings.RECSITE_IMPRESSION_RETENTION_DAYS = 10
    article = ArticleFactory()
    now = timezone.now()
    old_view = InteractionFactory(user=reader, article=article, event="view")
    recent_view = InteractionFactory(user=reader, article=article, event="view")
    old_like = InteractionFactory(user=reader, article=article, event="like")
    Interaction.objects.filter(pk__in=[old_view.pk, old_like.pk]).update(
        created_at=now - timedelta(days=31)
    )
    Interaction.objects.filter(pk=recent_view.pk).update(created_at=now - timedelta(days=29))
    SearchQueryFactory(user=reader, created_at=now - timedelta(days=61))
    recent_search = SearchQueryFactory(user=reader, created_at=now - timedelta(days=59))
    impression = {"user": reader, "article": article, "surface": "home", "position": 0}
    RecommendationImpression.objects.create(**impression, created_at=now - timedelta(days=11))
    recent_impression = RecommendationImpression.objects.create(
        **impression, created_at=now - timedelta(days=9)
    )

    # when
    deleted = purge_expired_personal_data.delay().get()

    # then: only the raw events past their retention are gone; stronger signals stay
    assert deleted == {"interactions": 1, "searches": 1, "impressions": 1}
    assert set(Interaction.objects.values_list("pk", flat=True)) == {recent_view.pk, old_like.pk}
    assert list(SearchQuery.objects.values_list("pk", flat=True)) == [recent_search.pk]
    assert list(RecommendationImpression.objects.values_list("pk", flat=True)) == [
        recent_impression.pk
    ]


def test_the_purge_runs_daily_from_a_schedule_editors_can_change(db):
    # then: django-celery-beat's table, which the admin edits
    task = PeriodicTask.objects.get(task="articles.purge_expired_personal_data")
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "4", "*")
