"""The editors' admin in a real browser at 1280 px: the model-version list fits without
sideways scrolling, and the dashboard draws its charts. Screenshots go to var/screenshots/."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.factories import (
    ExplanationFeedbackFactory,
    ModelVersionFactory,
    RecommendationImpressionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = settings.BASE_DIR / "var" / "screenshots"


@pytest.fixture
def signed_in_editor(live_server, browser_page):  # noqa: F811
    """The browser page, signed in as staff with every permission (the session cookie of a
    forced login); what the Editors group may do is tested without a browser. A superuser, since
    transactional tests flush the group the migrations create."""
    editor = UserFactory(username="eve_editor", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(editor)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    browser_page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
    )
    return browser_page


def versions_of_every_kind() -> None:
    """A registry as a few retrains leave it: long notes, every kind's own records."""
    day = timezone.now() - timedelta(days=3)
    for offset in range(3):
        ModelVersionFactory(
            kind="mf",
            status="active" if offset == 2 else "ready",
            activated_at=day + timedelta(days=offset),
            activation_note="Was active 2026-11-28 03:00 – 2026-11-29 03:00, replaced by v5."
            if offset < 2
            else "Activated automatically: validation ndcg@10 0.1234 against 0.1200 of v2 "
            "(tolerance 0.02).",
            params={"factors": 128},
            metrics={"ndcg@10": 0.123456789, "recall@20": 0.2345678912},
            data_counts={"users": 5500, "items": 16980, "interactions": 204987},
            train_seconds=123.456789,
        )
    ModelVersionFactory(
        kind="hybrid",
        params={"mf_version": 3, "pool": 30},
        metrics={"ndcg@10": 0.30111111, "mf_ndcg@10": 0.2871234},
        data_counts={"users": 5500, "items": 16980, "interactions": 204987},
        activation_note="Not activated: not better than MF alone; validation ndcg@10 0.3011 "
        "against 0.2871 of MF v3 alone on the same split (required gain > 0.0).",
    )
    ModelVersionFactory(
        kind="lm",
        params={"n_layer": 2, "n_embd": 128},
        metrics={"recall@20": 0.05123, "perplexity": 421.7777},
        data_counts={"readers": 5500, "articles": 16980, "interactions": 2502, "held_out": 5500},
    )
    ModelVersionFactory(
        kind="encoder",
        params={"encoder": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384},
        data_counts={"articles": 16980},
    )
    ModelVersionFactory(
        status="failed", error="Traceback ...\nRuntimeError: conjugate gradient diverged"
    )


def test_model_versions_fit_1280_px_without_sideways_scrolling(live_server, signed_in_editor):
    page = signed_in_editor
    versions_of_every_kind()

    page.goto(f"{live_server.url}/admin/recommender/modelversion/")

    widths = page.evaluate(
        """() => {
            const results = document.querySelector('#changelist .results');
            const root = document.documentElement;
            return [results.scrollWidth, results.clientWidth, root.scrollWidth, root.clientWidth];
        }"""
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-model-versions.png"), full_page=True)
    assert widths[0] <= widths[1], f"the changelist scrolls sideways: {widths}"
    assert widths[2] <= widths[3], f"the page scrolls sideways: {widths}"
    assert "NDCG@10 0.123 · Recall@20 0.235" in page.inner_text("#result_list")


def test_the_dashboard_renders_its_charts(live_server, signed_in_editor):
    page = signed_in_editor
    ExplanationFeedbackFactory(vote=1)
    RecommendationImpressionFactory(clicked_at=timezone.now())
    RecommendationImpressionFactory()

    page.goto(f"{live_server.url}/admin/")
    page.click("#recommender-dashboard-link a")

    page.wait_for_selector("figure.chart svg")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
    assert page.locator("figure.chart svg").count() == 4
    assert "THUMBS UP" in page.inner_text("#approval-by-style").upper()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
