"""Bad input to the API is a 4xx JSON answer naming the fields, and nothing is written.
(The CSV importers' bad rows are covered by tests/articles/test_import_*.py.)"""

import json

import pytest
from django.conf import settings

from articles.models import Interaction
from tests.factories import ArticleFactory


@pytest.fixture
def article(db):
    return ArticleFactory()


def post_interactions(client, body):
    return client.post("/api/interactions/", json.dumps(body), content_type="application/json")


NOT_A_PK = ["Incorrect type. Expected pk value, received str."]
NO_SUCH_ARTICLE = [f"No published article has id {10**30}."]
NOT_AN_EVENT = ['"jump" is not a valid choice.']
NEGATIVE = ["Ensure this value is greater than or equal to 0."]
NOT_A_DICT = ["Invalid data. Expected a dictionary, but got str."]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"article": "seven", "event": "like"}, {"article": NOT_A_PK}),
        ({"article": 10**30, "event": "like"}, {"article": NO_SUCH_ARTICLE}),
        ({"article": "ARTICLE", "event": "jump"}, {"event": NOT_AN_EVENT}),
        ({"article": "ARTICLE", "event": "like", "user": 1}, {"user": ["Unknown field."]}),
        ({"article": "ARTICLE", "event": "like", "dwell_seconds": -1}, {"dwell_seconds": NEGATIVE}),
        ({"article": "ARTICLE", "event": "rating"}, {"value": ["A rating needs a value."]}),
        ([], {"non_field_errors": ["This list may not be empty."]}),
        ("just a string", {"non_field_errors": NOT_A_DICT}),
    ],
)
def test_bad_interactions_are_400_with_field_messages(client_for, reader, article, body, errors):
    # given
    if isinstance(body, dict) and body.get("article") == "ARTICLE":
        body = {**body, "article": article.pk}

    # when
    response = post_interactions(client_for(reader), body)

    # then
    assert response.status_code == 400
    assert response.json() == errors
    assert Interaction.objects.count() == 0


def test_an_oversized_batch_is_refused_whole(client_for, reader, article):
    # given
    limit = settings.RECSITE_INTERACTION_BATCH_LIMIT
    batch = [{"article": article.pk, "event": "view"}] * (limit + 1)

    # when
    response = post_interactions(client_for(reader), batch)

    # then
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [f"Ensure this field has no more than {limit} elements."]
    }
    assert Interaction.objects.count() == 0


def test_one_bad_item_fails_the_whole_batch_with_its_index(client_for, reader, article):
    # when
    response = post_interactions(
        client_for(reader),
        [{"article": article.pk, "event": "like"}, {"article": article.pk, "event": "jump"}],
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"1": {"event": ['"jump" is not a valid choice.']}}
    assert Interaction.objects.count() == 0


def test_a_body_over_the_upload_limit_is_413_json(client_for, reader, article):
    # given: valid JSON, just too much of it
    padding = "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = {"article": article.pk, "event": "like", "padding": padding}

    # when
    response = post_interactions(client_for(reader), body)

    # then
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than the server accepts."}
    assert Interaction.objects.count() == 0


def test_malformed_json_is_400(client_for, reader):
    # when
    response = client_for(reader).post(
        "/api/interactions/", '{"article": 1,', content_type="application/json"
    )

    # then
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


@pytest.mark.parametrize(
    ("params", "status", "body"),
    [
        # ISO 8601 allows offsets beyond PostgreSQL's range; found by the fuzzer as a 500.
        ({"published_before": "3521-05-30T12:42:00+22:20"}, 200, None),
        (
            {"published_after": "0001-01-01T00:00:00+10:00"},
            400,
            {"published_after": ["Out of the supported date range."]},
        ),
        ({"published_after": "yesterday"}, 400, {"published_after": ["Enter a valid date/time."]}),
        ({"q": "a\x00b"}, 400, {"q": ["Null characters are not allowed."]}),
    ],
)
def test_bad_article_filters_are_400_or_harmless(client, db, params, status, body):
    # when
    response = client.get("/api/articles/", params)

    # then
    assert response.status_code == status
    if body is not None:
        assert response.json() == body
