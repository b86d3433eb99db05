"""The OpenAPI schema states what the API answers (found by schemathesis with all checks), and
the API answers in JSON everywhere under /api/, also where no route matches."""

import pytest
import yaml
from django.test import Client
from rest_framework.authtoken.models import Token

from articles import selectors as articles_selectors
from articles.models import Article, Interaction
from tests.factories import ArticleFactory, TopicFactory, UserFactory


@pytest.fixture
def schema(api_client, db) -> dict:
    return yaml.safe_load(api_client.get("/api/schema/").content)


def _statuses(schema: dict, method: str, path: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


# --- documented statuses --------------------------------------------------------------------


def test_error_statuses_the_api_answers_are_documented(schema):
    # given the schema (fixture)
    # when / then: the statuses the fuzzer received without them being documented
    assert {"400", "404"} <= _statuses(schema, "get", "/api/articles/{id}/similar/")
    assert {"400", "404"} <= _statuses(schema, "get", "/api/articles/")  # bad page, beyond last
    assert {"401", "403"} <= _statuses(schema, "post", "/api/articles/")  # anonymous, reader
    assert "400" in _statuses(schema, "post", "/api/auth/token/")  # wrong credentials
    assert {"400", "401", "413", "415", "429"} <= _statuses(schema, "post", "/api/interactions/")


def test_error_responses_have_a_json_body(schema):
    # given the schema (fixture)
    response = schema["paths"]["/api/articles/{id}/"]["get"]["responses"]["404"]

    # then
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_throttled_answers_document_retry_after(schema):
    # given the schema (fixture)
    response = schema["paths"]["/api/interactions/"]["post"]["responses"]["429"]

    # then
    assert response["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}


def test_statuses_an_operation_cannot_answer_are_not_documented(schema):
    # given the schema (fixture)
    # then: the probes take no credentials and no input; /me needs no permission beyond login
    assert _statuses(schema, "get", "/api/health/live") == {"200"}
    assert _statuses(schema, "get", "/api/me/") == {"200", "401"}


def test_public_reads_are_documented_as_needing_no_credentials(schema):
    # given the schema (fixture)
    # then: anonymous clients may read articles ({} is "no credentials"), not write them
    assert {} in schema["paths"]["/api/articles/"]["get"]["security"]
    assert {} in schema["paths"]["/api/articles/{id}/"]["get"]["security"]
    assert {} not in schema["paths"]["/api/articles/"]["post"]["security"]
    assert {} not in schema["paths"]["/api/interactions/"]["get"]["security"]


def test_an_account_without_email_matches_its_schema(schema, api_client):
    # given a reader with no email address
    reader = UserFactory(username="noemail", email="")
    api_client.force_authenticate(reader)

    # when
    response = api_client.get("/api/me/")

    # then: "" is what the schema allows, not a string of format email
    assert response.json()["email"] == ""
    assert schema["components"]["schemas"]["Account"]["properties"]["email"] == {
        "type": "string",
        "readOnly": True,
        "description": "Empty when the account has none.",
    }


def test_input_schemas_state_that_unknown_keys_and_empty_batches_are_refused(schema):
    # given the schema (fixture)
    components = schema["components"]["schemas"]
    batch = components["InteractionOneOrBatchRequest"]["oneOf"][1]

    # then
    assert components["ArticleInputRequest"]["additionalProperties"] is False
    assert components["InteractionInputRequest"]["additionalProperties"] is False
    assert (batch["minItems"], batch["maxItems"]) == (1, 1000)
    assert schema["paths"]["/api/interactions/"]["post"]["requestBody"]["required"] is True


def test_an_empty_batch_is_refused_as_documented(client_for, db):
    # given a reader
    reader = UserFactory()

    # when
    response = client_for(reader).post("/api/interactions/", [], format="json")

    # then
    assert response.status_code == 400
    assert Interaction.objects.count() == 0


def test_optional_query_parameters_admit_an_empty_value(schema):
    # given the schema (fixture)
    parameters = schema["paths"]["/api/recommendations/"]["get"]["parameters"]

    # then: `?topic=` is read as no topic, as the schema now says
    assert {p["name"]: p.get("allowEmptyValue") for p in parameters} == {
        "exclude": True,
        "n": True,
        "offset": True,
        "topic": True,
    }


# --- pagination -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"page": "0"}, {"page": ["Ensure this value is greater than or equal to 1."]}),
        ({"page": "last"}, {"page": ["A valid integer is required."]}),
        ({"page_size": "null"}, {"page_size": ["A valid integer is required."]}),
        ({"page_size": "0"}, {"page_size": ["Ensure this value is greater than or equal to 1."]}),
        ({"page_size": "3.0"}, {"page_size": ["A valid integer is required."]}),
    ],
)
def test_bad_page_parameters_get_400_with_field_messages(client_for, db, params, errors):
    # given an article
    ArticleFactory()

    # when
    response = client_for(None).get("/api/articles/", params)

    # then
    assert response.status_code == 400
    assert response.json() == errors


