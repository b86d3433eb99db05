"""More like this: ``GET /api/articles/{id}/similar/`` and the block on the article page."""

import pytest
from django.urls import reverse

from articles.models import Article
from recommender.ranking.content import similar_articles
from recommender.training.embeddings import articles_embed
from tests.factories import ArticleFactory, TopicFactory
from tests.recommender.api_shapes import ARTICLE_FIELDS


def similar_url(pk: int, **query) -> str:
    url = reverse("article-similar", kwargs={"pk": pk})
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def test_similar_articles_share_the_subject_and_never_include_the_article(
    text_clusters, api_client, settings
):
    # given
    article = text_clusters.a[0]

    # when
    response = api_client.get(similar_url(article.pk, n=5))

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["article"] == article.pk
    result_ids = [item["article"]["id"] for item in body["results"]]
    assert len(result_ids) == 5
    assert article.pk not in result_ids
    assert set(result_ids) <= {a.pk for a in text_clusters.a}
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)
    first = body["results"][0]
    # No MF model is active: co-reading is the co-occurrence of the two readerships; both
    # articles are about astronomy and nothing else, so the topic bonus is whole.
    assert first["topic_score"] == 1.0
    assert first["score"] == (
        0.5 * first["text_score"]
        + 0.5 * (first["coread_score"] or 0.0)
        + settings.RECSITE_SIMILAR_TOPIC_WEIGHT * 1.0
    )
    assert set(first["article"]) == ARTICLE_FIELDS


def test_similar_blends_in_mf_co_reading_when_a_model_is_active(
    text_mf_version, text_clusters, api_client, settings
):
    # given: co-reading only
    settings.RECSITE_SIMILAR_COREAD_WEIGHT = 1.0
    settings.RECSITE_SIMILAR_TOPIC_WEIGHT = 0.0

    # when
    response = api_client.get(similar_url(text_clusters.b[0].pk, n=10))

    # then
    results = response.json()["results"]
    assert len(results) == 10
    assert {item["article"]["id"] for item in results} <= {a.pk for a in text_clusters.b[1:]}
    assert all(item["score"] == item["coread_score"] for item in results)


# Three subjects in each of three topics, each subject worded with its own title template and
# templated summary, the same three templates in every topic: the encoder finds "The hidden
# costs of radio astronomy" closer to "The hidden costs of night trains" than to any other
# Space article (the reader's finding in issue 14).
TEMPLATES = (
    (
        "The hidden costs of {subject}",
        "Everything you need to know about {subject}, from the basics to the open questions.",
    ),
    (
        "Five myths about {subject}",
        "A close look at {subject} and what experts have learned along the way.",
    ),
    (
        "{Subject}, explained",
        "An accessible introduction to {subject}, with examples from the field.",
    ),
)
SUBJECTS = {
    "Space": ("radio astronomy", "space telescopes", "lunar landers"),
    "Travel": ("night trains", "rail passes", "budget airlines"),
    "Cooking": ("sourdough baking", "fermentation", "spice blends"),
}


@pytest.fixture
def templated_catalogue(db, _encodings_reused, mf_settings):
    """{article: its topic name} for the nine templated articles, embedded, nobody reading."""
    topic_of = {}
    for name, subjects in SUBJECTS.items():
        topic = TopicFactory(name=name, slug=name.lower())
        for subject, (title, summary) in zip(subjects, TEMPLATES, strict=True):
            fill = {"subject": subject, "Subject": subject[0].upper() + subject[1:]}
            article = ArticleFactory(
                title=title.format(**fill), summary=summary.format(**fill), topics=[topic]
            )
            topic_of[article] = name
    articles_embed()
    return topic_of


def test_a_shared_title_template_does_not_outrank_a_shared_subject(templated_catalogue):
    # given: the text alone puts another topic's template twin first
    by_title = {article.title: article for article in templated_catalogue}
    radio = by_title["The hidden costs of radio astronomy"]
    by_text = max(
        similar_articles(article_id=radio.pk, n=8), key=lambda similar: similar.text_score
    )
    assert by_text.article["title"] == "The hidden costs of night trains"

    # when
    firsts = {
        article: similar_articles(article_id=article.pk, n=1)[0] for article in templated_catalogue
    }

    # then: every article's most similar one is about the same topic
    assert {
        article.title: [topic["name"] for topic in first.article["topics"]]
        for article, first in firsts.items()
    } == {article.title: [topic] for article, topic in templated_catalogue.items()}
    assert all(first.topic_score == 1.0 for first in firsts.values())


def test_unpublished_articles_are_neither_found_nor_listed(text_clusters, api_client):
    # given
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    archived = text_clusters.a[1]
    archived.status = Article.Status.ARCHIVED
    archived.save()

    # when
    missing = api_client.get(similar_url(draft.pk))
    listed = api_client.get(similar_url(text_clusters.a[0].pk, n=50))

    # then
    assert missing.status_code == 404
    result_ids = {item["article"]["id"] for item in listed.json()["results"]}
    assert archived.pk not in result_ids
    assert draft.pk not in result_ids
    assert len(result_ids) == 38  # 40 articles, minus itself and the archived one


def test_bad_n_is_a_400_with_a_field_message(text_clusters, api_client):
    # when
    response = api_client.get(similar_url(text_clusters.a[0].pk, n="many"))

    # then
    assert response.status_code == 400
    assert "n" in str(response.json())


def test_article_page_shows_more_like_this(text_clusters, client):
    # given
    article = text_clusters.b[0]

    # when
    response = client.get(article.get_absolute_url())

    # then
    assert response.status_code == 200
    neighbours = response.context["more_like_this"]
    assert len(neighbours) == 5
    assert {item.article["id"] for item in neighbours} <= {a.pk for a in text_clusters.b[1:]}
    assert "More like this" in response.content.decode()
    assert neighbours[0].article["title"] in response.content.decode()


def test_article_page_without_embeddings_has_no_more_like_this_block(db, client):
    # given
    article = ArticleFactory()

    # when
    response = client.get(article.get_absolute_url())

    # then
    assert response.status_code == 200
    assert response.context["more_like_this"] == []
    assert "More like this" not in response.content.decode()
