"""Business accounts in real headless Chromium: the organisation's list and application, the office's view of it,
and the page that explains the business login; axe-core on each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications import services
from rathaus.applications.models import Application, Draft, OnlineApplicants, TargetGroup
from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.formengine import load_demo_form
from rathaus.identity import trust
from rathaus.identity.models import Organisation, OrganisationRepresentative, StaffRole, User
from rathaus.identity.services import ACTING_FOR_SESSION_KEY
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory
from rathaus.tenants.tests.factories import OrgUnitFactory

from .conftest import axe_violations, describe_violations
from .test_applications_browser import ANSWERS, sign_in, sign_in_citizen, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def firm(portal: dict[str, Any]) -> dict[str, Any]:
    tenant = portal["tenant"]
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnungsamt")
    service = ServiceFactory(
        tenant=tenant, slug="hund-anmelden", name="Hund anmelden", org_unit=unit, trust_level="low",
        short_description="Einen Hund zur Hundesteuer anmelden.",
    )  # fmt: skip
    form = services.publish_form(service=service, definition=load_demo_form("hund-anmelden"))
    provider = IdentityProviderFactory(tenant=tenant, slug="muk", name="Mein Unternehmenskonto", plugin="muk")
    org = Organisation.objects.create(
        tenant=tenant, provider=provider, identifier="muk-org-4711", name="Musterbau GmbH", legal_form="GmbH",
        register_number="HRB 12345", street="Industriestraße 5", postal_code="40699", city="Erkrath",
    )  # fmt: skip
    people: dict[str, Any] = {}
    for first in ("Karl", "Erna"):
        people[first] = CitizenFactory(
            tenant=tenant, kind=User.Kind.BUSINESS, first_name=first, last_name="Beispiel",
            email=f"{first.lower()}@musterbau.example",
        )  # fmt: skip
        OrganisationRepresentative.objects.create(tenant=tenant, organisation=org, user=people[first])
    draft = services.start_draft(
        tenant=tenant, service=service, owner=people["Karl"], form_version=form, organisation_id=org.pk
    )
    Draft.objects.for_tenant(tenant).filter(pk=draft.pk).update(answers=ANSWERS)
    application = services.submit(
        draft_uuid=draft.uuid, tenant=tenant, actor=people["Erna"], trust_level="low", organisation_id=org.pk
    )
    services.send_message(application=application, sender=people["Karl"], body="Frage von Karl", from_office=False)
    Application.objects.for_tenant(tenant).filter(pk=application.pk).update(forwarded_at=application.submitted_at)
    services.start_draft(
        tenant=tenant, service=service, owner=people["Karl"], form_version=form, organisation_id=org.pk
    )
    return {**portal, "unit": unit, "service": service, "org": org, "application": application, **people}


def _clean(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(page.url, violations)


def test_a_representative_sees_the_organisations_applications_and_who_acted(
    new_page: Callable[..., Page], firm: dict[str, Any]
) -> None:
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in(page, firm["Erna"], **{trust.SESSION_KEY: "low", ACTING_FOR_SESSION_KEY: firm["org"].pk})
    number = firm["application"].number
    page.goto("/antraege/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anträge der Musterbau GmbH")
    expect(page.locator("#handelt-fuer")).to_contain_text("Sie handeln für Musterbau GmbH")
    expect(page.get_by_text("begonnen von Karl Beispiel")).to_be_visible()
    expect(page.get_by_role("row", name=number)).to_contain_text("Erna Beispiel")
    _clean(page)
    page.get_by_role("link", name=number).click()
    expect(page.locator("#wessen")).to_have_text(
        "für Musterbau GmbH, eingereicht von Erna Beispiel (begonnen von Karl Beispiel)"
    )
    expect(page.get_by_text("Karl Beispiel für Musterbau GmbH")).to_be_visible()
    _clean(page)


def test_staff_see_the_organisation_and_a_private_person_learns_about_the_business_login(
    new_page: Callable[..., Page], firm: dict[str, Any]
) -> None:
    staff = StaffFactory(tenant=firm["tenant"], roles=[])
    StaffRole.objects.create(tenant=firm["tenant"], user=staff, org_unit=firm["unit"], role="caseworker")
    office = new_page(bypass_csp=True)
    sign_in_staff(office, staff)
    office.goto(f"/intern/antraege/{firm['application'].number}/")
    expect(office.locator("#organisation")).to_contain_text("Musterbau GmbH")
    expect(office.locator("#organisation")).to_contain_text("HRB 12345")
    expect(office.locator("#handelnde-person")).to_contain_text("Erna Beispiel (begonnen von Karl Beispiel)")
    _clean(office)
    office.goto("/intern/antraege/")
    expect(office.get_by_role("row", name=firm["application"].number)).to_contain_text("Musterbau GmbH")
    _clean(office)

    OnlineApplicants.objects.create(
        tenant=firm["tenant"], service=firm["service"], target_group=TargetGroup.ORGANISATIONS
    )
    private = new_page(bypass_csp=True)
    sign_in_citizen(private, firm["citizen"], "low")
    private.goto("/antraege/neu/hund-anmelden/")
    expect(private.get_by_text("Diese Leistung ist für Unternehmen und Organisationen")).to_be_visible()
    private.get_by_role("link", name="Mit Mein Unternehmenskonto anmelden").wait_for()
    href = private.get_by_role("link", name="Mit Mein Unternehmenskonto anmelden").get_attribute("href")
    assert href == "/konto/saml/muk/anmelden/?next=/antraege/neu/hund-anmelden/"
    _clean(private)


def test_the_organisations_pages_pass_axe_and_reflow_at_320_px(
    new_page: Callable[..., Page], firm: dict[str, Any]
) -> None:
    from .test_records_browser import overflow

    number = firm["application"].number
    page = new_page(viewport={"width": 320, "height": 800}, bypass_csp=True)
    sign_in(page, firm["Erna"], **{trust.SESSION_KEY: "low", ACTING_FOR_SESSION_KEY: firm["org"].pk})
    staff = StaffFactory(tenant=firm["tenant"], roles=[])
    StaffRole.objects.create(tenant=firm["tenant"], user=staff, org_unit=firm["unit"], role="caseworker")
    office = new_page(viewport={"width": 320, "height": 800}, bypass_csp=True)
    sign_in_staff(office, staff)
    OnlineApplicants.objects.create(
        tenant=firm["tenant"], service=firm["service"], target_group=TargetGroup.ORGANISATIONS
    )
    private = new_page(viewport={"width": 320, "height": 800}, bypass_csp=True)
    sign_in_citizen(private, firm["citizen"], "low")
    wide: dict[str, list[str]] = {}
    for browser, path in (
        (page, "/antraege/"),
        (page, f"/antraege/{number}/"),
        (office, f"/intern/antraege/{number}/"),
        (office, "/intern/antraege/"),
        (private, "/antraege/neu/hund-anmelden/"),
    ):
        browser.goto(path)
        _clean(browser)
        if overflow(browser):
            wide[path] = overflow(browser)
    assert not wide, wide
