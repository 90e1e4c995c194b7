"""Import → review → publish of an online form in real Chromium: the forms page, the review page (preview of
every step, importer report, missing code lists, changes), the code-list pages pass axe-core (WCAG 2.1 AA);
the digitalisation unit uploads the missing code lists and publishes, without JavaScript-only controls."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.applications import form_review
from rathaus.applications.fim_models import CodeList
from rathaus.applications.models import FormVersion
from rathaus.applications.tests.conftest import HUND_FORM
from rathaus.identity.tests.factories import StaffFactory

from .test_applications_browser import Axe, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIM = Path("/work/shared/fim")
PARKING = FIM / "S05000058V1.0_xdf2.xml"
CODELISTS = sorted(FIM.glob("C*_genericode.xml"))


@pytest.fixture
def review(portal: dict[str, Any]) -> dict[str, Any]:
    service = portal["wohnsitz"]
    user = StaffFactory(tenant=portal["tenant"], roles=["digitalisation"], first_name="Dana", last_name="Digital")
    first = form_review.import_form(service=service, uploads=[("v1.json", json.dumps(HUND_FORM).encode())], actor=user)
    form_review.publish(form_import=first, actor=user)
    pending = form_review.import_form(service=service, uploads=[(PARKING.name, PARKING.read_bytes())], actor=user)
    return {**portal, "user": user, "service": service, "pending": pending}


def test_review_pages_pass_axe_and_publish_after_the_code_lists_arrive(
    new_page: Callable[..., Page], review: dict[str, Any]
) -> None:
    page = new_page(bypass_csp=True)
    page.set_default_timeout(30_000)  # the review page of a real schema is large; the shared machine is slow
    sign_in_staff(page, review["user"])
    axe = Axe(page)
    axe.check("/intern/formulare/")
    url = f"/intern/formulare/pruefung/{review['pending'].uuid}/"
    axe.check(url)
    expect(page.locator("#fehlende-codelisten li")).to_have_count(6)
    expect(page.get_by_role("heading", name="Schritt 1 von", exact=False).first).to_be_visible()
    page.get_by_role("button", name="Als Version 2 veröffentlichen").click()
    expect(page.get_by_text("Es fehlen noch Codelisten")).to_be_visible()
    axe.check()
    assert FormVersion.objects.for_tenant(review["tenant"]).count() == 1

    page.goto("/intern/formulare/codelisten/")
    page.get_by_label("Codelisten (genericode-XML oder ZIP)").set_input_files([str(p) for p in CODELISTS])
    page.get_by_role("button", name="Hochladen").click()
    expect(page.get_by_text("6 Codelisten gespeichert")).to_be_visible()
    axe.check()
    stored = CodeList.objects.for_tenant(review["tenant"]).get(canonical_uri="urn:de:fim:codeliste:zustimmung")
    axe.check(f"/intern/formulare/codelisten/{stored.uuid}/")

    page.goto(url)
    expect(page.get_by_text("Alle verwendeten Codelisten sind vorhanden.")).to_be_visible()
    axe.check()
    page.get_by_role("button", name="Als Version 2 veröffentlichen").click()
    expect(page.get_by_text("veröffentlicht: Version 2")).to_be_visible()
    assert not axe.report, "\n".join(axe.report)
    assert FormVersion.objects.for_tenant(review["tenant"]).count() == 2


def test_review_and_code_list_pages_pass_axe_and_reflow_at_320_px(
    new_page: Callable[..., Page], review: dict[str, Any]
) -> None:
    from .test_records_browser import overflow

    page = new_page(viewport={"width": 320, "height": 800}, bypass_csp=True)
    page.set_default_timeout(30_000)
    sign_in_staff(page, review["user"])
    axe = Axe(page)
    wide: dict[str, list[str]] = {}
    for path in (
        "/intern/formulare/",
        f"/intern/formulare/pruefung/{review['pending'].uuid}/",
        "/intern/formulare/codelisten/",
    ):
        axe.check(path)
        if overflow(page):
            wide[path] = overflow(page)
    assert not axe.report, "\n".join(axe.report)
    assert not wide, wide
