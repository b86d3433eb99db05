"""Explanations on recommendations: true evidence, faithful citations, lazy creation and reuse."""

from datetime import timedelta

import numpy as np
from django.utils import timezone

from articles.models import Interaction
from recommender.cache import lists
from recommender.explaining import evidence
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.ml import explain
from recommender.models import (
    EditorialBoost,
    EvidencePenalty,
    Explanation,
)
from recommender.runtime.mf import loaded_mf
from tests.factories import InteractionFactory, UserFactory

URL = "/api/recommendations/"


def read(reader, articles, event=Interaction.Event.READ):
    for article in articles:
        InteractionFactory(user=reader, article=article, event=event)


def positive_history(reader) -> set[int]:
    return set(
        Interaction.objects.filter(user=reader)
        .exclude(event="dislike")
        .values_list("article_id", flat=True)
    )


def test_every_api_item_is_explained_and_cites_only_the_readers_history(
    client_for, mf_version, clusters, reader
):
    read(reader, clusters.a[:4], Interaction.Event.BOOKMARK)

    body = client_for(reader).get(URL, {"n": 10}).json()

    history = positive_history(reader)
    topics = {a.pk: {t.slug for t in a.topics.all()} for a in [*clusters.a, *clusters.b]}
    assert len(body["results"]) == 10
    for item in body["results"]:
        explanation = item["explanation"]
        stored = Explanation.objects.get(pk=explanation["id"])
        assert stored.user == reader
        assert stored.article_id == item["article"]["id"]
        assert stored.model_version_id == mf_version.pk
        assert (stored.text, stored.style) == (explanation["text"], explanation["style"])
        assert set(explanation["evidence"].get("articles", [])) <= history
        if explanation["evidence"].get("topic"):
            assert explanation["evidence"]["topic"] in topics[item["article"]["id"]]


def test_because_you_read_names_the_top_contributor_and_true_counts(mf_version, clusters, reader):
    read(reader, clusters.a[:4], Interaction.Event.BOOKMARK)
    result = recommendations_with_explanations(user=reader, n=40)
    options = evidence.mf_options(
        evidence.reader_read(user_id=reader.pk),
        loaded_mf(version=lists.active_version(kind="mf")),
        [item.article["id"] for item in result.items],
    )
    target, found = next(
        (target, found["because_you_read"])
        for target, found in options.items()
        if len(found["because_you_read"]["articles"]) > 1
    )
    title = {a.pk: a.title for a in clusters.a}[found["articles"][0]]

    assert found["topic"] == "astronomy"
    assert found["event"] == "bookmark"
    assert found["contributions"] == sorted(found["contributions"], reverse=True)
    assert set(found["articles"]) <= {a.pk for a in clusters.a[:4]}
    text = (
        f"Because you saved \u201c{title}\u201d and {len(found['articles']) - 1} more on Astronomy"
    )
    from recommender.ml.sentences import render

    assert (
        render(
            "because_you_read",
            found,
            titles={str(found["articles"][0]): title},
            topic_names={"astronomy": "Astronomy"},
        )
        == text
    )
    assert target not in {a.pk for a in clusters.a[:4]}


def test_removing_the_cited_articles_lowers_the_score(mf_version, clusters, reader):
    read(reader, clusters.a[:3])
    read(reader, clusters.b[:1])
    result = recommendations_with_explanations(user=reader, n=15)
    loaded = loaded_mf(version=lists.active_version(kind="mf"))
    columns = [loaded.column_of[pk] for pk in sorted(positive_history(reader))]
    weights = np.full(len(columns), 2.0, dtype=np.float32)  # one read each

    citing = [i.explanation for i in result.items if i.explanation["evidence"].get("articles")]

    assert citing
    for item in result.items:
        cited = item.explanation["evidence"].get("articles")
        if cited:
            target = loaded.column_of[item.article["id"]]
            removed = [loaded.column_of[pk] for pk in cited]
            assert explain.ablation_lowers_score(
                loaded.model, np.array(columns), weights, target, removed
            )


