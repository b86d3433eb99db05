"""The reader's page: saved and liked lists with undo, history one row per article, followed
topics; following from a topic page."""

from django.urls import reverse

from articles.models import Interaction, TopicFollow
from tests.factories import ArticleFactory, InteractionFactory, TopicFactory


def test_saved_and_liked_lists_and_history_grouped_by_article(client, reader):
    # given one article viewed, read and saved, another liked
    saved, liked = ArticleFactory(title="Kept for later"), ArticleFactory(title="Loved it")
    for event in ("view", "read", "bookmark"):
        InteractionFactory(user=reader, article=saved, event=event)
    InteractionFactory(user=reader, article=liked, event="like")
    client.force_login(reader)

    # when
    response = client.get(reverse("me"))

    # then each list shows its article, and the history has one row per article
    assert [a.pk for a in response.context["saved"]] == [saved.pk]
    assert [a.pk for a in response.context["liked"]] == [liked.pk]
    history = response.context["history"]
    assert sorted(article.pk for article, _ in history) == sorted([saved.pk, liked.pk])
    events = {article.pk: [i.event for i in rows] for article, rows in history}
    assert events[saved.pk] == ["view", "read", "bookmark"]


def test_unsave_removes_the_bookmark_and_nothing_else(client, reader):
    # given
    article = ArticleFactory()
    InteractionFactory(user=reader, article=article, event="read")
    InteractionFactory(user=reader, article=article, event="bookmark")
    client.force_login(reader)

    # when
    response = client.post(reverse("article_event_undo", args=[article.slug, "bookmark"]))

    # then
    assert response.status_code == 302
    events = set(Interaction.objects.filter(user=reader).values_list("event", flat=True))
    assert events == {"read"}
    assert list(client.get(reverse("me")).context["saved"]) == []


def test_only_save_and_like_can_be_undone(client, reader):
    # given
    article = ArticleFactory()
    InteractionFactory(user=reader, article=article, event="dislike")
    client.force_login(reader)

    # when
    response = client.post(reverse("article_event_undo", args=[article.slug, "dislike"]))

    # then nothing changed
    assert response.status_code == 404
    assert Interaction.objects.filter(user=reader, event="dislike").count() == 1


def test_follow_and_unfollow_from_the_topic_page(client, reader):
    # given
    topic = TopicFactory(name="Space", slug="space")
    client.force_login(reader)
    assert b"Follow</button>" in client.get(topic.get_absolute_url()).content

    # when
    client.post(reverse("topic_follow", args=["space"]))

    # then the topic page offers to unfollow and the reader's page lists it
    assert TopicFollow.objects.filter(user=reader, topic=topic).exists()
    assert b"Unfollow</button>" in client.get(topic.get_absolute_url()).content
    assert [t.slug for t in client.get(reverse("me")).context["followed"]] == ["space"]

    # and unfollowing undoes it
    client.post(reverse("topic_unfollow", args=["space"]))
    assert not TopicFollow.objects.filter(user=reader).exists()


def test_follow_over_the_api(api_client, reader):
    # given
    TopicFactory(name="Space", slug="space")
    api_client.force_authenticate(reader)

    # when
    followed = api_client.post("/api/topics/space/follow/")

    # then
    assert followed.json() == {"slug": "space", "following": True}
    assert [t["slug"] for t in api_client.get("/api/topics/followed/").json()] == ["space"]
    assert api_client.delete("/api/topics/space/follow/").json()["following"] is False
    assert api_client.get("/api/topics/followed/").json() == []
    assert api_client.post("/api/topics/nope/follow/").status_code == 404
