"""Rendered recommendation pages served from the cache (recommender.cache.pages) only while
everything they show is still true."""

from datetime import timedelta

from django.utils import timezone

from articles.models import Interaction
from recommender.cache import lists
from recommender.models import EditorialBoost
from tests.factories import InteractionFactory

URL = "/api/recommendations/"


def read_astronomy(reader, clusters):
    for article in clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)


def test_a_repeated_request_is_served_from_the_rendered_page(
    client_for, mf_version, clusters, reader, django_assert_num_queries
):
    # given
    read_astronomy(reader, clusters)
    client = client_for(reader)
    first = client.get(URL, {"n": 5})

    # when
    with django_assert_num_queries(0):
        second = client.get(URL, {"n": 5})

    # then
    assert second.status_code == 200
    assert second["Content-Type"] == "application/json"
    assert second.content == first.content


def test_an_edited_title_shows_on_the_next_request(
    client_for, mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    # given: a cached page
    read_astronomy(reader, clusters)
    client = client_for(reader)
    shown = client.get(URL, {"n": 5}).json()["results"][0]["article"]

    # when: an editor renames its first article
    with django_capture_on_commit_callbacks(execute=True):
        article = next(a for a in clusters.a + clusters.b if a.pk == shown["id"])
        article.title = "Renamed by an editor"
        article.save()

    # then
    assert client.get(URL, {"n": 5}).json()["results"][0]["article"]["title"] == (
        "Renamed by an editor"
    )


def test_a_new_pin_shows_on_the_next_request(
    client_for, mf_version, clusters, reader, django_capture_on_commit_callbacks
):
    # given: a cached page of an astronomy reader
    read_astronomy(reader, clusters)
    client = client_for(reader)
    client.get(URL, {"n": 5})
    pinned = clusters.b[0]
    now = timezone.now()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        EditorialBoost.objects.create(
            kind=EditorialBoost.Kind.PIN,
            article=pinned,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )

    # then
    assert client.get(URL, {"n": 5}).json()["results"][0]["article"]["id"] == pinned.pk


def test_a_page_expires_when_a_scheduled_boost_starts(client_for, mf_version, clusters, reader):
    # given: a pin that starts in an hour
    read_astronomy(reader, clusters)
    starts_at = timezone.now() + timedelta(hours=1)
    EditorialBoost.objects.create(
        kind=EditorialBoost.Kind.PIN,
        article=clusters.b[0],
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )

    # when
    client_for(reader).get(URL, {"n": 5})

    # then: the stored page is valid until that moment only
    pages, _, _ = lists.reader_pages_get(user_id=reader.pk)
    [(_, expires_at, _)] = pages.values()
    assert expires_at == starts_at.timestamp()


def test_other_parameters_and_html_are_not_served_from_the_json_cache(
    client_for, mf_version, clusters, reader
):
    # given
    read_astronomy(reader, clusters)
    client = client_for(reader)
    client.get(URL, {"n": 5})

    # when
    with_unknown = client.get(URL, {"n": 5, "utm_source": "mail"})
    as_html = client.get(URL, {"n": 5}, HTTP_ACCEPT="text/html")

    # then
    assert with_unknown.status_code == 200
    assert as_html.status_code == 200
    assert as_html["Content-Type"].startswith("text/html")
    assert list(lists.reader_pages_get(user_id=reader.pk)[0]) == ["en:n=5"]  # per language
