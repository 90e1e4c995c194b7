"""Forgotten password: one answer for every address, a one-hour single-use link bound to the municipality and
the address, the password validators, every session ended; staff are reset by their administration."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.identity import account_services
from rathaus.identity.account_services import ResetTokens, reset_link_token
from rathaus.identity.models import User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory, login_citizen

NEW = "Neues-Rathaus-Kennwort-7"


def _request(client: Client, email: str, capture: Any) -> Any:
    with capture(execute=True):
        return client.post("/konto/passwort-vergessen/", {"email": email})


def _link_path(message: Any) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)  # type: ignore[union-attr]
    return re.sub(r"^https?://[^/]+", "", link)


def _neutral(body: str, email: str) -> str:
    """The page without what differs by design on every request (CSRF token, CSP nonce) and the typed address."""
    body = body.replace(email, "ADDRESS")
    return re.sub(r'(value|nonce|content)="[A-Za-z0-9+/=_-]{20,}"', r'\1="X"', body)


def test_reset_link_sets_a_new_password_once_and_ends_every_session(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=tenant, email="erika@example.org")
    elsewhere = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(elsewhere, user)
    assert elsewhere.get("/konto/").status_code == 200

    response = _request(tclient, "Erika@Example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 200 and "Bitte sehen Sie in Ihr E-Mail-Postfach" in response.content.decode()
    assert [m.to for m in mail.outbox] == [["erika@example.org"]]
    path = _link_path(mail.outbox[0])
    assert path.startswith("/konto/passwort-neu/") and "eine Stunde" in mail.outbox[0].body

    assert tclient.get(path).status_code == 200
    response = tclient.post(path, {"password": "kurz", "password_repeat": "kurz"})
    assert response.status_code == 200 and 'id="id_password-error"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = tclient.post(path, {"password": NEW, "password_repeat": NEW})
    assert response.status_code == 302 and response["Location"] == "/konto/anmelden/"
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    assert "geändert" in mail.outbox[-1].subject

    # Single use: the link is spent once the password changed.
    assert tclient.get(path).status_code == 400
    assert tclient.post(path, {"password": NEW + "x", "password_repeat": NEW + "x"}).status_code == 400
    # The session from before the reset is over.
    response = elsewhere.get("/konto/")
    assert response.status_code == 302 and "/konto/anmelden/" in response["Location"]
    login = tclient.post("/konto/anmelden/", {"username": "erika@example.org", "password": NEW})
    assert login.status_code == 302


def test_known_and_unknown_addresses_get_the_same_page_and_only_the_owner_a_mail(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    CitizenFactory(tenant=tenant, email="bekannt@example.org")
    known = _request(tclient, "bekannt@example.org", django_capture_on_commit_callbacks)
    unknown = _request(tclient, "unbekannt@example.org", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 200
    assert _neutral(known.content.decode(), "bekannt@example.org") == _neutral(
        unknown.content.decode(), "unbekannt@example.org"
    )
    assert [m.to for m in mail.outbox] == [["bekannt@example.org"]]


def test_link_expires_after_one_hour(tenant: Any, monkeypatch: Any) -> None:
    user = CitizenFactory(tenant=tenant)
    token = reset_link_token(user)
    now = dt.datetime.now()
    monkeypatch.setattr(ResetTokens, "_now", lambda self: now + dt.timedelta(minutes=59))
    assert account_services.user_for_reset_token(tenant=tenant, token=token) == user
    monkeypatch.setattr(ResetTokens, "_now", lambda self: now + dt.timedelta(minutes=61))
    assert account_services.user_for_reset_token(tenant=tenant, token=token) is None


def test_link_of_one_municipality_does_not_work_in_another(tenant: Any, other_tenant: Any) -> None:
    user = CitizenFactory(tenant=other_tenant)
    token = reset_link_token(user)
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    assert client.get(f"/konto/passwort-neu/{token}/").status_code == 400
    assert client.post(f"/konto/passwort-neu/{token}/", {"password": NEW, "password_repeat": NEW}).status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    home = Client(HTTP_HOST=f"{other_tenant.slug}.testserver")
    assert home.get(f"/konto/passwort-neu/{token}/").status_code == 200  # the same link at home works


def test_link_is_spent_when_the_address_changes(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="alt@example.org")
    token = reset_link_token(user)
    User.objects.filter(pk=user.pk).update(email="neu@example.org")
    assert account_services.user_for_reset_token(tenant=tenant, token=token) is None


def test_staff_get_no_reset_link_but_a_hint_to_their_administration(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = StaffFactory(tenant=tenant, email="amt@example.org")
    response = _request(tclient, "amt@example.org", django_capture_on_commit_callbacks)
    assert "Bitte sehen Sie in Ihr E-Mail-Postfach" in response.content.decode()
    assert len(mail.outbox) == 1 and "Administration" in mail.outbox[0].body
    assert "/konto/passwort-neu/" not in mail.outbox[0].body
    # A link made for a staff account anyway (e.g. forged with the key) does not reset it.
    assert tclient.get(f"/konto/passwort-neu/{reset_link_token(staff)}/").status_code == 400


def test_requests_are_limited_per_address(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    CitizenFactory(tenant=tenant, email="erika@example.org")
    for _ in range(account_services.RESET_LIMIT_PER_ADDRESS + 2):
        response = _request(tclient, "erika@example.org", django_capture_on_commit_callbacks)
        assert response.status_code == 200
    assert len(mail.outbox) == account_services.RESET_LIMIT_PER_ADDRESS


def test_a_deleted_account_cannot_be_reset(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=tenant, email="erika@example.org")
    token = reset_link_token(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    _request(tclient, "erika@example.org", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert tclient.get(f"/konto/passwort-neu/{token}/").status_code == 400


@pytest.mark.parametrize(
    "email",
    ["kein-at-zeichen", "", "nul\x00@example.org", "a" * 300 + "@example.org"],
    ids=["invalid", "empty", "nul", "long"],
)
def test_bad_addresses_get_a_field_error(tclient: Client, tenant: Any, email: str) -> None:
    response = tclient.post("/konto/passwort-vergessen/", {"email": email})
    assert response.status_code == 200
    assert 'id="id_email-error"' in response.content.decode()


@pytest.mark.parametrize("token", ["x", "zz.1-2", "0.abc", "ZZZZZZZZZZZZZZZZZZ.a-b", "a:b:c", "%00"])
def test_garbage_tokens_are_refused_without_error(tclient: Client, tenant: Any, token: str) -> None:
    assert tclient.get(f"/konto/passwort-neu/{token}/").status_code in (400, 404)


def test_behind_a_proxy_the_network_limit_counts_each_citizens_network(
    tenant: Any, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_TRUSTED_PROXY_COUNT = 1
    monkeypatch.setattr(account_services, "RESET_LIMIT_PER_NETWORK", 2)
    for n in range(3):
        CitizenFactory(tenant=tenant, email=f"person{n}@example.org")
    busy = Client(HTTP_HOST=f"{tenant.slug}.testserver", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    for n in range(3):  # a third request from the same network is over the limit
        _request(busy, f"person{n}@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    other = Client(HTTP_HOST=f"{tenant.slug}.testserver", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.9")
    _request(other, "person2@example.org", django_capture_on_commit_callbacks)  # same proxy, another citizen
    assert len(mail.outbox) == 3 and mail.outbox[-1].to == ["person2@example.org"]
