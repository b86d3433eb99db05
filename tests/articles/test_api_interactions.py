import pytest

from articles.api.throttles import WritesThrottle
from articles.models import Interaction
from tests.factories import ArticleFactory, InteractionFactory

URL = "/api/interactions/"


@pytest.fixture
def article(db):
    return ArticleFactory()


def like(article_id, **extra) -> dict:
    return {"article": article_id, "event": "like", **extra}


# --- recording -------------------------------------------------------------------------------


def test_anonymous_cannot_record_or_list(article, client_for):
    client = client_for(None)

    posted = client.post(URL, like(article.id), format="json")
    listed = client.get(URL)

    assert (posted.status_code, listed.status_code) == (401, 401)
    assert Interaction.objects.count() == 0


def test_reader_records_one_interaction_for_themselves(article, reader, client_for):
    response = client_for(reader).post(URL, like(article.id, dwell_seconds=30), format="json")

    assert response.status_code == 201
    row = Interaction.objects.get()
    assert (row.user, row.article, row.event, row.dwell_seconds, row.source) == (
        reader,
        article,
        "like",
        30,
        "api",
    )
    assert response.json() == {
        "id": row.id,
        "article": article.id,
        "event": "like",
        "value": None,
        "dwell_seconds": 30,
        "source": "api",
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_batch_of_1000_is_recorded_at_once(
    article, reader, client_for, django_assert_max_num_queries
):
    other = ArticleFactory()
    batch = [like(article.id if i % 2 else other.id) for i in range(1000)]

    # A constant number, whatever the batch size (the list-forgetting receiver reads the active
    # model versions and the running experiments inside the transaction).
    with django_assert_max_num_queries(15):
        response = client_for(reader).post(URL, batch, format="json")

    assert response.status_code == 201
    assert len(response.json()) == 1000
    assert Interaction.objects.filter(user=reader, source="api").count() == 1000


def test_a_batch_of_1001_is_rejected_whole(article, reader, client_for):
    batch = [like(article.id)] * 1001

    response = client_for(reader).post(URL, batch, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Ensure this field has no more than 1000 elements."]
    }
    assert Interaction.objects.count() == 0


def test_a_bad_item_names_its_index_and_nothing_is_written(article, reader, client_for):
    draft = ArticleFactory(status="draft", published_at=None)
    batch = [like(article.id), like(999_999), like(draft.id), like([article.id]), like(article.id)]

    response = client_for(reader).post(URL, batch, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "1": {"article": ["No published article has id 999999."]},
        "2": {"article": [f"No published article has id {draft.id}."]},
        "3": {"article": ["Incorrect type. Expected pk value, received list."]},
    }
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("item", "errors"),
    [
        ({"event": "like"}, {"article": ["This field is required."]}),
        (like("abc"), {"article": ["Incorrect type. Expected pk value, received str."]}),
        (like(True), {"article": ["Incorrect type. Expected pk value, received bool."]}),
        (like(2**70), {"article": [f"No published article has id {2**70}."]}),
        (like(None), {"article": ["This field may not be null."]}),
        ({"article": 1, "event": "stare"}, {"event": ['"stare" is not a valid choice.']}),
        (
            like(1, dwell_seconds=-5),
            {"dwell_seconds": ["Ensure this value is greater than or equal to 0."]},
        ),
        (like(1, dwell_seconds="long"), {"dwell_seconds": ["A valid integer is required."]}),
        (like(1, value="x"), {"value": ["A valid number is required."]}),
        ({"article": 1, "event": "rating"}, {"value": ["A rating needs a value."]}),
        (like(1, user=2), {"user": ["Unknown field."]}),
        (
            like(1, source="import", when="now"),
            {"source": ["Unknown field."], "when": ["Unknown field."]},
        ),
    ],
)
def test_bad_single_items_are_400_with_field_messages(item, errors, reader, client_for, db):
    ArticleFactory(id=1)

    response = client_for(reader).post(URL, item, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "errors"),
    [
        ("{not json", "application/json", 400, {"detail"}),
        ('"a string"', "application/json", 400, {"non_field_errors"}),
        ("null", "application/json", 400, {"non_field_errors"}),
        ("[]", "application/json", 400, {"non_field_errors"}),
        ("[1, 2]", "application/json", 400, {"0", "1"}),
        ('{"article": 1, "event": "like", "value": NaN}', "application/json", 400, {"detail"}),
        ('{"article": 1, "event": "like", "value": 1e999}', "application/json", 400, {"value"}),
        ("article=1&event=like", "application/x-www-form-urlencoded", 415, {"detail"}),
    ],
)
def test_malformed_bodies_are_4xx_json(body, content_type, status, errors, reader, client_for):
    ArticleFactory(id=1)

    response = client_for(reader).post(URL, body, content_type=content_type)

    assert response.status_code == status
    assert set(response.json()) == errors
    assert Interaction.objects.count() == 0


def test_user_in_the_body_cannot_record_for_someone_else(article, reader, other_reader, client_for):
    response = client_for(reader).post(URL, [like(article.id, user=other_reader.id)], format="json")

    assert response.status_code == 400
    assert response.json() == {"0": {"user": ["Unknown field."]}}
    assert Interaction.objects.count() == 0


# --- listing ---------------------------------------------------------------------------------


def test_readers_list_only_their_own_interactions(article, reader, other_reader, client_for):
    mine = InteractionFactory(user=reader, article=article, event="like")
    InteractionFactory(user=other_reader, article=article, event="like")

    response = client_for(reader).get(URL)

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert [row["id"] for row in response.json()["results"]] == [mine.id]


def test_list_filters_by_event(article, reader, client_for):
    InteractionFactory(user=reader, article=article, event="view")
    liked = InteractionFactory(user=reader, article=article, event="like")

    response = client_for(reader).get(URL, {"event": "like"})
    bad = client_for(reader).get(URL, {"event": "stare"})

    assert [row["id"] for row in response.json()["results"]] == [liked.id]
    assert bad.status_code == 400
    assert list(bad.json()) == ["event"]


# --- throttling ------------------------------------------------------------------------------


def test_writes_are_throttled_per_user_with_retry_after(
    article, reader, other_reader, client_for, monkeypatch
):
    monkeypatch.setattr(WritesThrottle, "THROTTLE_RATES", {"writes": "2/minute"})
    client = client_for(reader)
    client.post(URL, like(article.id), format="json")
    client.post(URL, like(article.id), format="json")

    throttled = client.post(URL, like(article.id), format="json")
    read = client.get(URL)
    someone_else = client_for(other_reader).post(URL, like(article.id), format="json")

    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 61
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert (read.status_code, someone_else.status_code) == (200, 201)
    assert Interaction.objects.filter(user=reader).count() == 2
