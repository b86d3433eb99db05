import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from articles.models import Article, Interaction, SearchQuery
from articles.signals import article_published
from tests.factories import (
    ArticleFactory,
    InteractionFactory,
    SearchQueryFactory,
    TopicFactory,
    UserFactory,
)

ARTICLES = "admin:articles_article_changelist"


@pytest.fixture
def announced():
    """Ids of the articles announced through ``article_published``, in order."""
    article_ids = []

    def receiver(sender, article, **kwargs):
        article_ids.append(article.pk)

    article_published.connect(receiver, weak=False)
    yield article_ids
    article_published.disconnect(receiver)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def article_form(**overrides):
    data = {
        "title": "Exploring complex networks",
        "slug": "exploring-complex-networks",
        "summary": "Small worlds and scale-free degree distributions.",
        "body": "Networks are everywhere.",
        "topics": [],
        "status": Article.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "external_id": "",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def change_form(article, **overrides):
    """The change form of ``article`` as the admin shows it, with ``overrides``."""
    return article_form(
        title=article.title,
        slug=article.slug,
        summary=article.summary,
        body=article.body,
        **overrides,
    )


def run_action(client, action, articles):
    return client.post(
        reverse(ARTICLES),
        {"action": action, "_selected_action": [article.pk for article in articles]},
        follow=True,
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:articles_article_changelist",
        "admin:articles_article_add",
        "admin:articles_topic_changelist",
        "admin:articles_topic_add",
        "admin:articles_interaction_changelist",
        "admin:articles_searchquery_changelist",
    ],
)
def test_editor_opens_the_content_and_behaviour_pages(editor_client, url_name):
    # given an editor with a little content and behaviour to show
    InteractionFactory(article=ArticleFactory(topics=[TopicFactory()]))
    SearchQueryFactory()

    # when
    response = editor_client.get(reverse(url_name))

    # then
    assert response.status_code == 200


def test_editor_adds_a_published_article_which_is_announced_once(
    editor_client, editor, announced, django_capture_on_commit_callbacks
):
    # given
    networks = TopicFactory(name="Networks", slug="networks")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_article_add"),
            article_form(topics=[networks.pk], status=Article.Status.PUBLISHED),
        )

    # then
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.title, article.slug, article.status, article.author) == (
        "Exploring complex networks",
        "exploring-complex-networks",
        Article.Status.PUBLISHED,
        editor,
    )
    assert article.published_at is not None
    assert list(article.topics.all()) == [networks]
    assert announced == [article.pk]


def test_editor_adds_a_draft_which_is_not_announced(
    editor_client, announced, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse("admin:articles_article_add"), article_form())

    # then
    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.published_at) == (Article.Status.DRAFT, None)
    assert announced == []


def test_publishing_a_draft_from_the_change_form_announces_it_once(
    editor_client, announced, django_capture_on_commit_callbacks
):
    # given
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    topic = TopicFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[draft.pk]),
            change_form(
                draft,
                topics=[topic.pk],
                status=Article.Status.PUBLISHED,
            ),
        )

    # then
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.PUBLISHED
    assert draft.published_at is not None
    assert list(draft.topics.all()) == [topic]
    assert announced == [draft.pk]


def test_retagging_a_published_article_does_not_announce_it_again(
    editor_client, announced, django_capture_on_commit_callbacks
):
    # given
    article = ArticleFactory()
    topic = TopicFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[article.pk]),
            change_form(
                article,
                topics=[topic.pk],
                status=Article.Status.PUBLISHED,
                published_at_0=article.published_at.strftime("%Y-%m-%d"),
                published_at_1=article.published_at.strftime("%H:%M:%S"),
            ),
        )

    # then
    assert response.status_code == 302
    assert list(article.topics.all()) == [topic]
    assert announced == []


