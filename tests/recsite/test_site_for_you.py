from django.urls import reverse

from articles.models import Interaction


def test_home_for_you_row_shows_the_readers_recommendations(client, mf_version, clusters):
    # given: an astronomy reader and an active MF model trained on two taste clusters
    reader = clusters.readers[0]
    read_ids = set(Interaction.objects.filter(user=reader).values_list("article_id", flat=True))
    client.force_login(reader)

    # when
    response = client.get(reverse("home"))

    # then: the row lists unread astronomy articles, ranked by the model
    for_you = response.context["for_you"]
    assert for_you.strategy == "personalized"
    assert for_you.model_version_id == mf_version.pk
    shown = [item.article["id"] for item in for_you.items]
    assert len(shown) == 6
    assert not set(shown) & read_ids
    assert set(shown) <= {article.pk for article in clusters.a}
    assert for_you.items[0].article["title"].encode() in response.content


def test_home_for_you_tells_a_new_reader_it_is_not_personal_yet(client, reader, clusters):
    # given: a reader with no history
    client.force_login(reader)

    # when
    response = client.get(reverse("home"))

    # then
    assert response.context["for_you"].strategy == "cold_start"
    assert b"this row becomes yours" in response.content
