"""Registration does not tell who has an account: the same page for new, citizen and staff addresses; the
owner of a known address gets a mail saying how to log in or reset the password."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.identity.models import User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory

FORM = {
    "first_name": "Erika", "last_name": "Mustermann", "password": "Rathaus-Kennwort-9",
    "password_repeat": "Rathaus-Kennwort-9", "accept_privacy": "on",
}  # fmt: skip


def _register(client: Client, email: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/konto/registrieren/", {**FORM, "email": email})


def _neutral(body: str, email: str) -> str:
    body = body.replace(email, "ADDRESS")
    return re.sub(r'(value|nonce|content)="[A-Za-z0-9+/=_-]{20,}"', r'\1="X"', body)


@pytest.mark.parametrize("kind", ["citizen", "staff"])
def test_known_address_gets_the_same_page_and_its_owner_a_notice(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    factory = CitizenFactory if kind == "citizen" else StaffFactory
    owner = factory(tenant=tenant, email="bekannt@example.org")
    known = _register(tclient, "Bekannt@example.org", django_capture_on_commit_callbacks)
    fresh = _register(tclient, "neu@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == fresh.status_code == 200
    assert _neutral(known.content.decode(), "bekannt@example.org") == _neutral(
        fresh.content.decode(), "neu@example.org"
    )
    assert "bereits registriert" not in known.content.decode()

    notice, verification = mail.outbox
    assert notice.to == ["bekannt@example.org"] and "versucht" in notice.body
    if kind == "citizen":
        assert "/konto/anmelden/" in notice.body and "/konto/passwort-vergessen/" in notice.body
    else:
        assert "Verwaltung" in notice.body and "/konto/passwort-vergessen/" not in notice.body
    assert verification.to == ["neu@example.org"] and "/konto/bestaetigen/" in verification.body
    # Nothing about the known account changed.
    owner.refresh_from_db()
    assert owner.kind == kind and owner.last_name == "Muster"  # the form said "Mustermann"
    assert User.objects.filter(tenant=tenant, email="bekannt@example.org").count() == 1
    assert User.objects.get(tenant=tenant, email="bekannt@example.org").check_password(PASSWORD)


def test_notices_to_a_known_address_are_limited(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    CitizenFactory(tenant=tenant, email="bekannt@example.org")
    for _ in range(6):
        _register(tclient, "bekannt@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 3
