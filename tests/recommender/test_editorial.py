"""Editorial pins and boosts in served lists, the diversity re-rank, and the boosts' admin."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from articles.models import Interaction
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.models import EditorialBoost
from recommender.ranking.editorial import diversified
from recommender.ranking.serving import recommendations_for_user
from tests.factories import EditorialBoostFactory, InteractionFactory

EVERYTHING = 100


def ids(result) -> list[int]:
    return [item.article["id"] for item in result.items]


def _read_astronomy(reader, clusters):
    for article in clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)


def test_a_pinned_article_tops_the_readers_list_with_editorial_evidence(
    mf_version, clusters, reader
):
    # given: an astronomy reader; an editor pins a biology article
    _read_astronomy(reader, clusters)
    before = recommendations_for_user(user=reader, n=EVERYTHING)
    pinned = clusters.b[0]
    EditorialBoostFactory(kind=EditorialBoost.Kind.PIN, article=pinned)

    # when
    result = recommendations_with_explanations(user=reader, n=5)

    # then: it comes first, and its explanation gives the true reason
    assert ids(before).index(pinned.pk) >= 17  # the model ranks it after every astronomy one
    assert ids(result)[0] == pinned.pk
    assert ids(result)[1:] == ids(before)[:4]
    assert result.items[0].explanation["style"] == "editorial"
    assert result.items[0].explanation["evidence"]["kind"] == "pin"


def test_an_expired_boost_changes_nothing(mf_version, clusters, reader):
    # given
    _read_astronomy(reader, clusters)
    before = recommendations_for_user(user=reader, n=EVERYTHING)
    now = timezone.now()
    EditorialBoostFactory(
        kind=EditorialBoost.Kind.PIN,
        article=clusters.b[0],
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=1),
    )

    # when
    after = recommendations_for_user(user=reader, n=EVERYTHING)

    # then
    assert ids(after) == ids(before)


def test_a_topic_boost_lifts_that_topics_articles_above_the_rest(mf_version, clusters, reader):
    # given: a reader of both topics, mostly astronomy; biology boosted 100x
    _read_astronomy(reader, clusters)
    InteractionFactory(user=reader, article=clusters.b[0], event=Interaction.Event.READ)
    EditorialBoostFactory(kind=EditorialBoost.Kind.BOOST, topic=clusters.biology, factor=100.0)

    # when
    result = recommendations_for_user(user=reader, n=EVERYTHING)

    # then: every unread biology article comes before every astronomy one
    topics = [item.article["topics"][0]["slug"] for item in result.items]
    assert topics == ["biology"] * 19 + ["astronomy"] * 17


def test_a_pin_on_an_article_the_reader_read_is_not_shown_again(mf_version, clusters, reader):
    # given
    _read_astronomy(reader, clusters)
    EditorialBoostFactory(kind=EditorialBoost.Kind.PIN, article=clusters.a[0])

    # when
    result = recommendations_for_user(user=reader, n=EVERYTHING)

    # then
    assert clusters.a[0].pk not in ids(result)


def test_diversity_interleaves_a_topic_homogeneous_list():
    # given: five astronomy articles outscore two biology ones
    items = tuple((pk, 1.0 - pk / 10, ("astronomy",)) for pk in range(5)) + (
        (5, 0.4, ("biology",)),
        (6, 0.3, ("biology",)),
    )

    # when
    plain = diversified(items, strength=0.0)
    diverse = diversified(items, strength=0.5)

    # then
    assert [pk for pk, _, _ in plain] == [0, 1, 2, 3, 4, 5, 6]
    assert [pk for pk, _, _ in diverse] == [0, 5, 1, 2, 3, 4, 6]
    assert [score for _, score, _ in diverse] == [score for _, score, _ in items]


def test_diversity_breaks_ties_by_rank_and_handles_partial_and_empty_topic_sets():
    # given: two equally scored articles sharing half their topics, one without topics
    items = ((1, 1.0, ("a", "b")), (2, 1.0, ("a",)), (3, 0.5, ()), (4, 0.5, ("c",)))

    # when
    diverse = diversified(items, strength=0.8)

    # then: 1 wins the tie; 2 (Jaccard 1/2 with 1: 0.2 - 0.8 * 0.5 < 0) falls behind 3 and 4,
    # which tie at 0 and keep their order
    assert [pk for pk, _, _ in diverse] == [1, 3, 4, 2]
    assert [score for _, score, _ in diverse] == [1.0, 1.0, 0.5, 0.5]


def post_boost_form(client, **fields):
    """Submits the admin's "add boost" form with ``fields`` for a rule running from today
    midnight for two days."""
    now = timezone.now()
    window = {
        "starts_at_0": now.strftime("%Y-%m-%d"),
        "starts_at_1": "00:00:00",
        "ends_at_0": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
        "ends_at_1": "00:00:00",
    }
    return client.post("/admin/recommender/editorialboost/add/", {**fields, **window})


def test_editors_may_manage_boosts_in_the_admin(client, editor, clusters):
    # given
    client.force_login(editor)

    # when
    response = post_boost_form(
        client, kind="pin", article=clusters.a[0].pk, factor="1.5", note="Launch week"
    )

    # then
    assert response.status_code == 302
    boost = EditorialBoost.objects.get()
    assert (boost.kind, boost.article_id, boost.created_by_id) == (
        "pin",
        clusters.a[0].pk,
        editor.pk,
    )
    codenames = set(
        Group.objects.get(name="Editors").permissions.values_list("codename", flat=True)
    )
    assert {
        "add_editorialboost",
        "change_editorialboost",
        "delete_editorialboost",
        "view_editorialboost",
    } <= codenames


def test_a_boost_targeting_both_an_article_and_a_topic_is_refused_in_the_admin(
    client, editor, clusters
):
    client.force_login(editor)

    response = post_boost_form(
        client, kind="boost", article=clusters.a[0].pk, topic=clusters.astronomy.pk, factor="2"
    )

    assert response.status_code == 200  # the form again, with the error
    assert not EditorialBoost.objects.exists()
