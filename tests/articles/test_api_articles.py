from datetime import UTC, datetime

import pytest

from articles.models import Article, SearchQuery
from tests.factories import ArticleFactory, TopicFactory

LIST_URL = "/api/articles/"


def detail_url(article_id) -> str:
    return f"/api/articles/{article_id}/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def catalogue(db):
    """One article of each status, newest published first."""
    science = TopicFactory(slug="science", name="Science")
    return {
        "old": ArticleFactory(
            title="Graph theory basics",
            topics=[science],
            published_at=datetime(2024, 1, 10, tzinfo=UTC),
        ),
        "new": ArticleFactory(
            title="Complex networks", published_at=datetime(2024, 3, 5, tzinfo=UTC)
        ),
        "draft": ArticleFactory(title="Unfinished", status="draft", published_at=None),
        "archived": ArticleFactory(title="Old news", status="archived"),
    }


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "reader"])
def test_list_shows_readers_published_articles_only(who, catalogue, reader, client_for):
    client = client_for(reader if who == "reader" else None)

    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert ids(response) == [catalogue["new"].id, catalogue["old"].id]
    assert response.json()["count"] == 2


def test_reader_asking_for_drafts_gets_none(catalogue, reader, client_for):
    response = client_for(reader).get(LIST_URL, {"status": "draft"})

    assert response.status_code == 200
    assert ids(response) == []


def test_editor_filters_by_status(catalogue, editor, client_for):
    response = client_for(editor).get(LIST_URL, {"status": "draft"})

    assert response.status_code == 200
    assert ids(response) == [catalogue["draft"].id]


def test_list_filters_by_topic_and_date_range(catalogue, client_for):
    client = client_for(None)

    by_topic = client.get(LIST_URL, {"topic": "science"})
    after = client.get(LIST_URL, {"published_after": "2024-02-01T00:00:00Z"})
    before = client.get(LIST_URL, {"published_before": "2024-02-01"})

    assert ids(by_topic) == [catalogue["old"].id]
    assert ids(after) == [catalogue["new"].id]
    assert ids(before) == [catalogue["old"].id]


def test_malformed_filters_are_400_with_field_messages(catalogue, client_for):
    response = client_for(None).get(LIST_URL, {"published_after": "last tuesday", "status": "lost"})

    assert response.status_code == 400
    assert set(response.json()) == {"published_after", "status"}


def test_nul_characters_are_400_not_a_database_error(catalogue, editor, client_for):
    client = client_for(editor)

    listed = client.get(LIST_URL, {"q": "a\x00b", "topic": "\x00"})
    created = client.post(LIST_URL, {"title": "a\x00b"}, format="json")

    assert (listed.status_code, created.status_code) == (400, 400)
    assert (set(listed.json()), set(created.json())) == ({"q", "topic"}, {"title"})
    assert Article.objects.count() == 4


def test_search_matches_words_and_records_the_readers_search(catalogue, reader, client_for):
    response = client_for(reader).get(LIST_URL, {"q": "complex NETWORKS"})

    assert response.status_code == 200
    assert ids(response) == [catalogue["new"].id]
    search = SearchQuery.objects.get()
    assert (search.user, search.text, search.results_count) == (reader, "complex NETWORKS", 1)


def test_anonymous_search_and_later_pages_record_nothing(catalogue, reader, client_for):
    client_for(None).get(LIST_URL, {"q": "networks"})
    client_for(reader).get(LIST_URL, {"q": "networks", "page": "2", "page_size": "1"})

    assert SearchQuery.objects.count() == 0


def test_pagination_with_page_size(catalogue, client_for):
    response = client_for(None).get(LIST_URL, {"page_size": 1, "page": 2})

    body = response.json()
    assert response.status_code == 200
    assert (body["count"], ids(response)) == (2, [catalogue["old"].id])
    assert body["next"] is None
    assert body["previous"].endswith("/api/articles/?page_size=1")


def test_page_out_of_range_is_a_json_404(catalogue, client_for):
    response = client_for(None).get(LIST_URL, {"page": 99})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}


def test_detail_shows_every_field(catalogue, client_for):
    article = catalogue["old"]

    response = client_for(None).get(detail_url(article.id))

    assert response.status_code == 200
    assert response.json() == {
        "id": article.id,
        "title": "Graph theory basics",
        "slug": article.slug,
        "summary": article.summary,
        "body": article.body,
        "topics": [{"slug": "science", "name": "Science"}],
        "status": "published",
        "published_at": "2024-01-10T00:00:00Z",
        "created_at": article.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": article.updated_at.isoformat().replace("+00:00", "Z"),
        "external_id": None,
        "url": f"http://testserver{article.get_absolute_url()}",
    }


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 404), ("reader", 404), ("editor", 200)]
)
def test_drafts_are_invisible_except_to_editors(
    who, expected, catalogue, reader, editor, client_for
):
    client = client_for({"anonymous": None, "reader": reader, "editor": editor}[who])

    response = client.get(detail_url(catalogue["draft"].id))

    assert response.status_code == expected


