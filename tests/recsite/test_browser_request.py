"""In a real browser: a reader types a request in the home page's "Ask" box and gets matching
cards, each explained by the words of the request (issue 12; real encoder, in-process task)."""

from pathlib import Path

import pytest

from articles.models import Article
from recommender.training.embeddings import articles_embed
from tests.factories import ArticleFactory, InteractionFactory, TopicFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-passphrase"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SPACE = [
    "Exoplanet atmospheres observed with space telescopes",
    "Radio telescopes map the Milky Way",
    "Black hole mergers detected by gravitational waves",
]
COOKING = [
    "Easy pasta recipes for weeknights",
    "Slow-cooked tomato sauce with fresh basil",
    "Baking sourdough bread at home",
]


@pytest.fixture
def browser_page(monkeypatch):
    """A fresh page of Debian's headless Chromium; skips when it is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); no browser is downloaded")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        yield page
        browser.close()


@pytest.fixture
def reader_of_space(settings, tmp_path):
    """An embedded catalogue of space and cooking articles and a reader who read one of each."""
    settings.RECSITE_ARTIFACT_DIR = tmp_path / "artifacts"
    space, food = TopicFactory(name="Space", slug="space"), TopicFactory(name="Food", slug="food")
    articles = [ArticleFactory(title=t, topics=[space]) for t in SPACE]
    articles += [ArticleFactory(title=t, topics=[food]) for t in COOKING]
    reader = UserFactory(username="dana")
    reader.set_password(PASSWORD)
    reader.save()
    InteractionFactory(user=reader, article=articles[0], event="read")
    InteractionFactory(user=reader, article=articles[3], event="read")
    articles_embed()
    return reader


def test_reader_asks_in_words_and_sees_matching_explained_cards(
    live_server, browser_page, reader_of_space
):
    page = browser_page
    # given a signed-in reader on the home page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "dana")
    page.fill("#id_password", PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # when she asks for something in the home page's box
    page.fill("form.ask-box input[name=q]", "telescopes and outer space")
    page.click("form.ask-box button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ask/?q=telescopes+and+outer+space")

    # then the first cards are unread space articles, each explained by her words
    titles = page.locator("article.card .card-title").all_inner_texts()
    assert titles[:2] == [SPACE[1], SPACE[2]] or titles[:2] == [SPACE[2], SPACE[1]]
    assert SPACE[0] not in titles and COOKING[0] not in titles
    why = page.locator("article.card .why-text").first.inner_text()
    assert why.startswith("Matches \u201c")
    assert set(titles) <= set(Article.objects.values_list("title", flat=True))
