"""End to end in a real browser: sign up, open an article, like it with the script, find it on
the "me" page, and take a screenshot of the home page."""

import re

import pytest

from articles.models import Interaction
from tests.factories import ArticleFactory, InteractionFactory, TopicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase"


@pytest.fixture
def catalogue():
    """A handful of articles in two topics, some of them read this week (for trending)."""
    networks = TopicFactory(name="Networks", slug="networks")
    learning = TopicFactory(name="Machine learning", slug="machine-learning")
    articles = [
        ArticleFactory(
            title="Exploring complex networks",
            slug="complex-networks",
            summary="How small-world and scale-free graphs show up in biology and the web.",
            body="Networks are everywhere.\n\nThis article surveys what we know.",
            topics=[networks],
        ),
        ArticleFactory(
            title="Matrix factorisation for recommendations",
            summary="Latent factors from implicit feedback, explained with worked examples.",
            topics=[learning],
        ),
        ArticleFactory(
            title="Why explanations make recommendations trustworthy",
            summary="Readers accept suggestions more often when they can see the reason.",
            topics=[learning, networks],
        ),
    ]
    somebody = UserFactory(username="somebody")
    InteractionFactory.create_batch(3, user=somebody, article=articles[1])
    InteractionFactory(user=somebody, article=articles[0])
    return articles


def test_reader_signs_up_likes_an_article_and_finds_it_on_their_page(
    live_server, browser_page, catalogue, screenshot
):
    page = browser_page
    # given a visitor who signs up
    page.goto(f"{live_server.url}/signup/")
    page.fill("#id_username", "carol")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Welcome, carol!" in page.inner_text(".messages")

    # when she opens an article from the home page and likes it (through site.js, no reload)
    page.click("text=Exploring complex networks")
    # (from the For-you row the link carries ?rec=<impression id>, to count the click)
    article_url = re.compile(
        re.escape(f"{live_server.url}/articles/complex-networks/") + r"(\?rec=\d+)?$"
    )
    page.wait_for_url(article_url)
    like = page.locator("button.action-like")
    with page.expect_response(
        lambda r: (
            r.url.endswith("/articles/complex-networks/like/")
            and r.request.resource_type == "fetch"
        )
    ) as liked:
        like.click()
    assert liked.value.json()["ok"] is True
    page.wait_for_selector('button.action-like[aria-pressed="true"]')
    assert like.inner_text().endswith("Liked")
    assert article_url.match(page.url)

    # then the view and the like are recorded, and the article is on her page as liked
    assert sorted(
        Interaction.objects.filter(user__username="carol").values_list("event", flat=True)
    ) == ["like", "view"]
    page.click("nav.nav-account >> text=Me")
    page.wait_for_url(f"{live_server.url}/me/")
    first_row = page.locator("table.history tbody tr").first
    assert "Exploring complex networks" in first_row.inner_text()
    assert "Like" in first_row.inner_text()

    # and a screenshot of her home page is saved
    page.goto(f"{live_server.url}/")
    saved = screenshot("home-signed-up")
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert saved.stat().st_size > 20_000
