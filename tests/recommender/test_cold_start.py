"""Cold start from text: a new article reaches the readers of its subject without retraining, and
readers with little history are ranked by their content profile."""

from articles.models import Article, Interaction
from articles.services import article_create, search_record
from recommender.models import ModelVersion
from recommender.ranking.serving import recommendations_for_user
from tests.factories import InteractionFactory, UserFactory

EVERYTHING = 100


def ids(result) -> list[int]:
    return [item.article["id"] for item in result.items]


def test_a_published_article_reaches_matching_readers_without_retraining(
    text_mf_version, text_clusters, publish_astronomy_article
):
    # given
    astronomer, biologist = text_clusters.readers[0], text_clusters.readers[-1]
    unread_biology = {article.pk for article in text_clusters.b}

    # when
    new = publish_astronomy_article()
    for_astronomer = ids(recommendations_for_user(user=astronomer, n=EVERYTHING))
    for_biologist = ids(recommendations_for_user(user=biologist, n=EVERYTHING))

    # then
    assert list(ModelVersion.objects.filter(kind="mf").values_list("pk", flat=True)) == [
        text_mf_version.pk
    ]
    assert new.embedding.text_hash
    assert new.pk in for_astronomer
    assert for_astronomer.index(new.pk) < min(for_astronomer.index(pk) for pk in unread_biology)
    biology_seen = {pk for pk in unread_biology if pk in for_biologist}
    assert for_biologist.index(new.pk) > max(for_biologist.index(pk) for pk in biology_seen)


def test_an_unpublished_article_is_never_recommended_through_its_text(
    text_mf_version, text_clusters, django_capture_on_commit_callbacks
):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        new = article_create(
            title="Galaxies and black holes",
            status=Article.Status.PUBLISHED,
            topics=[text_clusters.astronomy],
        )
    new.status = Article.Status.ARCHIVED
    new.save()

    # when
    result = recommendations_for_user(user=text_clusters.readers[0], n=EVERYTHING)

    # then
    assert new.pk not in ids(result)
    assert len(result.items) == 32  # 40 articles, 8 read


def test_a_reader_with_little_history_gets_the_content_profile(text_mf_version, text_clusters):
    # given
    reader = UserFactory()
    InteractionFactory(user=reader, article=text_clusters.b[0], event=Interaction.Event.LIKE)

    # when
    result = recommendations_for_user(user=reader, n=10)

    # then
    assert result.strategy == "content"
    assert result.model_version_id is None
    snapshot = ModelVersion.objects.filter(kind="encoder", status="active").first()
    assert result.ranker == ("encoder", snapshot.pk if snapshot else None)
    assert set(ids(result)) <= {article.pk for article in text_clusters.b[1:]}
    scores = [item.score for item in result.items]
    assert scores == sorted(scores, reverse=True)


def test_a_readers_searches_steer_the_content_profile(
    text_clusters, django_capture_on_commit_callbacks
):
    # given: no MF model at all, no reading history, one search
    reader = UserFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        search_record(user=reader, text="telescopes watching distant galaxies", results_count=0)
    result = recommendations_for_user(user=reader, n=10)

    # then
    assert result.strategy == "content"
    assert set(ids(result)) <= {article.pk for article in text_clusters.a}


def test_readers_with_enough_history_stay_personalized(text_mf_version, text_clusters):
    # given
    reader = UserFactory()
    for article in text_clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)

    # when
    result = recommendations_for_user(user=reader, n=10)

    # then
    assert result.strategy == "personalized"
    assert result.model_version_id == text_mf_version.pk
    assert set(ids(result)) <= {article.pk for article in text_clusters.a[3:]}


def test_without_embeddings_a_new_reader_still_gets_the_cold_start_list(mf_version, reader):
    # when
    result = recommendations_for_user(user=reader, n=5)

    # then
    assert result.strategy == "cold_start"
    assert len(result.items) == 5
