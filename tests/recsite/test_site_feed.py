"""The For-you feed: batches with "more", buttons on every card, no reason twice on screen."""

import re

from django.urls import reverse

from articles.models import Interaction
from recommender.explaining.explanations import reason_key

JSON = {"HTTP_ACCEPT": "application/json"}


def _more_url(html: str) -> str:
    found = re.search(r'href="([^"]+)" data-feed-more', html)
    assert found, "the page has a More link"
    return found.group(1).replace("&amp;", "&")


def _reasons(html: str) -> list[str]:
    return re.findall(r'<span class="why-text">([^<]*)</span>', html)


def test_home_cards_each_have_like_save_and_not_interested(client, mf_version, clusters):
    # given a reader with a personalised feed
    client.force_login(clusters.readers[0])

    # when
    html = client.get(reverse("home")).content.decode()

    # then every card carries the three buttons, and the feed a "More" link
    cards = len(re.findall(r'<article class="card[^"]*" data-article=', html))
    assert cards == 6
    for event in ("like", "bookmark", "dislike"):
        assert html.count(f'class="action action-{event}"') == cards
    assert "data-feed-more" in html


def test_more_continues_the_feed_without_repeating_an_article_or_a_reason(
    client, mf_version, clusters
):
    # given the first batch of an astronomy reader's feed (whose every card could say "On
    # Astronomy, like 8 articles you read")
    client.force_login(clusters.readers[0])
    first = client.get(reverse("home"))
    first_ids = [item.article["id"] for item in first.context["for_you"].items]

    # when the script asks for the next batch
    response = client.get(_more_url(first.content.decode()), **JSON)

    # then it holds other articles, and no reason already on screen nor twice
    assert response.status_code == 200, (_more_url(first.content.decode()), response.content)
    data = response.json()
    batch_ids = [int(pk) for pk in re.findall(r'data-article="(\d+)"', data["html"])]
    assert batch_ids and not set(batch_ids) & set(first_ids)
    reasons = _reasons(first.content.decode()) + _reasons(data["html"])
    assert reasons
    assert len(reasons) == len(set(reasons))
    assert data["next"] is None or "shown=" in data["next"]


def test_more_without_javascript_is_a_page_of_the_next_batch(client, mf_version, clusters):
    # given
    client.force_login(clusters.readers[0])
    first = client.get(reverse("home"))

    # when the link is followed as a plain link
    response = client.get(_more_url(first.content.decode()))

    # then a full page with the next cards
    assert response.status_code == 200
    assert b"<!doctype html>" in response.content
    assert re.search(rb'<article class="card[^"]*" data-article=', response.content)


def test_a_reason_seen_earlier_on_the_page_is_replaced_by_another_true_one(
    client, mf_version, clusters
):
    # given the reasons of the first batch
    reader = clusters.readers[0]
    client.force_login(reader)
    first = client.get(reverse("home"))
    items = first.context["for_you"].items
    seen = {reason_key(item.explanation["text"]) for item in items if item.explanation}

    # when the first batch is asked again as if its reasons were already on screen
    response = client.get(reverse("for_you"), {"seen": ",".join(sorted(seen))})

    # then none of its cards repeats one of them
    again = response.context["for_you"].items
    assert [item.article["id"] for item in again] == [item.article["id"] for item in items]
    for item in again:
        assert item.explanation is None or reason_key(item.explanation["text"]) not in seen


def test_malformed_feed_parameters_are_a_400_with_field_messages(client, reader):
    # given
    client.force_login(reader)

    # when / then
    response = client.get(reverse("for_you"), {"seen": "not-a-key"})
    assert response.status_code == 400
    assert "seen" in response.json()
    response = client.get(reverse("for_you"), {"shown": "1,x"})
    assert response.status_code == 400
    assert "shown" in response.json()


def test_not_interested_on_a_card_records_a_dislike_and_leaves_the_feed(
    client, mf_version, clusters
):
    # given
    reader = clusters.readers[0]
    client.force_login(reader)
    card = client.get(reverse("home")).context["for_you_cards"][0]

    # when the script presses Not interested
    response = client.post(
        reverse("article_event", args=[card["article"]["slug"], "dislike"]), **JSON
    )

    # then it is recorded, and the next feed no longer holds the article
    assert response.json()["recorded"] is True
    assert Interaction.objects.filter(
        user=reader, article_id=card["article"]["id"], event="dislike"
    ).exists()
    shown = [item.article["id"] for item in client.get(reverse("home")).context["for_you"].items]
    assert card["article"]["id"] not in shown


def test_the_home_page_does_not_end_with_an_empty_divider(client, reader):
    # given / when
    client.force_login(reader)
    css = client.get("/static/recsite/site.css")
    # then the last card and the last trending entry draw no rule under themselves
    body = b"".join(css.streaming_content).decode() if css.streaming else css.content.decode()
    assert ".card:last-child, .ranked li:last-child { border-bottom: 0; }" in body
