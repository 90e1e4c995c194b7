"""The tenant admin's "Anbindungen" pages in real Chromium: axe-core WCAG 2.1 AA, also with errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.tenants.tests.factories import OrgUnitFactory

from .test_applications_browser import Axe, sign_in_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/intern/anbindungen/",
    "/intern/anbindungen/bearbeiten/?art=payment&anbindung=epaybl",
    "/intern/anbindungen/bearbeiten/?art=payment&anbindung=xbezahldienste",
)


def _admin(portal: dict[str, Any]) -> Any:
    unit = OrgUnitFactory(tenant=portal["tenant"])
    user = StaffFactory(tenant=portal["tenant"], roles=[])
    StaffRole.objects.create(tenant=portal["tenant"], user=user, org_unit=unit, role=StaffRole.Role.TENANT_ADMIN)
    return user


def test_integration_pages_and_their_errors_pass_axe(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    sign_in_staff(page, _admin(portal))
    axe = Axe(page)
    for path in PAGES:
        axe.check(path)
    # a secret typed in clear is refused at its field: the page with its errors passes too
    page.get_by_label("Umgebungsvariable mit dem Passwort").fill("geheim123")
    page.get_by_role("button", name="Speichern").click()
    expect(page.locator(".kern-error").first).to_be_visible()
    axe.check()
    assert not axe.report, "\n".join(axe.report)