@pytest.mark.parametrize("article_id", ["abc", "-1", "99999999999999999999999"])
def test_malformed_or_unknown_ids_are_404(article_id, catalogue, client_for):
    response = client_for(None).get(detail_url(article_id))

    assert response.status_code == 404


def test_topics_list_counts_published_articles(catalogue, client_for):
    TopicFactory(slug="empty", name="Empty")

    response = client_for(None).get("/api/topics/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {"slug": "empty", "name": "Empty", "description": "", "published_count": 0},
        {"slug": "science", "name": "Science", "description": "", "published_count": 1},
    ]


# --- writing (editors only) ------------------------------------------------------------------


NEW_ARTICLE = {"title": "Matrix factorisation", "summary": "ALS", "topics": ["science"]}


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("reader", 403)])
def test_only_editors_create(who, expected, catalogue, reader, client_for):
    client = client_for(reader if who == "reader" else None)

    response = client.post(LIST_URL, NEW_ARTICLE, format="json")

    assert response.status_code == expected
    assert Article.objects.count() == 4


def test_editor_creates_a_draft_with_topics(catalogue, editor, client_for):
    response = client_for(editor).post(LIST_URL, NEW_ARTICLE, format="json")

    assert response.status_code == 201
    body = response.json()
    article = Article.objects.get(pk=body["id"])
    assert (article.title, article.slug, article.status, article.author) == (
        "Matrix factorisation",
        "matrix-factorisation",
        "draft",
        editor,
    )
    assert body["topics"] == [{"slug": "science", "name": "Science"}]
    assert body["published_at"] is None


def test_editor_creating_a_published_article_gets_a_publication_date(catalogue, editor, client_for):
    response = client_for(editor).post(
        LIST_URL, {"title": "Live now", "status": "published"}, format="json"
    )

    assert response.status_code == 201
    assert Article.objects.get(pk=response.json()["id"]).published_at is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": "X", "topics": ["no-such-topic"]}, "topics"),
        ({"title": "X", "author": 1}, "author"),
        ({"title": "X", "slug": "graph-theory-basics"}, "slug"),
        ({"title": "X", "status": "secret"}, "status"),
        ({"title": ["not", "a", "string"]}, "title"),
        ({"title": "X", "published_at": "soon"}, "published_at"),
        ({"summary": "no title"}, "title"),
    ],
)
def test_bad_article_input_is_400_with_the_field(payload, field, catalogue, editor, client_for):
    catalogue["old"].slug = "graph-theory-basics"
    catalogue["old"].save()

    response = client_for(editor).post(LIST_URL, payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Article.objects.count() == 4


def test_malformed_json_is_400(catalogue, editor, client_for):
    response = client_for(editor).post(LIST_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert Article.objects.count() == 4


def test_duplicate_external_id_is_a_field_error(catalogue, editor, client_for):
    ArticleFactory(external_id="ext-1")

    response = client_for(editor).post(
        LIST_URL, {"title": "Again", "external_id": "ext-1"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["external_id"]
    assert Article.objects.filter(external_id="ext-1").count() == 1


@pytest.mark.parametrize(("who", "expected"), [("anonymous", 401), ("reader", 403)])
def test_only_editors_update_and_delete(who, expected, catalogue, reader, client_for):
    client = client_for(reader if who == "reader" else None)
    article = catalogue["old"]

    patched = client.patch(detail_url(article.id), {"title": "Hacked"}, format="json")
    deleted = client.delete(detail_url(article.id))

    assert (patched.status_code, deleted.status_code) == (expected, expected)
    article.refresh_from_db()
    assert article.title == "Graph theory basics"


def test_editor_publishes_a_draft_and_changes_its_topics(catalogue, editor, client_for):
    TopicFactory(slug="maths", name="Maths")
    draft = catalogue["draft"]

    response = client_for(editor).patch(
        detail_url(draft.id), {"status": "published", "topics": ["maths"]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["topics"] == [{"slug": "maths", "name": "Maths"}]
    draft.refresh_from_db()
    assert draft.status == "published"
    assert draft.published_at is not None
    assert draft.title == "Unfinished"


def test_editor_replaces_an_article(catalogue, editor, client_for):
    article = catalogue["new"]

    response = client_for(editor).put(
        detail_url(article.id), {"title": "Networks, revised", "topics": []}, format="json"
    )

    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.title, list(article.topics.all())) == ("Networks, revised", [])


def test_editor_update_rejects_unknown_topic_and_changes_nothing(catalogue, editor, client_for):
    article = catalogue["old"]

    response = client_for(editor).patch(
        detail_url(article.id), {"title": "New", "topics": ["nope"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"topics": ["Object with slug=nope does not exist."]}
    article.refresh_from_db()
    assert (article.title, [t.slug for t in article.topics.all()]) == (
        "Graph theory basics",
        ["science"],
    )


def test_editor_deletes_an_article(catalogue, editor, client_for):
    response = client_for(editor).delete(detail_url(catalogue["archived"].id))

    assert response.status_code == 204
    assert not Article.objects.filter(pk=catalogue["archived"].id).exists()
    assert Article.objects.count() == 3
