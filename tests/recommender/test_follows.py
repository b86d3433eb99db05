"""Followed topics: a feature of the reader's list, and a faithful explanation of it."""

from datetime import timedelta

from django.utils import timezone

from articles import services
from articles.models import Interaction
from articles.privacy import personal_data_export
from recommender.explaining import evidence
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.ml import sentences
from recommender.ranking.experiments import active_ranker
from recommender.ranking.follows import followed_boosted
from recommender.ranking.serving import reader_list_compute, recommendations_for_user
from tests.factories import ArticleFactory, InteractionFactory


def test_followed_boosted_lifts_followed_articles_and_keeps_the_rest_in_order():
    # given a list, best first; article 3 is on a followed topic
    items = ((1, 0.9, ("a",)), (2, 0.5, ("a",)), (3, 0.4, ("space",)), (4, 0.1, ("a",)))

    # when
    boosted = followed_boosted(items, {"space"}, factor=1.5)

    # then 3 passes 2 (0.5 -> 0.5625 normalised vs 0.4 -> 0.475 * 1.5), the others keep order
    assert [pk for pk, _, _ in boosted] == [1, 3, 2, 4]
    unboosted = dict((pk, score) for pk, score, _ in followed_boosted(items, set(), factor=1.5))
    assert dict((pk, score) for pk, score, _ in boosted)[3] > unboosted[3]


def _first_biology_rank(reader) -> int:
    items = recommendations_for_user(user=reader, n=200).items
    topics = [{t["slug"] for t in item.article["topics"]} for item in items]
    return next(rank for rank, slugs in enumerate(topics) if "biology" in slugs)


def test_following_a_topic_ranks_its_articles_higher_and_unfollowing_takes_it_back(
    mf_version, clusters, settings
):
    # given an astronomy reader, whose list puts biology after astronomy (a boost large enough
    # to pass the two clusters' gap)
    settings.RECSITE_FOLLOW_BOOST = 10.0
    reader = clusters.readers[0]
    before = _first_biology_rank(reader)

    # when they follow biology (the write forgets their cached list)
    services.topic_follow(user=reader, topic=clusters.biology)

    # then biology's best article ranks higher
    assert _first_biology_rank(reader) < before

    # and unfollowing takes it back
    services.topic_unfollow(user=reader, topic=clusters.biology)
    assert _first_biology_rank(reader) == before


def test_a_followed_topic_explanation_is_faithful_by_ablation(mf_version, clusters):
    # given an astronomy reader who follows biology
    reader = clusters.readers[0]
    services.topic_follow(user=reader, topic=clusters.biology)

    # when their list is explained
    result = recommendations_with_explanations(user=reader, n=200)
    options = evidence.followed_options(evidence.reader_read(user_id=reader.pk), [clusters.b[0].pk])

    # then a biology article may say so, and removing the follow lowers its score
    target = clusters.b[0].pk
    assert options == {target: {sentences.FOLLOWED_TOPIC: {"topic": "biology"}}}
    styles = {item.explanation["style"] for item in result.items if item.explanation}
    assert sentences.FOLLOWED_TOPIC in styles
    with_follow = dict(
        (pk, s) for pk, s, _ in reader_list_compute(user_id=reader.pk, ranker=active_ranker()).items
    )
    services.topic_unfollow(user=reader, topic=clusters.biology)
    without = dict(
        (pk, s) for pk, s, _ in reader_list_compute(user_id=reader.pk, ranker=active_ranker()).items
    )
    assert with_follow[target] > without[target]
    assert (
        sentences.render(
            sentences.FOLLOWED_TOPIC,
            {"topic": "biology"},
            titles={},
            topic_names={"biology": "Biology"},
        )
        == "On Biology, a topic you follow"
    )


def test_followed_topics_are_in_the_readers_export(reader, clusters):
    # given
    services.topic_follow(user=reader, topic=clusters.astronomy)

    # when
    export = personal_data_export(user=reader)

    # then
    assert [row["topic"] for row in export["followed_topics"]] == ["astronomy"]


def test_similar_text_and_topic_match_say_opened_when_the_reader_only_opened(reader, clusters):
    # given a reader who only opened two astronomy articles
    for article in clusters.a[:2]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.VIEW)

    # when
    options = evidence.topic_options(evidence.reader_read(user_id=reader.pk), [clusters.a[5].pk])

    # then the evidence carries the event, and the sentence says "opened"
    facts = options[clusters.a[5].pk][sentences.TOPIC_MATCH]
    assert facts["event"] == "view"
    text = sentences.render(
        sentences.TOPIC_MATCH, facts, titles={}, topic_names={"astronomy": "Astronomy"}
    )
    assert text == "On Astronomy, like 2 articles you opened"
    similar = sentences.render(
        sentences.SIMILAR_TEXT,
        {"articles": [1], "event": "view"},
        titles={"1": "X"},
        topic_names={},
    )
    assert similar == "Close in subject to \u201cX\u201d, which you opened"


def test_new_is_true_to_the_catalogue(db):
    # given a small catalogue: one article of today, nine older ones
    fresh = ArticleFactory(published_at=timezone.now() - timedelta(days=1))
    old = [ArticleFactory(published_at=timezone.now() - timedelta(days=60 + n)) for n in range(9)]

    # when
    options = evidence.cold_start_options([fresh.pk, old[0].pk])

    # then the fresh one is "published in the last 7 days"; in a catalogue under 20 articles
    # the newest of the old ones is not called new at all
    assert options[fresh.pk][sentences.NEW]["days"] == 7
    assert sentences.NEW not in options.get(old[0].pk, {})
    text = sentences.render(sentences.NEW, {"days": 7}, titles={}, topic_names={})
    assert text == "New: published in the last 7 days"
