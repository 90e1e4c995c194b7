"""The live figures dashboard in real Chromium: it passes axe-core (WCAG 2.1 AA) on a wide screen and at 320 CSS
pixels without sideways scrolling, and its filter works without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.steering.backfill import backfill
from rathaus.steering.tests.factories import staff_with
from rathaus.steering.tests.test_figures import at, decided, paid, submitted
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff
from .test_records_browser import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def figures(portal: dict[str, Any]) -> dict[str, Any]:
    tenant, key = portal["tenant"], portal["wohnsitz"].leika_key
    central = OrgUnitFactory(tenant=tenant, key="FB10", name="Zentrale Dienste")
    digi = staff_with(tenant, "digitalisation", central, first_name="David", last_name="Digital")
    for n, (month, days) in enumerate([(1, 2), (1, 10), (2, 4), (5, 30)]):
        submitted(tenant, f"F-{n}", key, at(month, 1))
        decided(tenant, f"F-{n}", at(month, 1 + days) if days < 28 else at(month + 1, 1))
    submitted(tenant, "F-9", key, at(6, 3))
    paid(tenant, "F-1", "12.50", at(1, 2))
    # Here (transaction=True) each event was delivered at its commit, before the helpers dated it back to 2025:
    # the facts are rebuilt from the stored, dated events, as ``rathaus steering_backfill`` does.
    backfill(tenant.pk)
    return {**portal, "digi": digi}


@pytest.mark.parametrize("width", [1280, 320])
def test_the_dashboard_passes_axe_and_reflows(
    new_page: Callable[..., Page], figures: dict[str, Any], width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, figures["digi"])
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    for path in (
        "/intern/steuerung/kennzahlen/?jahr=2025",
        "/intern/steuerung/kennzahlen/?jahr=2025&art=monat",
        f"/intern/steuerung/kennzahlen/?jahr=2025&art=halbjahr&leistung={figures['wohnsitz'].leika_key}",
    ):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide


def test_the_filter_works_without_javascript(new_page: Callable[..., Page], figures: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_staff(page, figures["digi"])
    page.goto("/intern/steuerung/kennzahlen/")
    page.get_by_label("Jahr", exact=True).fill("2025")
    page.get_by_label("Zeitraum", exact=True).select_option("halbjahr")
    page.get_by_label("Leistung", exact=True).select_option(figures["wohnsitz"].leika_key)
    page.get_by_role("button", name="Anzeigen").click()
    row = page.get_by_role("row", name="1. Halbjahr 2025")
    # 5 submitted, 4 decided after 2, 10, 4 and 31 days (1 May to 1 June): median 7, 90th percentile 31
    expect(row.get_by_role("cell").nth(0)).to_have_text("5")
    expect(row.get_by_role("cell").nth(1)).to_have_text("4")
    expect(row.get_by_role("cell").nth(2)).to_have_text("7,0")
    expect(row.get_by_role("cell").nth(3)).to_have_text("31,0")
    expect(page.get_by_role("img", name="Online-Anträge 2025")).to_be_visible()
