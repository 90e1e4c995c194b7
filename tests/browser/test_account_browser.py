"""The account lifecycle in real Chromium: a forgotten password reset without JavaScript, the account pages
scanned by axe (WCAG 2.1 AA) and checked for reflow at 320 px, in their empty and error states."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from rathaus.identity.models import User

from .conftest import axe_violations, describe_violations
from .test_portal_browser import log_in
from .test_reflow_320 import PHONE, Reflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Neues-Rathaus-Kennwort-7"


class AxeOnly(Reflow):
    """At desktop width only the axe scan (the sideways-scrolling check is for 320 px)."""

    def check(self, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = self.page.goto(path)
            assert response is not None and response.status == status, (path, response and response.status)
        self.page.wait_for_load_state()
        self.checked.append(self.page.url)
        violations = axe_violations(self.page)
        if violations:
            self.report.append(describe_violations(self.page.url, violations))


def test_forgotten_password_is_reset_without_javascript(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(java_script_enabled=False)
    page.goto("/konto/anmelden/")
    page.get_by_role("link", name="Passwort vergessen?").click()
    page.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    page.get_by_role("button", name="Link anfordern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte sehen Sie in Ihr E-Mail-Postfach")

    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)  # type: ignore[union-attr]
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.get_by_label("Neues Passwort", exact=True).fill(NEW)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW + "x")
    page.get_by_role("button", name="Passwort speichern").click()
    expect(page.locator("#id_password_repeat-error")).to_contain_text("stimmen nicht überein")
    page.get_by_label("Neues Passwort", exact=True).fill(NEW)
    page.get_by_label("Neues Passwort wiederholen").fill(NEW)
    page.get_by_role("button", name="Passwort speichern").click()
    page.wait_for_url(re.compile("/konto/anmelden/$"))

    form = page.locator("main form[method=post]")
    form.get_by_label("E-Mail-Adresse").fill("erika@example.org")
    form.get_by_label("Passwort").fill(NEW)
    form.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(re.compile("/konto/$"))
    page.get_by_role("link", name="Angemeldete Geräte – überall abmelden").click()
    page.get_by_role("button", name="Auf allen anderen Geräten abmelden").click()
    expect(page.get_by_text("überall sonst abgemeldet")).to_be_visible()

    page.goto("/konto/loeschen/")
    page.get_by_label("Ich möchte mein Konto endgültig löschen.").check()
    page.get_by_label("Ihr Passwort (zur Bestätigung)").fill(NEW)
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Konto ist gelöscht")
    assert not User.objects.filter(email="erika@example.org").exists()


@pytest.mark.parametrize("layout", ["desktop", "phone"])
def test_account_pages_pass_axe_and_reflow(new_page: Callable[..., Page], portal: dict[str, Any], layout: str) -> None:
    page = new_page(**PHONE) if layout == "phone" else new_page(bypass_csp=True)
    reflow = Reflow(page) if layout == "phone" else AxeOnly(page)
    reflow.check("/konto/passwort-vergessen/")
    page.get_by_role("button", name="Link anfordern").click()  # empty: field error
    expect(page.locator("#id_email-error")).to_be_visible()
    reflow.check()
    page.get_by_label("E-Mail-Adresse").fill("niemand@example.org")
    page.get_by_role("button", name="Link anfordern").click()
    reflow.check()  # "sent" page
    reflow.check("/konto/passwort-neu/ungueltig.1-2/", status=400)

    page.goto("/konto/anmelden/")
    log_in(page, "erika@example.org")
    page.wait_for_url(re.compile("/konto/$"))
    reflow.check()  # the account page with its new links
    for path, button in (
        ("/konto/passwort/", "Passwort speichern"),
        ("/konto/e-mail/", "Bestätigungslink schicken"),
        ("/konto/loeschen/", "Konto endgültig löschen"),
    ):
        reflow.check(path)
        page.get_by_role("button", name=button).click()  # empty: errors
        expect(page.locator(".kern-error").first).to_be_visible()
        reflow.check()
    reflow.check("/konto/sitzungen/")
    reflow.check("/konto/meine-daten/")
    reflow.check("/konto/e-mail/bestaetigen/ungueltig/", status=400)

    assert len(reflow.checked) == 14
    assert not reflow.report, "\n".join(reflow.report)