def test_explanations_are_made_once_and_reused_while_the_version_serves(
    client_for, mf_version, clusters, reader
):
    read(reader, clusters.a[:3])
    first = client_for(reader).get(URL, {"n": 5}).json()
    count = Explanation.objects.count()
    lists.reader_list_forget(user_id=reader.pk, kind="mf")  # no cache at all this time

    from django.core.cache import cache

    cache.clear()
    again = client_for(reader).get(URL, {"n": 5}).json()

    assert Explanation.objects.count() == count == 5
    assert [i["explanation"] for i in again["results"]] == [
        i["explanation"] for i in first["results"]
    ]


def test_a_cited_article_that_left_the_history_is_no_longer_cited(mf_version, clusters, reader):
    read(reader, clusters.a[:3])
    before = recommendations_with_explanations(user=reader, n=20)
    cited = {pk for item in before.items for pk in item.explanation["evidence"].get("articles", [])}
    gone = cited.pop()

    InteractionFactory(user=reader, article_id=gone, event=Interaction.Event.DISLIKE)
    lists.reader_list_forget(user_id=reader.pk, kind="mf")
    after = recommendations_with_explanations(user=reader, n=20)

    assert all(gone not in i.explanation["evidence"].get("articles", []) for i in after.items)


def test_penalised_evidence_is_not_cited_again(mf_version, clusters, reader):
    read(reader, clusters.a[:4])
    before = recommendations_with_explanations(user=reader, n=20)
    lead = next(
        i.explanation["evidence"]["articles"][0]
        for i in before.items
        if i.explanation["style"] == "because_you_read"
    )

    EvidencePenalty.objects.create(user=reader, key=f"article:{lead}", penalty=1.0)
    from recommender.cache.explanations import explanations_forget

    explanations_forget(user_id=reader.pk)
    after = recommendations_with_explanations(user=reader, n=20)

    assert all(lead not in i.explanation["evidence"].get("articles", []) for i in after.items)


def test_co_readers_count_is_true(mf_version, clusters, reader):
    read(reader, clusters.a[:4])
    result = recommendations_with_explanations(user=reader, n=20)
    options = evidence.mf_options(
        evidence.reader_read(user_id=reader.pk),
        loaded_mf(version=lists.active_version(kind="mf")),
        [item.article["id"] for item in result.items],
    )
    found = [(t, f["co_readers"]) for t, f in options.items() if "co_readers" in f]

    assert found
    for target, facts in found:
        (cited,) = facts["articles"]
        readers_of = lambda pk: set(  # noqa: E731
            Interaction.objects.filter(article_id=pk)
            .exclude(user=reader)
            .values_list("user", flat=True)
        )
        assert facts["count"] == len(readers_of(cited) & readers_of(target)) > 0


def test_topic_match_counts_the_readers_articles_on_the_articles_own_topic(clusters, reader):
    read(reader, clusters.a[:3])
    read(reader, clusters.b[:1])

    options = evidence.topic_options(
        evidence.reader_read(user_id=reader.pk), [clusters.a[10].pk, clusters.b[10].pk]
    )

    assert options == {
        clusters.a[10].pk: {"topic_match": {"topic": "astronomy", "count": 3, "event": "read"}},
        clusters.b[10].pk: {"topic_match": {"topic": "biology", "count": 1, "event": "read"}},
    }


def test_cold_start_explanations_state_true_counts(client_for, mf_version, clusters):
    newcomer = UserFactory()

    body = client_for(newcomer).get(URL, {"n": 10}).json()

    assert body["strategy"] == "cold_start"
    for item in body["results"]:
        explanation = item["explanation"]
        assert explanation["style"] in {"trending", "new"}
        if explanation["style"] == "trending":
            readers = (
                Interaction.objects.filter(article_id=item["article"]["id"])
                .values("user")
                .distinct()
                .count()
            )
            assert explanation["evidence"]["count"] == readers
            assert explanation["text"] == (
                f"Trending: {readers} readers opened it in the last 7 days"
            )


def test_an_editorial_boost_is_evidence_for_its_articles(clusters, editor):
    boost = EditorialBoost.objects.create(
        topic=clusters.biology, note="Biology week", ends_at=timezone.now() + timedelta(days=3)
    )

    options = evidence.editorial_options([clusters.a[0].pk, clusters.b[0].pk])

    assert options == {
        clusters.b[0].pk: {
            "editorial": {
                "boost": boost.pk,
                "kind": "boost",
                "topic": "biology",
                "note": "Biology week",
            }
        }
    }
