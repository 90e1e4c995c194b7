"""The Aussonderung pages and the dashboard tile in real Chromium: axe-core (WCAG 2.1 AA) on a wide screen and
at 320 CSS pixels without sideways scrolling; closing a file and setting a legal hold work without JavaScript."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import retention, services
from rathaus.records.journal import Actor
from rathaus.records.models import CaseFile, FilePlanUnit
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff
from .test_records_browser import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_AGO = timezone.now() - dt.timedelta(days=365 * 12)


@pytest.fixture
def registry(portal: dict[str, Any]) -> dict[str, Any]:
    """A records manager, a unit lead, an open file, a held one and a run offered to the archive."""
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    system = Actor.system()
    files = {}
    for code, disposal, subject in (
        ("32.10.01", "A", "Bauakte Mühlweg 3 – Erika Mustermann-Langname-Doppelname"),
        ("32.10.02", "V", "Hundesteuer Bello"),
        ("32.10.03", "V", "Streitsache Gartenzaun"),
        ("32.10.04", "B", "Gewerbeanmeldung Bäckerei"),
    ):
        plan = FilePlanUnit.objects.create(
            tenant=tenant, code=code, title=f"Plan {code}", retention_years=10, disposal=disposal
        )
        f = services.open_file(
            tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject=subject, party=None, actor=system
        )
        services.open_case(case_file=f, subject=subject, owner_unit=unit, actor=system)
        files[code] = f
    for code in ("32.10.01", "32.10.02", "32.10.03"):
        files[code] = retention.close_file(case_file=files[code], actor=system, at=LONG_AGO)
    files["32.10.03"] = retention.set_legal_hold(
        case_file=files["32.10.03"], hold=True, reason="Klage VG Musterstadt 1 K 2/26", actor=system
    )
    manager = StaffFactory(tenant=tenant, roles=[], first_name="Rita", last_name="Registratur")
    StaffRole.objects.create(tenant=tenant, user=manager, org_unit=unit, role="tenant_admin")
    lead = StaffFactory(tenant=tenant, roles=[], email="leitung@example.org")
    StaffRole.objects.create(tenant=tenant, user=lead, org_unit=unit, role="unit_lead")
    run = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    retention.approve_run(run=run, user=lead)
    run.refresh_from_db()
    retention.execute_run(run=run, user=manager)
    run.refresh_from_db()
    draft = retention.create_run(tenant=tenant, user=manager, cutoff=timezone.localdate())
    return {**portal, "unit": unit, "files": files, "manager": manager, "run": run, "draft": draft}


@pytest.mark.parametrize("width", [1280, 320])
def test_every_aussonderung_page_passes_axe_and_reflows(
    new_page: Callable[..., Page], registry: dict[str, Any], width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, registry["manager"])
    files, run = registry["files"], registry["run"]
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    for path in (
        "/intern/",
        "/intern/aussonderung/",
        "/intern/aussonderung/akten/",
        "/intern/aussonderung/akten/?sperre=1&status=closed&q=32",
        f"/intern/aussonderung/akte/{files['32.10.04'].uuid}/",  # open: close and hold forms
        f"/intern/aussonderung/akte/{files['32.10.03'].uuid}/",  # held: the lift form
        f"/intern/aussonderung/{run.uuid}/",  # offered: the upload of the archive's answer
        f"/intern/aussonderung/{registry['draft'].uuid}/",  # draft: approve
        "/intern/aussonderung/auskunft/",
    ):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    # A refused hold (a reason of blanks passes the browser's "required") shows its error on a 422 page.
    page.goto(f"/intern/aussonderung/akte/{files['32.10.04'].uuid}/")
    page.get_by_label("Grund der Löschsperre").fill("   ")
    page.get_by_role("button", name="Löschsperre setzen").click()
    expect(page.get_by_role("alert")).to_contain_text("Bitte geben Sie einen Grund an.")
    axe.check()
    if overflow(page):
        wide["refused hold"] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide


def test_the_records_manager_holds_and_closes_a_file_without_javascript(
    new_page: Callable[..., Page], registry: dict[str, Any]
) -> None:
    page = new_page(java_script_enabled=False)
    sign_in_staff(page, registry["manager"])
    target = registry["files"]["32.10.04"]
    page.goto("/intern/aussonderung/")
    page.get_by_role("link", name="Akten schließen, Löschsperren setzen und aufheben").click()
    page.get_by_role("link", name=target.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(target.reference)
    page.get_by_label("Grund der Löschsperre").fill("Auskunftsersuchen der Staatsanwaltschaft")
    page.get_by_role("button", name="Löschsperre setzen").click()
    expect(page.get_by_text("Die Löschsperre ist gesetzt.")).to_be_visible()
    page.get_by_role("button", name="Akte schließen (zdA)").click()
    expect(page.get_by_text("Die Akte ist geschlossen (zdA)")).to_be_visible()
    target.refresh_from_db()
    assert target.status == CaseFile.Status.CLOSED and target.legal_hold
    assert target.legal_hold_reason == "Auskunftsersuchen der Staatsanwaltschaft"
    expect(page.get_by_role("button", name="Akte schließen (zdA)")).to_have_count(0)
    page.get_by_label("Grund für das Aufheben der Löschsperre").fill("Ersuchen erledigt")
    page.get_by_role("button", name="Löschsperre aufheben").click()
    expect(page.get_by_text("Die Löschsperre ist aufgehoben.")).to_be_visible()
    target.refresh_from_db()
    assert not target.legal_hold
