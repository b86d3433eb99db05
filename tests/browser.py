"""The browser harness (registered in tests/conftest.py): Debian's headless Chromium driven by
Playwright, at a desktop and a phone width, with screenshots and the axe-core accessibility
check.

- ``browser_page``: a fresh page at the ``viewport`` width (desktop unless a test says
  otherwise; ``@at_both_widths`` runs a test at both);
- ``screenshot(name)``: the whole page into ``var/screenshots/<name>-<width>.png`` (kept by CI
  as artifacts, never committed);
- ``axe_violations(page)``: the serious and critical violations axe-core finds on the page;
- ``log_in(page, live_server_url, user)``: through the login form (factory users' password).

Nothing is downloaded at test time: Chromium comes from apt, axe-core from npm (``npm ci``, which
``make test`` and CI run when npm exists); a test skips with the reason when either is absent.
"""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import TEST_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# axe's impact levels that fail a page (minor and moderate ones are left to review).
FAILING_IMPACTS = ("serious", "critical")

at_both_widths = pytest.mark.parametrize("viewport", list(VIEWPORTS))


@pytest.fixture
def viewport() -> str:
    """The name of the width a browser test runs at (a key of VIEWPORTS)."""
    return "desktop"


@pytest.fixture
def browser_page(monkeypatch, viewport):
    """A fresh page of Debian's headless Chromium at the ``viewport`` width; skips when it is
    not installed (a browser is never downloaded)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium); no browser is downloaded")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    # Playwright's sync API runs an asyncio loop in this thread; the test's own ORM calls are
    # still plain synchronous code, so Django's async-safety guard must not refuse them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        phone = viewport == "phone"
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], is_mobile=phone, has_touch=phone
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def screenshot(browser_page, viewport) -> Callable[[str], Path]:
    """Saves the whole page as ``var/screenshots/<name>-<width>.png``; returns the path."""

    def save(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}-{VIEWPORTS[viewport]['width']}.png"
        browser_page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def axe_violations() -> Callable[..., list[dict]]:
    """Runs axe-core on a page; returns its serious and critical violations, each with the
    rule, what it asks and the elements at fault. Skips when axe-core is not installed."""
    if not AXE.exists():
        pytest.skip(f"{AXE} is absent: run `npm ci` (make test does when npm exists)")

    def run(page) -> list[dict]:
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .map(v => ({id: v.id, impact: v.impact, help: v.help,
                            targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}))"""
        )
        return [v for v in violations if v["impact"] in FAILING_IMPACTS]

    return run


def log_in(page, live_server_url: str, user) -> None:
    """Log ``user`` (made by tests.factories, so with TEST_PASSWORD) in through the login form."""
    page.goto(f"{live_server_url}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("form.stacked-form button[type=submit]")
    page.wait_for_url(f"{live_server_url}/")
