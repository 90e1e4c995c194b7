"""BundID login in Chromium against the demo SAML IdP process: with and without JavaScript, under the portal's
CSP and the browser's SameSite rules (the IdP on 127.0.0.1 posts cross-site to the portal on localhost); the
new pages pass axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from rathaus.identity.models import ExternalIdentity, IdentityProvider
from rathaus.identity.tests import test_saml
from rathaus.identity.tests.test_saml import SamlIdP

from .conftest import axe_violations, describe_violations
from .test_portal_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Demo-BundID-2026"
# The demo IdP process and the SP key pairs, shared with the end-to-end tests without a browser.
saml_idp = test_saml.saml_idp
sp_keys = test_saml.sp_keys


@pytest.fixture
def bundid(
    portal: dict[str, Any],
    saml_idp: SamlIdP,
    sp_keys: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> IdentityProvider:
    monkeypatch.setenv("RATHAUS_SAML_KEY_FILE", sp_keys["key_a"])
    monkeypatch.setenv("RATHAUS_SAML_CERT_FILE", sp_keys["cert_a"])
    entity = f"{saml_idp.base}/bundid/metadata"
    return IdentityProvider.objects.create(
        tenant=portal["tenant"], slug="bundid", name="BundID", plugin="bundid",
        options={"idp_entity_id": entity, "metadata_url": entity, "attributes": ["name", "email"]},
    )  # fmt: skip


def _log_in_at_the_idp(page: Page, person: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden bei Demo-BundID")
    page.get_by_label(re.compile(person)).check()
    page.get_by_role("textbox", name="Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


@pytest.mark.parametrize("javascript", [True, False])
def test_bundid_login_in_the_browser(
    new_page: Callable[..., Page], portal: dict[str, Any], bundid: IdentityProvider, javascript: bool
) -> None:
    page = new_page(java_script_enabled=javascript)
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    page.goto("/konto/anmelden/")
    page.get_by_role("link", name="Weiter mit BundID").click()
    if not javascript:
        expect(page.get_by_role("heading", level=1)).to_have_text("Weiter zu BundID")
        page.get_by_role("button", name="Weiter zu BundID").click()
    _log_in_at_the_idp(page, "Erika Mustermann")
    if not javascript:
        page.get_by_role("button", name="Weiter zum Dienst").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Anmeldung abschließen")
        page.get_by_role("button", name="Weiter").click()

    page.wait_for_url(re.compile(r"/konto/$"))
    expect(page.locator("#vertrauensniveau")).to_have_text("hoch")
    assert ExternalIdentity.objects.for_tenant(portal["tenant"]).get().subject == "bpk2-demo-erika"


def test_saml_pages_pass_axe(new_page: Callable[..., Page], portal: dict[str, Any], bundid: IdentityProvider) -> None:
    page = new_page(bypass_csp=True)
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    # Stay on the page that carries the request (its script would send it on at once).
    page.route("**/saml-autosubmit.js", lambda route: route.abort())
    report, checked = [], []

    def scan() -> None:
        page.wait_for_load_state()
        checked.append(page.url)
        violations = axe_violations(page)
        if violations:
            report.append(describe_violations(page.url, violations))

    page.goto("/konto/saml/bundid/anmelden/")
    expect(page.get_by_role("button", name="Weiter zu BundID")).to_be_visible()
    scan()
    IdentityProvider.objects.create(
        tenant=portal["tenant"], slug="kaputt", name="Kaputt", plugin="bundid",
        options={"idp_entity_id": "http://127.0.0.1:9/x", "metadata_url": "http://127.0.0.1:9/x"},
    )  # fmt: skip
    response = page.goto("/konto/saml/kaputt/anmelden/")  # the error page (metadata unreachable)
    assert response is not None and response.status == 503
    scan()
    page.goto("/konto/anmelden/")
    log_in(page, "erika@example.org")
    page.wait_for_url(re.compile(r"/konto/$"))
    expect(page.get_by_role("link", name="Nutzerkonto verbinden: BundID")).to_be_visible()
    scan()
    page.get_by_role("link", name="Nutzerkonto verbinden: BundID").click()
    expect(page.get_by_role("button", name="Ja, mit BundID verbinden")).to_be_visible()
    scan()

    assert len(checked) == 4
    assert not report, "\n".join(report)
