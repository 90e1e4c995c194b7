"""Real headless Chromium (Debian's package, never Playwright's download) against pytest-django's live server.

``tests/`` and ``tests/browser/`` are packages so that this file is imported as ``tests.browser.conftest``
and does not replace the root ``conftest`` module other tests import ``require_tool`` from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import require_tool
from rathaus.catalog.tests.factories import FeeFactory, LifeSituationFactory, ServiceFactory
from rathaus.identity.tests.factories import CitizenFactory
from rathaus.tenants.tests.factories import MunicipalityFactory

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the ORM calls the
# tests make to build their data.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = require_tool("chromium")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def portal(live_server: Any) -> dict[str, Any]:
    """A municipality served on ``localhost`` (the live server's host) with a small catalogue."""
    tenant = MunicipalityFactory(slug="musterstadt", name="Stadt Musterstadt", host="localhost")
    umzug = LifeSituationFactory(tenant=tenant, slug="umzug", name="Umzug")
    perso = ServiceFactory(
        tenant=tenant, slug="personalausweis", name="Personalausweis beantragen", keywords=["Perso", "Ausweis"],
        short_description="Den Personalausweis beantragen oder verlängern.", trust_level="substantial",
        channels=["online", "on_site"], is_top=True,
    )  # fmt: skip
    FeeFactory(service=perso, label="ab 24 Jahre", amount_min="37.00", amount_max="37.00", legal_basis="PAuswGebV")
    wohnsitz = ServiceFactory(
        tenant=tenant, slug="wohnsitz-anmelden", name="Wohnsitz anmelden", keywords=["Ummeldung"], is_top=True,
        required_documents=["Wohnungsgeberbestätigung"], processing_time="sofort", trust_level="low",
    )  # fmt: skip
    wohnsitz.life_situations.add(umzug)
    citizen = CitizenFactory(tenant=tenant, email="erika@example.org")
    return {"tenant": tenant, "perso": perso, "wohnsitz": wohnsitz, "umzug": umzug, "citizen": citizen}


@pytest.fixture
def new_page(chromium: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (own cookies); keyword arguments go to ``Browser.new_context``."""
    contexts = []

    def make(**options: Any) -> Page:
        options = {"base_url": live_server.url, "locale": "de-DE", **options}
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; the page's context must bypass CSP."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => r.violations)", WCAG_TAGS
    )
    return list(result)


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{len(violations)} axe violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary']}".replace("\n", " "))
    return "\n".join(lines)
