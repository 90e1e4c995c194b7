"""Links in account mails open a page with a button (a mail scanner that follows links confirms nothing): the
e-mail change and the address verification, confirmed without JavaScript, both pages scanned by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from rathaus.identity import account_services, services
from rathaus.identity.models import User
from rathaus.identity.tests.factories import CitizenFactory

from .conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scan(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe_violations(page.url, violations)


def test_mail_links_confirm_only_with_the_button(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    erika: User = portal["citizen"]
    link = "/konto/e-mail/bestaetigen/" + account_services.email_change_token(erika, "neu@example.org") + "/"
    scanner = new_page(java_script_enabled=False)
    scanner.goto(link)  # what a link-following scanner does
    erika.refresh_from_db()
    assert erika.email == "erika@example.org"

    page = new_page(java_script_enabled=False)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Neue E-Mail-Adresse bestätigen")
    expect(page.locator("main")).to_contain_text("neu@example.org")
    page.get_by_role("button", name="Neue Adresse bestätigen").click()
    page.wait_for_url(re.compile("/konto/anmelden/"))
    erika.refresh_from_db()
    assert erika.email == "neu@example.org"
    assert mail.outbox[-1].to == ["erika@example.org"]  # the old address is told

    newcomer = CitizenFactory(tenant=portal["tenant"], email="neu2@example.org", email_verified_at=None)
    page.goto(f"/konto/bestaetigen/{services.verification_token(newcomer)}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    newcomer.refresh_from_db()
    assert newcomer.email_verified_at is None
    page.get_by_role("button", name="E-Mail-Adresse bestätigen").click()
    page.wait_for_url(re.compile("/konto/anmelden/"))
    newcomer.refresh_from_db()
    assert newcomer.email_verified_at is not None


def test_confirmation_pages_pass_axe(new_page: Callable[..., Page], portal: dict[str, Any]) -> None:
    page = new_page(bypass_csp=True)
    page.goto(
        "/konto/e-mail/bestaetigen/" + account_services.email_change_token(portal["citizen"], "x@example.org") + "/"
    )
    expect(page.get_by_role("button", name="Neue Adresse bestätigen")).to_be_visible()
    _scan(page)
    newcomer = CitizenFactory(tenant=portal["tenant"], email="neu2@example.org", email_verified_at=None)
    page.goto(f"/konto/bestaetigen/{services.verification_token(newcomer)}/")
    expect(page.get_by_role("button", name="E-Mail-Adresse bestätigen")).to_be_visible()
    _scan(page)