def test_publish_action_publishes_and_announces_only_newly_published_articles(
    editor_client, announced, django_capture_on_commit_callbacks
):
    # given
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    archived = ArticleFactory(status=Article.Status.ARCHIVED)
    published = ArticleFactory()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(editor_client, "publish_selected", [draft, archived, published])

    # then
    assert response.status_code == 200
    assert set(Article.objects.values_list("status", flat=True)) == {Article.Status.PUBLISHED}
    assert sorted(announced) == sorted([draft.pk, archived.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "2 articles published. 1 already was published."
    ]


def test_archive_action_archives_without_announcing(
    editor_client, announced, django_capture_on_commit_callbacks
):
    # given
    articles = ArticleFactory.create_batch(2)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(editor_client, "archive_selected", articles)

    # then
    assert response.status_code == 200
    assert list(Article.objects.values_list("status", flat=True)) == [Article.Status.ARCHIVED] * 2
    assert announced == []
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 articles archived."]


@pytest.mark.parametrize("q", ["Graph", "adjacency", "cul-17"])
def test_article_search_looks_in_title_summary_body_and_external_id(editor_client, q):
    # given
    match = ArticleFactory(
        title="Graph theory", summary="x", body="The adjacency matrix", external_id="cul-17"
    )
    ArticleFactory(title="Cooking", summary="y", body="Soup", external_id="cul-170")

    # when
    response = editor_client.get(reverse(ARTICLES), {"q": q})

    # then
    assert list(response.context["cl"].result_list) == [match]


def request_as(client, method, url_name, interaction):
    args = [] if url_name.endswith("_add") else [interaction.pk]
    url = reverse(url_name, args=args)
    if method == "get":
        return client.get(url)
    return client.post(url, {"event": Interaction.Event.LIKE, "post": "yes"})


WRITES = [("get", "add"), ("post", "add"), ("post", "change")]
DELETES = [("get", "delete"), ("post", "delete")]


# A superuser may delete behaviour (so that deleting an account cascades), but never add or edit it.
@pytest.mark.parametrize(
    ("who", "method", "action"),
    [("editor", *case) for case in WRITES + DELETES] + [("superuser", *case) for case in WRITES],
)
def test_nobody_writes_interactions_in_the_admin(client, editor, who, method, action):
    url_name = f"admin:articles_interaction_{action}"
    # given
    user = editor if who == "editor" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    interaction = InteractionFactory(event=Interaction.Event.VIEW)

    # when
    response = request_as(client, method, url_name, interaction)

    # then
    assert response.status_code == 403
    assert list(Interaction.objects.values_list("pk", "event")) == [
        (interaction.pk, Interaction.Event.VIEW)
    ]


def test_editor_views_an_interaction_read_only(editor_client):
    # given
    interaction = InteractionFactory()

    # when
    response = editor_client.get(
        reverse("admin:articles_interaction_change", args=[interaction.pk])
    )

    # then
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert 'name="_save"' not in response.content.decode()


def test_editor_cannot_delete_an_article_that_has_behaviour(editor_client):
    # given: deleting it would silently delete readers' interactions (training data); editors
    # archive such articles instead
    interaction = InteractionFactory()
    url = reverse("admin:articles_article_delete", args=[interaction.article_id])

    # when
    response = editor_client.post(url, {"post": "yes"})

    # then
    assert response.status_code == 403
    assert Article.objects.filter(pk=interaction.article_id).exists()
    assert Interaction.objects.count() == 1


def test_editor_deletes_an_article_without_behaviour(editor_client):
    # given
    article = ArticleFactory()

    # when
    response = editor_client.post(
        reverse("admin:articles_article_delete", args=[article.pk]), {"post": "yes"}
    )

    # then
    assert response.status_code == 302
    assert not Article.objects.exists()


def test_reader_is_sent_to_the_admin_login_and_changes_nothing(client, reader):
    # given
    client.force_login(reader)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)

    # when
    page = client.get(reverse(ARTICLES))
    action = client.post(
        reverse(ARTICLES), {"action": "publish_selected", "_selected_action": [draft.pk]}
    )

    # then
    login = reverse("admin:login")
    assert (page.status_code, page["Location"]) == (302, f"{login}?next={reverse(ARTICLES)}")
    assert (action.status_code, action["Location"]) == (302, f"{login}?next={reverse(ARTICLES)}")
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def make_interactions(n):
    users = UserFactory.create_batch(3)
    articles = ArticleFactory.create_batch(3)
    for i in range(n):
        InteractionFactory(user=users[i % 3], article=articles[i % 3])


def make_searches(n):
    SearchQueryFactory.create_batch(n, user=UserFactory())


def make_articles(n):
    topics = TopicFactory.create_batch(3)
    ArticleFactory.create_batch(n, topics=topics)


@pytest.mark.parametrize(
    ("url_name", "make_rows", "max_queries"),
    [
        ("admin:articles_interaction_changelist", make_interactions, 8),
        ("admin:articles_searchquery_changelist", make_searches, 8),
        # the article list also reads the topic filter's choices and the date hierarchy
        ("admin:articles_article_changelist", make_articles, 13),
    ],
)
def test_changelists_take_a_bounded_number_of_queries(
    editor_client, django_assert_max_num_queries, url_name, make_rows, max_queries
):
    # given: one query per row (a missing join or prefetch) would add 30+ queries
    make_rows(30)

    # when / then
    with django_assert_max_num_queries(max_queries):
        response = editor_client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_superuser_deletes_an_account_with_its_behaviour(client, db):
    # given: a reader with an interaction and a search, and a superuser
    admin_user = UserFactory(username="root_admin", is_staff=True, is_superuser=True)
    interaction = InteractionFactory()
    SearchQueryFactory(user=interaction.user)
    client.force_login(admin_user)

    # when: the superuser confirms the deletion in the admin
    response = client.post(
        reverse("admin:auth_user_delete", args=[interaction.user.pk]), {"post": "yes"}
    )

    # then: the account and every row of its behaviour are gone
    assert response.status_code == 302
    assert not Interaction.objects.filter(pk=interaction.pk).exists()
    assert not SearchQuery.objects.filter(user_id=interaction.user_id).exists()
