"""Changing the password (old one required, other sessions end) and the e-mail address (confirmed by a link to
the new address; the old one stays until then and gets a notice)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from rathaus.identity.account_forms import ChangePasswordForm
from rathaus.identity.models import User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, login_citizen

NEW = "Neues-Rathaus-Kennwort-7"


def _client(tenant: Any, user: User) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, user)
    return client


def _path(message: Any) -> str:
    return re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+", message.body).group(0))  # type: ignore[union-attr]


def test_change_password_needs_the_old_one_and_ends_the_other_sessions(
    tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=tenant)
    here, there = _client(tenant, user), _client(tenant, user)
    wrong = here.post("/konto/passwort/", {"current_password": "falsch", "password": NEW, "password_repeat": NEW})
    assert wrong.status_code == 200 and 'id="id_current_password-error"' in wrong.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(
            "/konto/passwort/", {"current_password": PASSWORD, "password": NEW, "password_repeat": NEW}
        )
    assert response.status_code == 302 and response["Location"] == "/konto/"
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert here.get("/konto/").status_code == 200  # this session stays
    gone = there.get("/konto/")
    assert gone.status_code == 302 and "/konto/anmelden/" in gone["Location"]
    assert mail.outbox[-1].to == [user.email] and "geändert" in mail.outbox[-1].subject


def test_password_guesses_through_a_session_are_limited(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant)
    client = _client(tenant, user)
    for _ in range(10):
        client.post("/konto/passwort/", {"current_password": "falsch", "password": NEW, "password_repeat": NEW})
    right = client.post("/konto/passwort/", {"current_password": PASSWORD, "password": NEW, "password_repeat": NEW})
    assert right.status_code == 200 and "Zu viele Versuche" in right.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("bad", ["\ud800x", "nul\x00l"], ids=["surrogate", "nul"])
def test_unstorable_characters_are_field_errors(tenant: Any, bad: str) -> None:
    user = CitizenFactory(tenant=tenant)
    form = ChangePasswordForm({"current_password": bad, "password": bad * 6, "password_repeat": bad * 6}, user=user)
    assert not form.is_valid()
    assert set(form.errors) == {"current_password", "password", "password_repeat"}


def test_email_change_waits_for_the_new_address_and_tells_the_old_one(
    tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=tenant, email="alt@example.org")
    client = _client(tenant, user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/konto/e-mail/", {"new_email": "Neu@Example.org", "current_password": PASSWORD})
    assert response.status_code == 200 and "neu@example.org" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "alt@example.org"  # not yet
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"neu@example.org", "alt@example.org"}
    assert "/konto/e-mail/bestaetigen/" not in by_address["alt@example.org"].body
    path = _path(by_address["neu@example.org"])

    stranger = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    page = stranger.get(path)
    assert page.status_code == 200 and "neu@example.org" in page.content.decode()
    user.refresh_from_db()
    assert user.email == "alt@example.org"  # opening the link (a mail scanner does) changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = stranger.post(path)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "neu@example.org" and user.email_verified_at is not None
    assert mail.outbox[-1].to == ["alt@example.org"] and "geändert" in mail.outbox[-1].subject
    assert client.get(path).status_code == 400  # used
    assert client.post(path).status_code == 400
    login = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    assert login.post("/konto/anmelden/", {"username": "neu@example.org", "password": PASSWORD}).status_code == 302


def test_email_change_to_a_taken_address_tells_its_owner_not_the_asker(
    tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    CitizenFactory(tenant=tenant, email="vergeben@example.org")
    user = CitizenFactory(tenant=tenant, email="alt@example.org")
    client = _client(tenant, user)
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/konto/e-mail/", {"new_email": "vergeben@example.org", "current_password": PASSWORD})
    assert taken.status_code == 200 and "Bitte bestätigen Sie die neue Adresse" in taken.content.decode()
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "/konto/e-mail/bestaetigen/" not in bodies["vergeben@example.org"]
    user.refresh_from_db()
    assert user.email == "alt@example.org"


def test_email_change_needs_the_password_and_a_real_address(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email="alt@example.org")
    client = _client(tenant, user)
    wrong = client.post("/konto/e-mail/", {"new_email": "neu@example.org", "current_password": "falsch"})
    assert 'id="id_current_password-error"' in wrong.content.decode()
    for bad in ("kein-at", "alt@example.org", "x\x00@example.org"):
        response = client.post("/konto/e-mail/", {"new_email": bad, "current_password": PASSWORD})
        assert response.status_code == 200 and 'id="id_new_email-error"' in response.content.decode(), bad
    assert mail.outbox == []


def test_email_change_link_of_another_municipality_is_refused(
    tenant: Any, other_tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=other_tenant, email="alt@example.org")
    client = _client(other_tenant, user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/konto/e-mail/", {"new_email": "neu@example.org", "current_password": PASSWORD})
    path = _path(next(m for m in mail.outbox if m.to == ["neu@example.org"]))
    assert Client(HTTP_HOST=f"{tenant.slug}.testserver").get(path).status_code == 400
    assert Client(HTTP_HOST=f"{tenant.slug}.testserver").post(path).status_code == 400
    user.refresh_from_db()
    assert user.email == "alt@example.org"


def test_email_change_is_confirmed_only_by_a_post_with_the_csrf_token(
    tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = CitizenFactory(tenant=tenant, email="alt@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _client(tenant, user).post("/konto/e-mail/", {"new_email": "neu@example.org", "current_password": PASSWORD})
    path = _path(next(m for m in mail.outbox if m.to == ["neu@example.org"]))
    browser = Client(HTTP_HOST=f"{tenant.slug}.testserver", enforce_csrf_checks=True)
    for _ in range(2):  # a scanner following the link, twice
        assert browser.get(path).status_code == 200
    assert browser.post(path).status_code == 403  # no CSRF token: refused
    user.refresh_from_db()
    assert user.email == "alt@example.org"
    page = browser.get(path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)  # type: ignore[union-attr]
    assert browser.post(path, {"csrfmiddlewaretoken": token}).status_code == 302
    user.refresh_from_db()
    assert user.email == "neu@example.org"
