"""axe-core on the reader's main pages, at a desktop and a phone width: no serious or critical
violation (issue 14). The home page (the For-you feed) is kept as a screenshot at both."""

import pytest

from articles.models import Interaction
from tests.browser import at_both_widths, log_in
from tests.factories import InteractionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@at_both_widths
def test_the_readers_pages_have_no_serious_accessibility_violation(
    live_server,
    browser_page,
    axe_violations,
    screenshot,
    mf_version,
    clusters,
    reader,
    deferred_work,  # as in `make demo`: a search's embedding is not computed inside its page
):
    page = browser_page
    read = clusters.a[:3]
    for article in read:
        InteractionFactory(user=reader, article=article, event=Interaction.Event.READ)
    # given a reader with a history, logged in (so the For-you feed and "me" have content)
    log_in(page, live_server.url, reader)
    assert page.locator(".for-you .card").count() > 0
    screenshot("home-feed")
    pages = {
        "home": "/",
        "article": f"/articles/{read[0].slug}/",
        "me": "/me/",
        "search": f"/search/?q={read[0].title.split()[0]}",
    }

    # when axe-core checks each page
    found = {}
    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        found[name] = axe_violations(page)

    # then none has a serious or critical violation
    assert found == {name: [] for name in pages}
