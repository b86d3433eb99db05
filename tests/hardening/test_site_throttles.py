"""Rate limits of the reader site (issue 10): searches and writes beyond their rate get a 429
page that says why; page loads beyond the "views" rate are still served, only not recorded."""

from django.urls import reverse

from articles.models import Interaction, SearchQuery
from recommender.models import RecommendationImpression
from recsite.site_throttles import TOO_FAST_MESSAGES
from tests.factories import ArticleFactory

CLIENT = "203.0.113.9"
OTHER = "198.51.100.3"


def _search(client, text, address=CLIENT):
    return client.get(reverse("search"), {"q": text}, REMOTE_ADDR=address)


def test_anonymous_searches_beyond_the_rate_get_a_429_page_and_store_nothing(
    client, db, throttle_rates
):
    # given
    throttle_rates(search="3/minute")
    statuses = [_search(client, f"comet {i}").status_code for i in range(3)]

    # when
    refused = _search(client, "comet 3")
    other = _search(client, "comet 4", address=OTHER)

    # then
    assert statuses == [200] * 3
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert str(TOO_FAST_MESSAGES["search"]) in refused.content.decode()
    assert other.status_code == 200
    assert sorted(SearchQuery.objects.values_list("text", flat=True)) == [
        "comet 0",
        "comet 1",
        "comet 2",
        "comet 4",
    ]


def test_a_readers_searches_are_limited_per_reader(client, reader, throttle_rates):
    # given
    throttle_rates(search="2/minute")
    client.force_login(reader)
    for i in range(2):
        _search(client, f"star {i}")

    # when: the same reader from another address; the search page without a query
    refused = _search(client, "star 2", address=OTHER)
    empty = client.get(reverse("search"))

    # then
    assert refused.status_code == 429
    assert empty.status_code == 200
    assert SearchQuery.objects.filter(user=reader).count() == 2


def test_article_views_beyond_the_rate_are_served_but_not_recorded(client, reader, throttle_rates):
    # given
    throttle_rates(views="3/minute")
    article = ArticleFactory()
    client.force_login(reader)

    # when
    statuses = [client.get(article.get_absolute_url()).status_code for _ in range(5)]

    # then
    assert statuses == [200] * 5
    assert Interaction.objects.filter(user=reader, event="view").count() == 3


def test_impressions_beyond_the_rate_are_not_recorded_and_their_links_count_no_click(
    client, reader, clusters, throttle_rates
):
    # given: a reader whose home page shows a row of recommended cards
    throttle_rates(views="1/minute")
    client.force_login(reader)
    client.get(reverse("home"))
    recorded = RecommendationImpression.objects.filter(user=reader).count()

    # when
    response = client.get(reverse("home"))

    # then: the same row, without new impressions nor ?rec= links
    assert response.status_code == 200
    assert recorded == len(response.context["for_you_cards"]) > 0
    assert RecommendationImpression.objects.filter(user=reader).count() == recorded
    assert "?rec=" not in response.content.decode()


def test_site_writes_beyond_the_rate_get_a_429_and_record_nothing(client, reader, throttle_rates):
    # given
    throttle_rates(writes="2/minute")
    articles = [ArticleFactory() for _ in range(3)]
    client.force_login(reader)
    statuses = [
        client.post(reverse("article_event", args=[a.slug, "like"])).status_code
        for a in articles[:2]
    ]

    # when
    refused = client.post(reverse("article_event", args=[articles[2].slug, "like"]))

    # then
    assert statuses == [302, 302]
    assert refused.status_code == 429
    assert str(TOO_FAST_MESSAGES["writes"]) in refused.content.decode()
    assert not Interaction.objects.filter(user=reader, article=articles[2]).exists()
