"""Security keys (WebAuthn) for staff in real headless Chromium, with a Chrome DevTools virtual authenticator.

The journey runs under the site's Content-Security-Policy (no ``bypass_csp``): the package's scripts, our glue
script and the texts catalogue must all work without inline script. Only the axe scans bypass it, because
axe is injected as an inline script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import ConsoleMessage, Page, expect

from rathaus.identity.models import StaffRole, User
from rathaus.identity.tests.factories import PASSWORD, StaffFactory

from .conftest import axe_violations, describe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def staff(portal: dict[str, Any]) -> User:
    """A caseworker of the municipality on ``localhost``, with a confirmed TOTP app (from the factory)."""
    return StaffFactory(tenant=portal["tenant"], email="amt@musterstadt.example", roles=[StaffRole.Role.CASEWORKER])


def with_authenticator(page: Page) -> str:
    """Attach a virtual platform authenticator (with user verification) to the page; returns its id."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    return str(result["authenticatorId"])


def watch_console(page: Page) -> list[str]:
    """Errors the page logs, CSP violations included (Chromium reports them on the console)."""
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def totp_code(user: User, steps_ahead: int = 0) -> str:
    """The app's code now (or a step later: django-otp accepts one step of drift, but no code twice)."""
    device = TOTPDevice.objects.get(user=user, name="rathaus", confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def enter_password(page: Page, user: User) -> None:
    page.goto("/intern/anmelden/")
    form = page.locator("main form[method=post]")
    form.get_by_label("E-Mail-Adresse").fill(user.email)
    form.get_by_label("Passwort").fill(PASSWORD)
    form.get_by_role("button", name="Weiter").click()
    expect(page).to_have_url(re.compile(r"/intern/zweiter-faktor/"))


def enter_totp(page: Page, user: User, steps_ahead: int = 0) -> None:
    page.get_by_label("Sechsstelliger Code aus Ihrer Authenticator-App").fill(totp_code(user, steps_ahead))
    page.locator("main form[method=post]").get_by_role("button", name="Bestätigen").click()
    expect(page).to_have_url(re.compile(r"/intern/$"))


def register_key(page: Page) -> None:
    page.get_by_role("link", name="Sicherheitsschlüssel verwalten").click()
    expect(page.get_by_role("heading", name="Sicherheitsschlüssel", exact=True)).to_be_visible()
    expect(page.get_by_text("Sie haben noch keinen Sicherheitsschlüssel eingerichtet.")).to_be_visible()
    page.get_by_role("button", name="Sicherheitsschlüssel einrichten").click()
    # The glue script reloads the page: the list shows the key, the message confirms it.
    expect(page.get_by_text("Der Sicherheitsschlüssel wurde eingerichtet.")).to_be_visible()
    expect(page.get_by_role("table", name="Ihre Sicherheitsschlüssel")).to_contain_text("Sicherheitsschlüssel vom")


def log_out(page: Page) -> None:
    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("button", name="Abmelden").click()
    expect(page).to_have_url(re.compile(r"/intern/anmelden/$"))


def session_device(page: Page) -> str | None:
    from importlib import import_module

    from django.conf import settings

    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"])
    return store.get(DEVICE_ID_SESSION_KEY)


def test_staff_registers_a_key_and_then_logs_in_with_password_and_key(
    new_page: Callable[..., Page], staff: User
) -> None:
    page = new_page()  # the site's CSP applies
    errors = watch_console(page)
    with_authenticator(page)

    enter_password(page, staff)
    enter_totp(page, staff)
    register_key(page)
    credential = WebAuthnCredential.objects.get(user=staff)
    assert credential.confirmed and credential.last_used_at is None
    log_out(page)

    # Password, then the key instead of the TOTP code.
    enter_password(page, staff)
    expect(page.get_by_role("heading", name="Mit Code aus der Authenticator-App bestätigen")).to_be_visible()
    page.get_by_role("button", name="Mit Sicherheitsschlüssel bestätigen").click()
    expect(page).to_have_url(re.compile(r"/intern/$"))
    expect(page.get_by_role("heading", name=re.compile("Guten Tag"))).to_be_visible()
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert session_device(page) == credential.persistent_id
    assert not errors, errors


def test_a_key_the_server_does_not_know_does_not_verify(new_page: Callable[..., Page], staff: User) -> None:
    first = new_page()
    with_authenticator(first)
    enter_password(first, staff)
    enter_totp(first, staff)
    register_key(first)

    # Another browser with its own authenticator: it holds no key registered here, so nothing can answer.
    other = new_page()
    errors = watch_console(other)
    with_authenticator(other)
    enter_password(other, staff)
    other.get_by_role("button", name="Mit Sicherheitsschlüssel bestätigen").click()
    status = other.get_by_role("status").filter(has_text=re.compile("abgebrochen|nicht zugelassen|fehlgeschlagen"))
    expect(status).to_be_visible(timeout=20_000)
    # The package rewrote the button's label; the glue script put KERN's label span back (contrast).
    expect(other.locator("#passkey-verification-button > .kern-label")).to_have_count(1)
    expect(other).to_have_url(re.compile(r"/intern/zweiter-faktor/"))
    assert session_device(other) is None
    other.goto("/intern/")
    expect(other).to_have_url(re.compile(r"/intern/zweiter-faktor/"))
    # The TOTP code still works as the fallback (the next one: the current one was used above).
    enter_totp(other, staff, steps_ahead=1)
    assert [e for e in errors if "NotAllowedError" not in e] == [], errors


def test_key_pages_pass_axe_wcag_21_aa(new_page: Callable[..., Page], staff: User) -> None:
    page = new_page(bypass_csp=True)  # axe is injected as an inline script
    with_authenticator(page)
    report: list[str] = []

    def check() -> None:
        page.wait_for_load_state()
        violations = axe_violations(page)
        if violations:
            report.append(describe_violations(page.url, violations))

    enter_password(page, staff)
    check()  # second factor, TOTP only
    enter_totp(page, staff)
    page.goto("/intern/sicherheitsschluessel/")
    check()  # no key yet, the button to register one
    page.goto("/intern/")
    register_key(page)
    check()  # the list with one key and the message
    log_out(page)
    enter_password(page, staff)
    expect(page.get_by_role("button", name="Mit Sicherheitsschlüssel bestätigen")).to_be_visible()
    check()  # second factor with the key and the TOTP code
    assert not report, "\n".join(report)
