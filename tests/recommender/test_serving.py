from articles.models import Interaction
from articles.selectors import articles_latest, articles_trending
from articles.services import article_archive, interaction_record
from articles.signals import interaction_recorded
from recommender.cache import lists
from recommender.ranking.serving import recommendations_for_user
from tests.factories import ArticleFactory, InteractionFactory

EVERYTHING = 100


def ids(result) -> list[int]:
    return [item.article["id"] for item in result.items]


def test_personalized_list_follows_the_readers_cluster(mf_version, clusters, reader):
    for article in clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)

    result = recommendations_for_user(user=reader, n=10)

    assert result.strategy == "personalized"
    assert result.model_version_id == mf_version.pk
    assert set(ids(result)) <= {article.pk for article in clusters.a[3:]}
    scores = [item.score for item in result.items]
    assert scores == sorted(scores, reverse=True)
    assert result.items[0].article == {
        "id": result.items[0].article["id"],
        "title": result.items[0].article["title"],
        "slug": result.items[0].article["slug"],
        "summary": result.items[0].article["summary"],
        "topics": [{"slug": "astronomy", "name": "Astronomy"}],
        "published_at": result.items[0].article["published_at"],
        "url": f"/articles/{result.items[0].article['slug']}/",
    }


def test_never_what_was_read_or_dismissed(mf_version, clusters, reader):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    InteractionFactory(user=reader, article=clusters.a[1], event=Interaction.Event.VIEW)
    InteractionFactory(user=reader, article=clusters.a[2], event=Interaction.Event.DISLIKE)

    result = recommendations_for_user(user=reader, n=EVERYTHING)

    assert len(result.items) == 37
    assert not {clusters.a[0].pk, clusters.a[1].pk, clusters.a[2].pk} & set(ids(result))


def test_never_unpublished_even_from_a_cached_list(
    mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    draft = ArticleFactory(status="draft", published_at=None)
    before = recommendations_for_user(user=reader, n=5)
    archived = before.items[0].article["id"]

    with django_capture_on_commit_callbacks(execute=True):
        article_archive(article=next(a for a in clusters.a if a.pk == archived))
    after = recommendations_for_user(user=reader, n=5)

    assert archived not in ids(after)
    assert draft.pk not in ids(recommendations_for_user(user=reader, n=EVERYTHING))
    assert ids(after)[:4] == ids(before)[1:]
    assert len(after.items) == 5


def test_topic_filter(mf_version, clusters, reader):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)

    result = recommendations_for_user(user=reader, n=EVERYTHING, topic="biology")

    assert sorted(ids(result)) == sorted(article.pk for article in clusters.b)


def test_exclude_and_pagination(mf_version, clusters, reader):
    InteractionFactory(user=reader, article=clusters.a[0], event=Interaction.Event.READ)
    full = ids(recommendations_for_user(user=reader, n=EVERYTHING))

    excluded = recommendations_for_user(user=reader, n=EVERYTHING, exclude=full[:3])
    second_page = recommendations_for_user(user=reader, n=5, offset=5)
    past_the_end = recommendations_for_user(user=reader, n=5, offset=39)

    assert ids(excluded) == full[3:]
    assert ids(second_page) == full[5:10]
    assert past_the_end.items == []


def test_reader_without_history_gets_cold_start(mf_version, clusters, reader):
    result = recommendations_for_user(user=reader, n=EVERYTHING)

    expected = list(articles_trending().values_list("pk", flat=True))
    expected += [pk for pk in articles_latest().values_list("pk", flat=True) if pk not in expected]
    assert result.strategy == "cold_start"
    assert result.model_version_id is None
    assert ids(result) == expected
    assert result.items[0].score == 1.0


def test_cold_start_without_an_active_model_skips_what_was_read(clusters, reader):
    InteractionFactory(user=reader, article=clusters.b[0], event=Interaction.Event.READ)

    result = recommendations_for_user(user=reader, n=EVERYTHING)

    assert result.strategy == "cold_start"
    assert result.model_version_id is None
    assert len(result.items) == 39
    assert clusters.b[0].pk not in ids(result)


def test_new_interaction_invalidates_the_cached_list_at_once(
    mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    interaction = InteractionFactory(user=reader, article=clusters.a[0], event="read")
    recommendations_for_user(user=reader, n=10)
    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is not None

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        interaction_recorded.send(sender=Interaction, user=reader, interactions=[interaction])

    assert lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk) is None
    # once the transaction commits: the list forgotten again, and the refresh task dispatched
    assert len(callbacks) == 2


def test_interaction_refreshes_the_list_without_retraining(
    mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    interaction_record(user=reader, article=clusters.a[0], event="read")
    first = ids(recommendations_for_user(user=reader, n=10))

    with django_capture_on_commit_callbacks(execute=True):
        interaction_record(
            user=reader, article=next(a for a in clusters.a if a.pk == first[0]), event="read"
        )

    cached = lists.reader_list_get(version_id=mf_version.pk, user_id=reader.pk)
    assert cached is not None  # re-warmed by the refresh task
    assert first[0] not in [article_id for article_id, _, _ in cached.items]
    assert first[0] not in ids(recommendations_for_user(user=reader, n=10))
