"""The E-Akte work area in real Chromium: queue, case page, due list pass axe-core (WCAG 2.1 AA) on a wide
screen and at 320 CSS pixels without sideways scrolling; a caseworker claims a case and writes a note without
JavaScript-only controls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import services
from rathaus.records.journal import Actor
from rathaus.records.models import Case, Document, FilePlanUnit
from rathaus.tenants.tests.factories import OrgUnitFactory
from rathaus.tenants.tests.world import pdf_with

from .test_applications_browser import Axe, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Anything that makes the page wider than the viewport, outside a scroll container that itself fits.
OVERFLOW_JS = """() => {
    const vw = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > vw + 0.5) {
        return [...document.querySelectorAll("body *")].filter(el => {
            const r = el.getBoundingClientRect();
            return r.right > vw + 0.5 && !el.closest(".kern-table-responsive");
        }).slice(0, 5).map(el => el.tagName.toLowerCase() + "." + [...el.classList].join("."));
    }
    return [];
}"""


@pytest.fixture
def work_area(portal: dict[str, Any]) -> dict[str, Any]:
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    system = Actor.system()
    cases = []
    for i, subject in enumerate(("Hundesteuer Bello – Erika Mustermann-Langname-Doppelname", "Hundesteuer Rex")):
        case_file = services.open_file(
            tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject=subject, party=None, actor=system
        )
        cases.append(
            services.open_case(
                case_file=case_file,
                subject=subject,
                owner_unit=unit,
                actor=system,
                due_on=timezone.localdate() + dt.timedelta(days=i - 2),
            )
        )
    services.add_document(
        case=cases[0], kind=Document.Kind.INCOMING, title="Impfpass", name="impfpass.pdf",
        content_type="application/pdf", data=pdf_with("Impfpass"), actor=system,
    )  # fmt: skip
    user = StaffFactory(tenant=tenant, roles=[], first_name="Anna", last_name="Amt")
    StaffRole.objects.create(tenant=tenant, user=user, org_unit=unit, role="caseworker")
    return {**portal, "unit": unit, "cases": cases, "user": user}


def overflow(page: Page) -> list[str]:
    return list(page.evaluate(OVERFLOW_JS))


@pytest.mark.parametrize("width", [1280, 320])
def test_the_work_area_passes_axe_and_reflows(
    new_page: Callable[..., Page], work_area: dict[str, Any], width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, work_area["user"])
    case = work_area["cases"][0]
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    for path in (
        "/intern/akten/",
        "/intern/akten/?bereich=meine",
        "/intern/akten/?ueberfaellig=1&status=alle&sortierung=aktenzeichen",
        "/intern/akten/?suche=%00",
        "/intern/akten/fristen/",
        f"/intern/akten/vorgang/{case.uuid}/",
    ):
        if "%00" in path:
            response = page.goto(path)
            assert response is not None and response.status == 422
            axe.check()
        else:
            axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide


def test_a_caseworker_claims_a_case_and_writes_a_note(new_page: Callable[..., Page], work_area: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)  # everything works without JavaScript
    sign_in_staff(page, work_area["user"])
    page.goto("/intern/akten/")
    expect(
        page.get_by_role("navigation", name="Hauptnavigation").first.get_by_role("link", name="Akten")
    ).to_be_visible()
    case = work_area["cases"][0]
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    page.get_by_role("button", name="Vorgang übernehmen").click()
    expect(page.get_by_text("Sie bearbeiten diesen Vorgang jetzt.")).to_be_visible()
    page.get_by_label("Vermerk", exact=True).fill("Telefonat mit der Halterin: Impfpass folgt.")
    page.get_by_role("button", name="Vermerk speichern").click()
    expect(page.get_by_text("Der Vermerk ist zur Akte genommen.")).to_be_visible()
    case.refresh_from_db()
    assert case.assignee_id == work_area["user"].pk
    assert Document.objects.for_tenant(case.tenant_id).filter(case=case, kind=Document.Kind.NOTE).exists()
    page.goto("/intern/akten/?bereich=meine")
    expect(page.get_by_role("link", name=case.reference)).to_be_visible()
    assert Case.objects.for_tenant(case.tenant_id).filter(assignee=work_area["user"]).count() == 1
