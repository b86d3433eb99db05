"""The reader site in Simplified Chinese: the language follows the browser or the switcher, no
English is left on any page, explanations are rendered in the reader's language from their
evidence, and search finds Chinese text (one- and two-character queries too)."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from articles.models import Article
from articles.search import search_articles
from articles.search_cjk import search_terms
from recommender.explaining.explanations import recommendations_with_explanations
from recommender.ml import sentences
from tests.factories import ArticleFactory, ModelVersionFactory, TopicFactory

from .zh_walk import english_words, reader_pages, visible_text, zh_catalogue, zh_reader

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9,en;q=0.5"}


@pytest.mark.django_db
def test_every_reader_page_in_chinese_has_no_english_word(client):
    # given the Chinese catalogue, an anonymous visitor and a signed-in reader
    zh_catalogue()
    reader = zh_reader()
    untranslated = {}
    for signed_in in (False, True):
        if signed_in:
            client.force_login(reader)
        # when each page is opened by a browser that prefers Chinese
        for path in reader_pages(signed_in=signed_in, user=reader):
            response = client.get(path, follow=True, **ZH)
            assert response.status_code in (200, 404), path
            words = english_words(visible_text(response.content.decode()))
            if words:
                untranslated[(signed_in, path)] = sorted(words)

    # then no English word is left on any of them
    assert untranslated == {}


@pytest.mark.django_db
def test_the_walk_would_catch_an_english_page(client):
    # given the same check on a page in English (no Accept-Language)
    words = english_words(visible_text(client.get(reverse("latest")).content.decode()))

    assert {"Latest", "Search", "Topics"} <= words


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "expected"), [("zh-CN,zh;q=0.9", "最新"), ("en-GB,en;q=0.8", "Latest")]
)
def test_the_browser_language_is_respected(client, header, expected):
    response = client.get(reverse("latest"), HTTP_ACCEPT_LANGUAGE=header)

    assert f"<h1>{expected}</h1>" in response.content.decode()


@pytest.mark.django_db
def test_the_switcher_keeps_the_chosen_language_over_the_browsers(client):
    # given a browser that prefers English, switched to Chinese
    response = client.post(
        reverse("set_language"), {"language": "zh-hans", "next": reverse("latest")}
    )

    # when the next page is opened
    page = client.get(response.url, HTTP_ACCEPT_LANGUAGE="en")

    # then it is in Chinese, with the switcher showing the choice
    assert response.url == reverse("latest")
    html = page.content.decode()
    assert '<html lang="zh-hans">' in html
    assert '<option value="zh-hans" lang="zh-hans" selected>简体中文</option>' in html


EVIDENCE = {
    sentences.BECAUSE_YOU_READ: {"articles": [1, 2, 3], "event": "bookmark", "topic": "space"},
    sentences.SIMILAR_TEXT: {"articles": [1]},
    sentences.TOPIC_MATCH: {"topic": "space", "count": 3},
    sentences.CO_READERS: {"articles": [1], "count": 4},
    sentences.TRENDING: {"count": 5, "days": 7},
    sentences.NEW: {"within": 50},
    sentences.EDITORIAL: {"topic": "space", "note": "本周专题"},
}
ZH_SENTENCES = {
    sentences.BECAUSE_YOU_READ: "因为你收藏了《星空》，以及另外 2 篇关于太空的文章",
    sentences.SIMILAR_TEXT: "与你读过的《星空》主题相近",
    sentences.TOPIC_MATCH: "关于太空，和你读过的 3 篇文章一样",
    sentences.CO_READERS: "读过《星空》的 4 位读者也读了这篇",
    sentences.TRENDING: "热门：最近 7 天内有 5 位读者打开过它",
    sentences.NEW: "最新：在最近发布的 50 篇文章之中",
    sentences.EDITORIAL: "编辑正在推荐太空：本周专题",
}


@pytest.mark.parametrize("style", list(EVIDENCE))
def test_every_explanation_style_is_rendered_in_chinese(style):
    names = {"titles": {"1": "星空"}, "topic_names": {"space": "太空"}}
    with translation.override("zh-hans"):
        text = sentences.render(style, EVIDENCE[style], **names, translation=translation)
    english = sentences.render(style, EVIDENCE[style], **names)

    assert text == ZH_SENTENCES[style]
    assert english.startswith(("Because", "Close", "On ", "4 readers", "Trending", "New", "Edit"))


@pytest.mark.django_db
def test_explanations_are_stored_once_and_shown_in_each_readers_language(client, api_client):
    # given a reader of the Chinese catalogue shown their cold-start recommendations
    zh_catalogue()
    reader = zh_reader()
    shown = recommendations_with_explanations(user=reader, n=3)
    stored = [item.explanation for item in shown.items]

    # when the API is asked in Chinese, then in English
    api_client.force_authenticate(reader)
    zh = api_client.get("/api/recommendations/?n=3", **ZH).json()
    en = api_client.get("/api/recommendations/?n=3", HTTP_ACCEPT_LANGUAGE="en").json()

    # then the evidence and the stored English text are the same, the display text differs
    zh_explanations = [item["explanation"] for item in zh["results"]]
    en_explanations = [item["explanation"] for item in en["results"]]
    assert [e["text"] for e in zh_explanations] == [e["text"] for e in stored]
    assert [e["display_text"] for e in en_explanations] == [e["text"] for e in stored]
    assert all(e["display_text"] != e["text"] for e in zh_explanations)
    assert all(not english_words(e["display_text"]) for e in zh_explanations)
    assert [e["evidence"] for e in zh_explanations] == [e["evidence"] for e in en_explanations]


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("云", ["云"]),
        ("太空", ["太空"]),
        ("机器学习", ["机器", "器学", "学习"]),
        ("学习 GPU", ["学习", "GPU"]),
        ("学习学习", ["学习", "习学"]),
    ],
)
def test_chinese_queries_become_bigram_terms(query, terms):
    assert search_terms(query) == terms


@pytest.fixture
def chinese_articles(db):
    space = TopicFactory(name="太空", slug="space")
    return {
        "rockets": ArticleFactory(title="可回收火箭的未来", summary="火箭降低了发射成本。"),
        "telescope": ArticleFactory(
            title="射电望远镜", summary="观测太空的新方法。", topics=[space]
        ),
        "learning": ArticleFactory(title="机器学习入门", body="从数据中学习的模型。"),
        "cloud": ArticleFactory(title="云与天气", summary="气候与降雨。"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("云", ["cloud"]),  # one character
        ("火箭", ["rockets"]),  # two characters
        ("太空", ["telescope"]),  # in the summary only
        ("学习", ["learning"]),  # in the title and the body
        ("机器学习", ["learning"]),  # a word of four characters: all three bigrams
        ("学机器", []),  # bigrams that are not all there
    ],
)
def test_chinese_search_finds_one_and_two_character_queries(chinese_articles, query, expected):
    found = list(search_articles(query))

    assert found == [chinese_articles[name] for name in expected]


@pytest.mark.django_db
def test_chinese_search_ranks_title_matches_first(chinese_articles):
    also_in_body = ArticleFactory(title="天气预报", body="关于火箭发射的天气。")

    found = list(search_articles("火箭"))

    assert found == [chinese_articles["rockets"], also_in_body]


@pytest.mark.django_db
def test_the_search_page_finds_chinese_articles(client, chinese_articles):
    response = client.get(reverse("search"), {"q": "火箭"}, **ZH)

    assert response.context["page"].paginator.count == 1
    assert "“火箭”共有 1 条结果。" in response.content.decode()
    assert Article.objects.count() == 4


@pytest.mark.django_db
def test_on_postgresql_chinese_search_is_served_by_trigram_indexes(chinese_articles):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL=postgres://...")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM articles_article WHERE title LIKE '%%机器学习%%'")
        plan = " ".join(row[0] for row in cursor.fetchall())

    assert "articles_article_title_trgm" in plan
    assert [a.pk for a in search_articles("机器学习")] == [chinese_articles["learning"].pk]


@pytest.mark.django_db
def test_the_admins_own_labels_are_in_chinese(client, editor):
    ModelVersionFactory()
    ArticleFactory(title="星空")
    client.force_login(editor)

    index = client.get(reverse("admin:index"), **ZH).content.decode()
    versions = client.get(reverse("admin:recommender_modelversion_changelist"), **ZH)
    dashboard = client.get(reverse("admin:recommender_dashboard"), **ZH).content.decode()
    articles = client.get(reverse("admin:articles_article_changelist"), **ZH).content.decode()

    assert {"recsite 编辑后台", "文章与行为", "推荐", "模型版本", "推荐理由"} <= _present(index)
    assert {"启用所选版本", "训练秒数", "状态"} <= _present(versions.content.decode())
    assert {"推荐仪表盘", "每日互动数", "各推荐理由风格的认可度", "因为你读过"} <= _present(
        dashboard
    )
    assert {"发布所选文章", "标题", "发布时间"} <= _present(articles)


def _present(html: str) -> set[str]:
    """Which of the Chinese labels the tests look for are in ``html``."""
    labels = {
        "recsite 编辑后台", "文章与行为", "推荐", "模型版本", "推荐理由", "启用所选版本",
        "训练秒数", "状态", "推荐仪表盘", "每日互动数", "各推荐理由风格的认可度", "因为你读过",
        "发布所选文章", "标题", "发布时间",
    }  # fmt: skip
    return {label for label in labels if label in html}


@pytest.mark.django_db
def test_api_errors_follow_the_requests_language(api_client, reader):
    article = ArticleFactory()
    api_client.force_authenticate(reader)
    body = {"article": article.pk, "event": "rating"}

    chinese = api_client.post("/api/interactions/", body, format="json", **ZH)
    english = api_client.post("/api/interactions/", body, format="json")

    assert chinese.status_code == english.status_code == 400
    assert chinese.json()["value"] == ["评分需要一个数值。"]
    assert english.json()["value"] == ["A rating needs a value."]
