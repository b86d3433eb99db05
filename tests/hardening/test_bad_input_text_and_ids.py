"""Bad input found as 500s (issue 10, second round), each now a 4xx or a harmless answer: Unicode
digits where ids are expected, NUL characters (PostgreSQL refuses them where SQLite stores them,
so run these on both), JSON nested too deep, and non-ASCII usernames in download headers."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from articles.models import Interaction, SearchQuery
from articles.validation import CONTROL_MESSAGE, STRIPPED_MESSAGE
from recommender.models import Explanation, ExplanationFeedback, HiddenInterest
from recommender.models.explanations import RecommendationImpression
from tests.factories import ArticleFactory, TopicFactory, UserFactory

NOT_IDS = ["Expected a comma-separated list of article ids, e.g. 12,40."]
TOO_DEEP = {"detail": "JSON nested more than 32 levels deep."}
DEEP_BODY = "[" * 1000 + "]" * 1000  # 2 KB


@pytest.fixture
def site(reader):
    client = Client()
    client.force_login(reader)
    return client


@pytest.fixture
def article(db):
    return ArticleFactory(topics=[TopicFactory(slug="space")])


@pytest.mark.parametrize("exclude", ["²", "١٢", "９", "1,²", "9" * 30])
def test_non_ascii_or_oversized_ids_in_exclude_are_400(client_for, reader, exclude):
    # when
    response = client_for(reader).get("/api/recommendations/", {"exclude": exclude})

    # then
    assert response.status_code == 400
    assert response.json() == {"exclude": NOT_IDS}


@pytest.mark.parametrize("rec", ["²", "٢", "2" * 30])
def test_a_rec_that_is_not_an_ascii_id_is_ignored(site, reader, article, rec):
    # given: impression 2 exists; "٢" is an Arabic-Indic two that int() would read as 2
    impression = RecommendationImpression.objects.create(
        pk=2, user=reader, article=article, surface="home", position=0
    )

    # when
    response = site.get(f"/articles/{article.slug}/", {"rec": rec})

    # then
    assert response.status_code == 200
    impression.refresh_from_db()
    assert impression.clicked_at is None


@pytest.mark.parametrize("signed_in", [False, True])
def test_control_characters_are_stripped_from_site_searches_with_a_message(
    site, reader, article, signed_in
):
    # given
    client = site if signed_in else Client()

    # when
    response = client.get("/search/?q=a%00b%01c")

    # then
    assert response.status_code == 200
    assert response.context["q"] == "abc"
    assert [str(message) for message in response.context["messages"]] == [STRIPPED_MESSAGE]
    assert list(SearchQuery.objects.values_list("text", "user")) == [
        ("abc", reader.pk if signed_in else None)
    ]


@pytest.mark.parametrize(
    "form", [{"phrase": "a\x00b"}, {"phrase": "a\x1bb"}, {"topic": "a\x00b"}, {"topic": "spåce"}]
)
def test_hiding_an_interest_with_control_characters_or_a_bad_slug_is_404(site, article, form):
    # when
    response = site.post("/me/interests/hide/", form)

    # then
    assert response.status_code == 404
    assert HiddenInterest.objects.count() == 0


def test_a_topic_path_with_nul_is_404(client, article):
    # when
    response = client.get("/api/topics/a%00b/")

    # then
    assert response.status_code == 404


def test_a_comment_with_control_characters_is_refused_on_the_site(site, reader, article):
    # given
    explanation = Explanation.objects.create(
        user=reader, article=article, style=Explanation.Style.TRENDING, text="Trending"
    )

    # when
    response = site.post(
        f"/explanations/{explanation.pk}/feedback/",
        {"vote": "down", "reason": "other", "comment": "a\x00b"},
        HTTP_ACCEPT="application/json",
    )

    # then
    assert response.status_code == 400
    assert response.json() == {"ok": False, "errors": {"comment": [CONTROL_MESSAGE]}}
    assert ExplanationFeedback.objects.count() == 0


@pytest.mark.parametrize("path", ["/api/interactions/", "/api/auth/token/", "/api/recommend/"])
def test_json_nested_a_thousand_levels_deep_is_400(reader, path):
    # given
    client = APIClient()
    client.force_authenticate(reader)

    # when
    response = client.post(path, DEEP_BODY, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == TOO_DEEP
    assert Interaction.objects.count() == 0


def test_json_at_the_depth_limit_is_parsed(client_for, reader):
    # given: 32 levels is allowed; the body is then just not an interaction
    body = "[" * 32 + "]" * 32

    # when
    response = client_for(reader).post("/api/interactions/", body, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == {
        "0": {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    }


CONTROL = [CONTROL_MESSAGE]


@pytest.mark.parametrize(
    ("credentials", "errors"),
    [
        ('{"username": "alice\\u0000", "password": "x"}', {"username": CONTROL}),
        # A lone surrogate: no UTF-8 encoding, so no database or hash could take it.
        ('{"username": "alice\\ud800", "password": "x"}', {"username": CONTROL}),
        ('{"username": "alice", "password": "x", "\\u0001": 1}', {"non_field_errors": CONTROL}),
    ],
)
def test_json_strings_with_control_characters_or_lone_surrogates_are_400(db, credentials, errors):
    # when
    response = APIClient().post("/api/auth/token/", credentials, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == errors


def test_a_control_character_deep_in_a_batch_is_reported_where_it_is(client_for, reader, article):
    # given
    batch = (
        f'[{{"article": {article.pk}, "event": "like"}},'
        f' {{"article": {article.pk}, "event": "like\\u001b"}}]'
    )

    # when
    response = client_for(reader).post("/api/interactions/", batch, content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == {"1": {"event": CONTROL}}
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    ("path", "disposition"),
    [
        ("/me/export/", "attachment; filename*=utf-8''recsite-zo%C3%AB%E6%9D%8E-data.json"),
        ("/api/me/export/", "attachment; filename*=utf-8''recsite-data-zo%C3%AB%E6%9D%8E.json"),
    ],
)
def test_a_non_ascii_username_gets_an_rfc_6266_download_name(db, path, disposition):
    # given
    client = Client()
    client.force_login(UserFactory(username="zoë李"))

    # when
    response = client.get(path)

    # then
    assert response.status_code == 200
    assert response["Content-Disposition"] == disposition
    assert response.json()["account"]["username"] == "zoë李"


def test_an_article_id_past_every_integer_type_is_404(client, article):
    # when: more digits than int() converts (4,300)
    response = client.get(f"/api/articles/{'9' * 5000}/")

    # then
    assert response.status_code == 404
    assert response.json() == {"detail": "No such article."}
