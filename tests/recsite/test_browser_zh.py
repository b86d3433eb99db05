"""The Chinese interface in a real browser whose language is Chinese: every reader page's
rendered text (the page title and what assistive technology reads out included) holds no English
word, and the language switcher turns the site to English and back. A screenshot of the Chinese
home page is saved under var/screenshots/ (a CI artifact, not committed)."""

import pytest

from tests.browser import SCREENSHOTS, log_in

from .zh_walk import READER_NAME, english_words, reader_pages, zh_catalogue, zh_reader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What a reader sees or hears on the page: its title, its text, and the attributes read out.
SPOKEN_TEXT = """() => [
  document.title,
  document.body.innerText,
  ...[...document.querySelectorAll("[placeholder], [title], [aria-label], [alt]")].map(
    (element) => ["placeholder", "title", "aria-label", "alt"]
      .map((name) => element.getAttribute(name) || "").join(" ")),
].join(" ")"""


@pytest.fixture
def chinese_page(browser_page):
    """The harness's page (tests/browser.py) in a browser that prefers Chinese."""
    browser_page.set_extra_http_headers({"Accept-Language": "zh-CN,zh;q=0.9"})
    # A signed-in search embeds the query; the first one may load the text encoder.
    browser_page.set_default_navigation_timeout(120_000)
    return browser_page


def test_the_chinese_site_has_no_english_and_switches_language(live_server, chinese_page):
    page = chinese_page
    # given the Chinese catalogue and a reader of it
    zh_catalogue()
    reader = zh_reader()

    # when an anonymous visitor walks every page
    untranslated = {}
    for path in reader_pages(signed_in=False):
        page.goto(f"{live_server.url}{path}")
        if words := english_words(page.evaluate(SPOKEN_TEXT)):
            untranslated[("anonymous", path)] = sorted(words)
    # and the reader logs in and walks them again
    log_in(page, live_server.url, reader)
    assert f"欢迎回来，{READER_NAME}。" in page.inner_text(".messages")
    for path in reader_pages(signed_in=True, user=reader):
        page.goto(f"{live_server.url}{path}")
        if words := english_words(page.evaluate(SPOKEN_TEXT)):
            untranslated[("reader", path)] = sorted(words)

    # then no page has an English word left
    assert untranslated == {}

    # and the home page is saved as it looks
    page.goto(f"{live_server.url}/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "zh-home.png"), full_page=True)
    assert page.inner_text("h2#for-you-title") == "为你推荐"

    # when the reader switches to English, the site follows, over the browser's language
    page.select_option("#language-select", "en")
    page.click(".language-switcher button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.inner_text("h2#latest-title").startswith("Latest")
    page.goto(f"{live_server.url}/latest/")
    assert page.inner_text("h1") == "Latest"

    # and back to Chinese
    page.select_option("#language-select", "zh-hans")
    page.click(".language-switcher button[type=submit]")
    page.wait_for_url(f"{live_server.url}/latest/")
    assert page.inner_text("h1") == "最新"
