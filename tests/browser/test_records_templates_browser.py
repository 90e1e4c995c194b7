"""Document templates in real Chromium: the records administration's pages pass axe-core (WCAG 2.1 AA) at 1280
and 320 CSS pixels; a template is written and a caseworker files a letter from it, all without JavaScript."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import services
from rathaus.records.journal import Actor
from rathaus.records.models import Document, FilePlanUnit
from rathaus.records.models_templates import DocumentTemplate
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff
from .test_records_browser import overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(portal: dict[str, Any]) -> dict[str, Any]:
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    system = Actor.system()
    case_file = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject="Hundesteuer Bello", party=None, actor=system
    )
    case = services.open_case(case_file=case_file, subject="Hundesteuer Bello", owner_unit=unit, actor=system)
    admin = StaffFactory(tenant=tenant, roles=[], first_name="Rita", last_name="Registratur")
    StaffRole.objects.create(tenant=tenant, user=admin, org_unit=unit, role="tenant_admin")
    worker = StaffFactory(tenant=tenant, roles=[], email="sb@example.org", first_name="Anna", last_name="Amt")
    StaffRole.objects.create(tenant=tenant, user=worker, org_unit=unit, role="caseworker")
    letter = DocumentTemplate.objects.create(
        tenant=tenant, title="Eingangsbestätigung", body="Ihr Vorgang {{ aktenzeichen }} ist eingegangen."
    )
    return {**portal, "case": case, "admin": admin, "worker": worker, "letter": letter}


@pytest.mark.parametrize("width", [1280, 320])
def test_the_template_pages_pass_axe_and_reflow(
    new_page: Callable[..., Page], office: dict[str, Any], width: int
) -> None:
    page = new_page(viewport={"width": width, "height": 800}, bypass_csp=True)
    sign_in_staff(page, office["admin"])
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    for path in ("/intern/akten/vorlagen/", f"/intern/akten/vorlagen/{office['letter'].pk}/"):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    page.goto("/intern/akten/vorlagen/")  # a refused text: the error summary links to the field
    page.get_by_label("Titel", exact=True).fill("Kaputt")
    page.get_by_label("Text", exact=True).fill("{% include 'geheim.html' %}")
    page.get_by_role("button", name="Vorlage speichern").click()
    expect(page.get_by_role("alert")).to_contain_text("Platzhalter")
    axe.check()
    if overflow(page):
        wide["refused"] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide


def test_a_template_is_written_and_a_letter_filed_from_it_without_javascript(
    new_page: Callable[..., Page], office: dict[str, Any]
) -> None:
    admin_page = new_page(java_script_enabled=False)
    sign_in_staff(admin_page, office["admin"])
    admin_page.goto("/intern/akten/vorlagen/")
    admin_page.get_by_label("Titel", exact=True).fill("Nachforderung")
    admin_page.get_by_label("Text", exact=True).fill("Zu {{ aktenzeichen }} fehlt der Impfpass.")
    admin_page.get_by_role("button", name="Vorlage speichern").click()
    expect(admin_page.get_by_text("Die Vorlage »Nachforderung« ist gespeichert.")).to_be_visible()

    page = new_page(java_script_enabled=False)
    sign_in_staff(page, office["worker"])
    case = office["case"]
    page.goto(f"/intern/akten/vorgang/{case.uuid}/")
    page.get_by_label("Vorlage", exact=True).select_option(label="Nachforderung")
    page.get_by_role("button", name="Als PDF erstellen und zur Akte nehmen").click()
    expect(page.get_by_text("Das Schreiben aus der Vorlage ist zur Akte genommen.")).to_be_visible()
    filed = Document.objects.for_tenant(case.tenant_id).get(case=case)
    assert filed.title == "Nachforderung" and filed.versions.get().text == f"Zu {case.reference} fehlt der Impfpass."
    expect(page.get_by_role("link", name="Version 1: nachforderung-")).to_be_visible()
