"""The half-yearly digitalisation report in real Chromium: created, commented and previewed without JavaScript;
its list, edit, preview and issue pages pass axe-core (WCAG 2.1 AA) on a wide screen and at 320 CSS pixels
without sideways scrolling."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.steering.backfill import backfill
from rathaus.steering.models import Report
from rathaus.steering.tests.factories import staff_with
from rathaus.steering.tests.test_figures import at, decided, submitted
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff
from .test_records_browser import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def digi(portal: dict[str, Any]) -> Any:
    tenant, key = portal["tenant"], portal["wohnsitz"].leika_key
    for n, month in enumerate((1, 2, 4)):
        submitted(tenant, f"R-{n}", key, at(month, 1))
        decided(tenant, f"R-{n}", at(month, 5))
    backfill(tenant.pk)  # the events were delivered before they were dated back (see test_steering_figures)
    central = OrgUnitFactory(tenant=tenant, key="FB10", name="Zentrale Dienste")
    return staff_with(tenant, "digitalisation", central, first_name="David", last_name="Digital")


def test_write_a_report_without_javascript(new_page: Callable[..., Page], digi: Any) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_staff(page, digi)
    page.goto("/intern/steuerung/berichte/")
    page.get_by_label("Berichtszeitraum von").fill("2025-01-01")
    page.get_by_label("Berichtszeitraum bis (einschließlich)").fill("2025-06-30")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digitalisierungsbericht 1. Halbjahr 2025 bearbeiten")
    page.get_by_label("Kommentar zu »Nutzung«").fill("Die Nachfrage **steigt**.")
    page.get_by_role("button", name="Kommentar speichern (Nutzung)").click()
    expect(page.get_by_label("Kommentar zu »Nutzung«")).to_have_value("Die Nachfrage **steigt**.")
    page.get_by_role("link", name="Vorschau ansehen").click()
    expect(page.locator("strong", has_text="steigt")).to_be_visible()
    expect(page.get_by_role("img", name="Online-Anträge je Monat, 01.01.2025 – 30.06.2025")).to_be_visible()
    january = page.get_by_role("region", name="Nutzung je Monat").get_by_role("row", name="Jan 2025")
    expect(january.get_by_role("cell").nth(0)).to_have_text("1")  # one online application in January


@pytest.mark.parametrize("width", [1280, 320])
def test_the_report_pages_pass_axe_and_reflow(new_page: Callable[..., Page], digi: Any, width: int) -> None:
    from rathaus.steering import reports

    report = reports.create_report(tenant=digi.tenant, actor=digi, raw={"start": "2025-01-01", "end": "2025-06-30"})
    reports.save_commentary(tenant=digi.tenant, report_uuid=report.uuid, key="zusammenfassung", text="- eins\n- zwei")
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, digi)
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    base = f"/intern/steuerung/berichte/{report.uuid}/"
    for path in ("/intern/steuerung/berichte/", base + "bearbeiten/", base, base + "herausgeben/"):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide
    assert Report.objects.for_tenant(digi.tenant).get().status == Report.Status.DRAFT
