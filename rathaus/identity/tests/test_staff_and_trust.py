"""Staff second factor (TOTP) and the trust-level rule for services."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.catalog.tests.factories import ServiceFactory
from rathaus.identity.models import StaffRole, User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory, login_citizen, login_staff


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def _staff_without_device(tenant: Any) -> User:
    user = StaffFactory(tenant=tenant, email="neu@amt.example", roles=[StaffRole.Role.CASEWORKER])
    TOTPDevice.objects.filter(user=user).delete()
    return user


def test_staff_area_needs_password_and_second_factor(tclient: Client, tenant: Any) -> None:
    StaffFactory(tenant=tenant, email="amt@example.org", roles=[StaffRole.Role.CASEWORKER])
    assert tclient.get("/intern/")["Location"].startswith("/intern/anmelden/")
    response = tclient.post("/intern/anmelden/", {"username": "amt@example.org", "password": PASSWORD})
    assert response["Location"].startswith("/intern/zweiter-faktor/")
    # Password alone is not enough.
    assert tclient.get("/intern/")["Location"].startswith("/intern/zweiter-faktor/")
    device = TOTPDevice.objects.get(user__email="amt@example.org")
    response = tclient.post("/intern/zweiter-faktor/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "falsch oder abgelaufen" in response.content.decode()
    # A failed attempt throttles the device (django-otp): an immediate retry is refused with a hint.
    response = tclient.post("/intern/zweiter-faktor/", {"token": _code(device)})
    assert "Bitte warten Sie" in response.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    response = tclient.post("/intern/zweiter-faktor/", {"token": _code(device)})
    assert response.status_code == 302
    assert tclient.get("/intern/").status_code == 200


def test_first_login_enrols_an_authenticator(tclient: Client, tenant: Any) -> None:
    _staff_without_device(tenant)
    tclient.post("/intern/anmelden/", {"username": "neu@amt.example", "password": PASSWORD})
    page = tclient.get("/intern/zweiter-faktor/").content.decode()
    assert "data:image/svg+xml;base64," in page
    secret = re.search(r"<code>([A-Z2-7=]+)</code>", page).group(1)  # type: ignore[union-attr]
    device = TOTPDevice.objects.get(user__email="neu@amt.example")
    assert base64.b32decode(secret) == device.bin_key and not device.confirmed
    tclient.post("/intern/zweiter-faktor/", {"token": _code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert tclient.get("/intern/").status_code == 200


def test_citizen_cannot_enter_staff_area(tclient: Client, tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org")
    response = tclient.post("/intern/anmelden/", {"username": "mia@example.org", "password": PASSWORD})
    assert "nur für Beschäftigte" in response.content.decode()
    login_citizen(tclient, User.objects.get(email="mia@example.org"))
    assert tclient.get("/intern/").status_code == 302


def test_catalog_admin_needs_its_role(tclient: Client, tenant: Any) -> None:
    caseworker = StaffFactory(tenant=tenant, roles=[StaffRole.Role.CASEWORKER])
    login_staff(tclient, caseworker)
    assert tclient.get("/intern/leistungen/").status_code == 403
    assert tclient.get("/intern/leistungen/export.json").status_code == 403
    digital = StaffFactory(tenant=tenant, roles=[StaffRole.Role.DIGITALISATION])
    login_staff(tclient, digital)
    assert tclient.get("/intern/leistungen/").status_code == 200


@pytest.mark.parametrize(
    ("required", "session_level", "allowed"),
    [
        ("none", None, False),  # an online application always needs an account (mailbox, receipt)
        ("none", "low", True),
        ("low", None, False),
        ("low", "low", True),
        ("substantial", "low", False),
        ("substantial", "substantial", True),
        ("substantial", "high", True),
        ("high", "substantial", False),
        ("high", "high", True),
    ],
)
def test_service_trust_level_is_enforced(
    tclient: Client, tenant: Any, required: str, session_level: str | None, allowed: bool
) -> None:
    ServiceFactory(tenant=tenant, slug="antrag", trust_level=required)
    if session_level:
        login_citizen(tclient, CitizenFactory(tenant=tenant), level=session_level)
    response = tclient.get("/leistungen/antrag/beantragen/")
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302
        page = tclient.get(response["Location"])
        assert page.status_code == 403
        text = page.content.decode()
        assert "Vertrauensniveau" not in text  # plain words, not the term of art
        needed = {
            "none": "mit Benutzername und Passwort",
            "low": "mit Benutzername und Passwort",
            "substantial": "mit ELSTER-Zertifikat oder Online-Ausweis",
            "high": "mit Online-Ausweis (eID)",
        }[required]
        assert f"Melden Sie sich dafür {needed} an." in text


def test_trust_page_explains_online_ausweis_for_high(tclient: Client) -> None:
    page = tclient.get("/konto/vertrauensniveau/?level=high&next=/").content.decode()
    assert "Online-Ausweis" in page and "PIN" in page


def test_trust_page_never_redirects_off_site(tclient: Client) -> None:
    page = tclient.get("/konto/vertrauensniveau/?level=low&next=https://evil.example/").content.decode()
    assert 'href="https://evil' not in page
    assert "next=https%3A//evil" not in page and "next=https%3A%2F%2Fevil" not in page
    assert 'href="/konto/anmelden/?next=/"' in page
