"""End to end in a real browser: a reader gives a thumbs-down to the reason of a For-you card,
says why, and sees the card change in place (site.js), without a page load."""

import pytest

from articles.models import Interaction
from recommender.models import ExplanationFeedback
from tests.factories import TEST_PASSWORD, InteractionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_thumbs_down_a_reason_and_the_card_changes(
    live_server,
    browser_page,
    mf_version,
    clusters,
    reader,
):
    page = browser_page
    for article in clusters.a[:3]:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    # given the reader, logged in, on her home page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", reader.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    card = page.locator(".for-you .card").first
    reason_text = card.locator(".why-text").inner_text()
    assert reason_text

    # when she gives the reason a thumbs-down (sent by site.js), and says it is not relevant
    card.locator("button.thumb-down").click()
    card.locator("form[data-reason-form]").wait_for(state="visible")
    assert card.locator("button.thumb-down").get_attribute("aria-pressed") == "true"
    card.locator("input[value=not_relevant]").check()
    card.locator("form[data-reason-form] button[type=submit]").click()

    # then the card changes in place: dimmed, the reason form gone, a confirmation shown
    page.wait_for_selector(".for-you .card.card-dismissed")
    assert card.locator(".thumbs-status").inner_text() == "Got it: removed from your list."
    assert card.locator("form[data-reason-form]").is_hidden()
    assert page.url == f"{live_server.url}/"
    feedback = ExplanationFeedback.objects.get()
    assert (feedback.vote, feedback.reason) == (-1, "not_relevant")
    assert Interaction.objects.filter(user=reader, event="dislike").count() == 1