def test_page_sizes_beyond_the_maximum_are_clamped_as_documented(client_for, schema):
    # given 101 articles
    ArticleFactory.create_batch(101)

    # when
    response = client_for(None).get("/api/articles/", {"page_size": "1000"})

    # then
    assert len(response.json()["results"]) == 100
    page_size = schema["paths"]["/api/articles/"]["get"]["parameters"][1]
    assert page_size["schema"] == {"type": "integer", "minimum": 1}
    assert "larger values than 100 return 100" in page_size["description"]


def test_empty_page_parameters_read_as_absent(client_for, db):
    # given an article
    ArticleFactory()

    # when
    response = client_for(None).get("/api/articles/", {"page": "", "page_size": ""})

    # then
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- JSON types of input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("external_id", 0, "Expected str, got int."),
        ("title", True, "Expected str, got bool."),
        ("topics", {}, "Expected list, got dict."),
    ],
)
def test_article_fields_refuse_values_of_another_json_type(
    client_for, editor, field, value, message
):
    # given an editor and an article body with one value of the wrong type
    body = {"title": "Orbits", field: value}

    # when
    response = client_for(editor).post("/api/articles/", body, format="json")

    # then
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert Article.objects.count() == 0


def test_article_forms_still_carry_topics_as_repeated_keys(client_for, editor):
    # given an editor and a topic
    TopicFactory(slug="astronomy")

    # when: form encoding, which the browsable API sends
    response = client_for(editor).post(
        "/api/articles/", {"title": "Orbits", "topics": ["astronomy"]}, format="multipart"
    )

    # then
    assert response.status_code == 201
    assert [topic["slug"] for topic in response.json()["topics"]] == ["astronomy"]


@pytest.mark.parametrize(
    ("url", "params", "errors"),
    [
        ("/api/articles/1/similar/", {"n": "3.0"}, {"n": ["A valid integer is required."]}),
        ("/api/recommendations/", {"n": "3.0"}, {"n": ["A valid integer is required."]}),
        (
            "/api/recommendations/",
            {"exclude": "²"},  # str.isdigit() says yes, int() fails: this was a 500
            {"exclude": ["Expected a comma-separated list of article ids, e.g. 12,40."]},
        ),
    ],
)
def test_query_integers_are_digits_only(client_for, db, url, params, errors):
    # given a reader and an article
    ArticleFactory(pk=1)
    reader = UserFactory()

    # when
    response = client_for(reader).get(url, params)

    # then
    assert response.status_code == 400
    assert response.json() == errors


# --- JSON 404 and 405 -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/articles/abc/", "/api/v2/"])
def test_unmatched_api_addresses_answer_with_a_json_404(client, db, path):
    # when
    response = client.get(path)

    # then
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_unmatched_site_addresses_keep_the_html_404_page(client, db):
    # when
    response = client.get("/no-such-page/")

    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"We couldn't find that page" in response.content


def test_an_api_address_without_its_slash_is_still_redirected(client, db):
    # when
    response = client.get("/api/articles")

    # then
    assert response.status_code == 301
    assert response["Location"] == "/api/articles/"


def test_a_method_an_api_route_does_not_allow_is_a_json_405(client_for, db):
    # given a reader with a token
    reader = UserFactory()
    token = Token.objects.create(user=reader).key

    # when
    response = client_for(None).delete("/api/topics/", HTTP_AUTHORIZATION=f"Token {token}")

    # then
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_an_unhandled_api_error_is_a_json_500(db, monkeypatch):
    # given: the topics list fails with an error no view handles
    def fail(*args, **kwargs):
        raise RuntimeError("the topic query failed")

    monkeypatch.setattr(articles_selectors, "topics_with_counts", fail)

    # when
    response = Client(raise_request_exception=False).get("/api/topics/")

    # then: JSON, and nothing of the error's text
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Internal server error."}
