"""End to end in a real browser, at a desktop and a phone width: the For-you feed loads more
cards, each card's buttons work without a page load, no reason shows twice on the page, and a
saved card is on the reader's saved list."""

import pytest

from articles.models import Interaction
from tests.browser import at_both_widths, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _reasons(page) -> list[str]:
    return page.locator(".for-you .card:visible .why-text").all_inner_texts()


@at_both_widths
def test_feed_more_card_buttons_and_saved_list(
    live_server, browser_page, screenshot, mf_version, clusters
):
    page = browser_page
    reader = clusters.readers[0]
    # given the reader on her home page (a marker on the window tells a reload)
    log_in(page, live_server.url, reader)
    page.evaluate("window.notReloaded = true")
    cards = page.locator(".for-you .card")
    assert cards.count() == 6

    # when she asks for more
    page.click("a[data-feed-more]")
    page.wait_for_function("document.querySelectorAll('.for-you .card').length > 6")

    # then more cards came, and no reason is on the page twice
    assert cards.count() == 12
    reasons = _reasons(page)
    assert len(reasons) == len(set(reasons))

    # when she saves the first card, likes the second and is not interested in the third
    titles = [cards.nth(i).locator(".card-title").inner_text() for i in range(3)]
    cards.nth(0).locator("button.action-bookmark").click()
    page.wait_for_selector('.for-you .card >> nth=0 >> button.action-bookmark[aria-pressed="true"]')
    cards.nth(1).locator("button.action-like").click()
    page.wait_for_selector('.for-you .card >> nth=1 >> button.action-like[aria-pressed="true"]')
    cards.nth(2).locator("button.action-dislike").click()
    cards.nth(2).wait_for(state="hidden")

    # then all three are recorded, without a page load
    assert page.evaluate("window.notReloaded") is True
    events = set(Interaction.objects.filter(user=reader).values_list("article__title", "event"))
    assert {(titles[0], "bookmark"), (titles[1], "like"), (titles[2], "dislike")} <= events
    screenshot("feed")

    # and the saved card is on her saved list
    page.goto(f"{live_server.url}/me/")
    assert titles[0] in page.locator("[data-list=saved]").inner_text()
