"""Content in two languages, Leichte Sprache, Gebärdensprache and Markdown legal pages in real Chromium:
axe-core (WCAG 2.1 AA, which includes 3.1.2 language of parts) on every new page, German and English."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.catalog.tests.factories import ServiceFactory

from .conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCESSIBILITY = """Das Portal ist **teilweise vereinbar**.

## Nicht barrierefreie Inhalte

1. Das Video in Gebärdensprache fehlt noch.

## Feedback

- E-Mail: <barrierefrei@musterstadt.de>
- [Ombudsstelle](https://www.lbbp.nrw.de/ombudsstelle)
"""


@pytest.fixture
def content(portal: dict[str, Any]) -> dict[str, Any]:
    tenant = portal["tenant"]
    tenant.accessibility = ACCESSIBILITY
    tenant.legal_translations = {"en": {"accessibility": "## Feedback\n\nWrite to <barrierefrei@musterstadt.de>."}}
    tenant.save()
    dog = ServiceFactory(
        tenant=tenant, slug="hund-anmelden", name="Hund anmelden", is_top=True,
        short_description="Melden Sie Ihren Hund an.", description="Wer einen Hund hält, zahlt Hundesteuer.",
        translations={"en": {"name": "Register a dog", "short_description": "Register your dog."}},
        easy_language="Sie haben einen **Hund**?\n\n- Melden Sie den Hund an.",
    )  # fmt: skip
    return {**portal, "dog": dog}


def _switch_to_english(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="English").first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_new_pages_pass_axe_in_german_and_english(new_page: Callable[..., Page], content: dict[str, Any]) -> None:
    page = new_page(bypass_csp=True)
    page.goto("/", timeout=60_000)  # the first request of a live server loads the URL modules (slow on a busy machine)
    report: list[str] = []
    paths = ("/", "/leichte-sprache/", "/gebaerdensprache/", "/leistungen/hund-anmelden/", "/barrierefreiheit/",
             "/suche/?q=dog")  # fmt: skip
    for english in (False, True):
        if english:
            _switch_to_english(page)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            violations = axe_violations(page)
            if violations:
                report.append(describe_violations(f"{page.url} ({'en' if english else 'de'})", violations))
    assert not report, "\n".join(report)


def test_english_citizen_finds_the_dog_service_and_sees_german_parts_marked(
    page: Page, content: dict[str, Any]
) -> None:
    _switch_to_english(page)
    page.goto("/suche/?q=dog")
    page.get_by_role("link", name="Register a dog").click()
    expect(page).to_have_url(re.compile("/leistungen/hund-anmelden/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a dog")
    expect(page.locator("[lang=de]", has_text="Wer einen Hund hält")).to_have_count(1)
    easy = page.locator("section#leichte-sprache, section:has(#leichte-sprache)").first
    expect(easy).to_have_attribute("lang", "de")


def test_start_page_leads_to_leichte_sprache_and_gebaerdensprache(page: Page, content: dict[str, Any]) -> None:
    page.goto("/")
    page.get_by_role("link", name="Leichte Sprache").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leichte Sprache")
    page.get_by_role("link", name="Hund anmelden").click()
    expect(page).to_have_url(re.compile("/leistungen/hund-anmelden/#leichte-sprache$"))
    page.goto("/")
    page.get_by_role("link", name="Gebärdensprache").click()
    expect(page.get_by_text("Das Video in Gebärdensprache ist noch nicht fertig.")).to_be_visible()


def test_accessibility_statement_is_structured(page: Page, content: dict[str, Any]) -> None:
    page.goto("/barrierefreiheit/")
    expect(page.get_by_role("heading", level=2, name="Feedback")).to_be_visible()
    expect(page.get_by_role("link", name="Ombudsstelle")).to_have_attribute(
        "href", "https://www.lbbp.nrw.de/ombudsstelle"
    )
    expect(page.locator("main ol > li")).to_have_count(1)
