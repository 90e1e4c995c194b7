"""Decisions in real Chromium without JavaScript: draft from a template, four eyes, seal, then the public seal
check with the sealed PDF — every page passes axe-core (WCAG 2.1 AA)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.attachments import storage
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.records import services
from rathaus.records.journal import Actor
from rathaus.records.models import Decision, DecisionTemplate, DocumentVersion, FilePlanUnit
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(portal: dict[str, Any], settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    plan = FilePlanUnit.objects.create(tenant=tenant, code="32.10.01", title="Hundesteuer", retention_years=6)
    case_file = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject="Hundesteuer Bello", party=None,
        actor=Actor.system(),
    )  # fmt: skip
    case = services.open_case(case_file=case_file, subject="Hundesteuer Bello", owner_unit=unit, actor=Actor.system())
    DecisionTemplate.objects.create(
        tenant=tenant, title="Festsetzung der Hundesteuer", body="Für {{ betreff }} wird die Steuer festgesetzt.",
        remedy_notice="Gegen diesen Bescheid kann innerhalb eines Monats Widerspruch erhoben werden.", four_eyes=True,
    )  # fmt: skip
    author = StaffFactory(tenant=tenant, roles=[], first_name="Anna", last_name="Amt", email="anna@example.org")
    lead = StaffFactory(tenant=tenant, roles=[], first_name="Lena", last_name="Leitung", email="lena@example.org")
    StaffRole.objects.create(tenant=tenant, user=author, org_unit=unit, role="caseworker")
    StaffRole.objects.create(tenant=tenant, user=lead, org_unit=unit, role="unit_lead")
    return {**portal, "case": case, "author": author, "lead": lead}


def test_draft_approve_seal_and_check_the_seal_without_javascript(
    new_page: Callable[..., Page], office: dict[str, Any], tmp_path: Any
) -> None:
    case = office["case"]
    page = new_page(java_script_enabled=False, bypass_csp=True)
    sign_in_staff(page, office["author"])
    scanner = new_page(bypass_csp=True)  # axe-core needs JavaScript; the flow itself runs without
    sign_in_staff(scanner, office["author"])
    axe = Axe(scanner)
    axe.check(f"/intern/bescheide/vorgang/{case.uuid}/neu/")
    page.goto(f"/intern/bescheide/vorgang/{case.uuid}/neu/")
    page.get_by_role("button", name="Entwurf anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{case.reference}-B1")
    axe.check(page.url)
    page.get_by_label("Text", exact=True).fill("Die Hundesteuer für Bello wird auf 96 € im Jahr festgesetzt.")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_role("button", name="Zur Freigabe vorlegen").click()
    expect(page.get_by_text("zur Freigabe vorgelegt")).to_be_visible()
    expect(page.get_by_role("button", name="Freigeben")).to_have_count(0)  # not for the author
    axe.check("/intern/bescheide/")
    axe.check("/intern/bescheide/vorlagen/")

    lead_page = new_page(java_script_enabled=False, bypass_csp=True)
    sign_in_staff(lead_page, office["lead"])
    lead_page.goto("/intern/bescheide/")
    lead_page.get_by_role("link", name=f"{case.reference}-B1").first.click()
    lead_page.get_by_role("button", name="Freigeben").click()
    expect(lead_page.get_by_text("freigegeben", exact=True)).to_be_visible()

    page.reload()
    page.get_by_role("button", name="Siegeln und zustellen").click()
    expect(page.get_by_text("gesiegelt und zugestellt")).to_be_visible()
    axe.check(page.url)
    decision = Decision.objects.for_tenant(case.tenant_id).get(case=case)
    assert decision.status == "sealed"

    pdf = tmp_path / "bescheid.pdf"
    pdf.write_bytes(
        storage.open_blob(DocumentVersion.objects.for_tenant(case.tenant_id).get(document=decision.document).key)
    )
    visitor = new_page(bypass_csp=True)
    check = Axe(visitor)
    check.check("/bescheid-pruefen/")
    visitor.get_by_label("PDF-Datei des Bescheids").set_input_files(str(pdf))
    visitor.get_by_role("button", name="Prüfen").click()
    expect(visitor.get_by_text("Das Siegel ist gültig.")).to_be_visible()
    expect(visitor.get_by_text(decision.reference)).to_be_visible()
    check.check()
    assert not axe.report and not check.report, "\n".join(axe.report + check.report)
