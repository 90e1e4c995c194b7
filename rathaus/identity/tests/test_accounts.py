"""Citizen accounts: registration, e-mail verification, password login (trust level niedrig), lockout."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail, signing
from django.test import Client

from rathaus.identity.models import Profile, User
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory, login_citizen
from rathaus.identity.trust import SESSION_KEY

FORM = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "email": "Erika@Example.org",
    "password": "Rathaus-Kennwort-9",
    "password_repeat": "Rathaus-Kennwort-9",
    "accept_privacy": "on",
}


def _link(message: Any) -> str:
    return re.search(r"https?://\S+", message.body).group(0)  # type: ignore[union-attr]


def test_registration_sends_verification_and_verified_login_is_low(
    tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = tclient.post("/konto/registrieren/", FORM)
    assert response.status_code == 200 and "Fast geschafft" in response.content.decode()
    user = User.objects.get(tenant=tenant, email="erika@example.org")
    assert user.email_verified_at is None
    assert Profile.objects.for_tenant(tenant).filter(user=user).exists()

    # Not verified yet: login refused, link sent again.
    with django_capture_on_commit_callbacks(execute=True):
        response = tclient.post("/konto/anmelden/", {"username": "erika@example.org", "password": FORM["password"]})
    assert "bestätigen Sie zuerst" in response.content.decode()
    assert "_auth_user_id" not in tclient.session
    assert len(mail.outbox) == 2

    link = _link(mail.outbox[0])
    assert link.startswith("http://alpha.testserver/konto/bestaetigen/")
    page = tclient.get(link.replace("http://alpha.testserver", ""))
    assert page.status_code == 200 and 'method="post"' in page.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None  # opening the link (a mail scanner does) confirms nothing
    response = tclient.post(link.replace("http://alpha.testserver", ""))
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None

    response = tclient.post("/konto/anmelden/", {"username": "ERIKA@example.org", "password": FORM["password"]})
    assert response.status_code == 302 and response["Location"] == "/konto/"
    assert tclient.session[SESSION_KEY] == "low"
    assert "niedrig" in tclient.get("/konto/").content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"email": "keine-adresse"}, "email", "gültige E-Mail"),
        ({"password_repeat": "anders-als-oben-1"}, "password_repeat", "stimmen nicht überein"),
        ({"password": "kurz", "password_repeat": "kurz"}, "password", "zu kurz"),
        ({"password": "1234567890123", "password_repeat": "1234567890123"}, "password", "komplett numerisch"),
        ({"accept_privacy": ""}, "accept_privacy", "Datenschutzerklärung"),
        ({"first_name": ""}, "first_name", "zwingend erforderlich"),
    ],
)
def test_registration_errors_are_german_and_keep_other_answers(
    tclient: Client, tenant: Any, change: dict[str, str], field: str, message: str
) -> None:
    response = tclient.post("/konto/registrieren/", {**FORM, **change})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert f'id="id_{field}-error"' in body
    assert 'value="Mustermann"' in body  # the other answers are kept
    assert not User.objects.filter(tenant=tenant).exists()


def test_same_address_may_register_in_another_municipality(tclient: Client, tenant: Any, other_tenant: Any) -> None:
    CitizenFactory(tenant=other_tenant, email="erika@example.org")
    tclient.post("/konto/registrieren/", FORM)
    assert User.objects.filter(tenant=tenant, email="erika@example.org").exists()


# Fixed ids: the signed token carries a timestamp, and xdist workers must collect the same test names.
@pytest.mark.parametrize(
    "token", ["kaputt", signing.dumps({"u": 1, "e": "x"}, salt="falsch")], ids=["garbage", "wrong-salt"]
)
def test_forged_verification_link_is_refused(tclient: Client, token: str) -> None:
    response = tclient.get(f"/konto/bestaetigen/{token}/")
    assert response.status_code == 400
    assert "ungültig" in response.content.decode()


def test_verification_link_is_confirmed_only_by_a_post_with_the_csrf_token(tenant: Any) -> None:
    from rathaus.identity import services

    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    path = f"/konto/bestaetigen/{services.verification_token(user)}/"
    browser = Client(HTTP_HOST=f"{tenant.slug}.testserver", enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200 and user.email in page.content.decode()
    assert browser.post(path).status_code == 403  # no CSRF token
    user.refresh_from_db()
    assert user.email_verified_at is None
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)  # type: ignore[union-attr]
    assert browser.post(path, {"csrfmiddlewaretoken": token}).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_forged_verification_link_is_refused_on_post_too(tclient: Client, tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    response = tclient.post(f"/konto/bestaetigen/{signing.dumps({'u': user.pk, 'e': user.email}, salt='x')}/")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_expired_verification_link_is_refused(tclient: Client, tenant: Any, monkeypatch: Any) -> None:
    from rathaus.identity import services

    user = CitizenFactory(tenant=tenant, email_verified_at=None)
    token = services.verification_token(user)
    monkeypatch.setattr(services, "VERIFY_MAX_AGE", -1)
    response = tclient.get(f"/konto/bestaetigen/{token}/")
    assert response.status_code == 400 and "abgelaufen" in response.content.decode()


def test_wrong_password_gives_german_message(tclient: Client, tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org")
    response = tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": "falsch-falsch"})
    assert "nicht richtig" in response.content.decode()
    assert 'value="mia@example.org"' in response.content.decode()


def test_staff_cannot_use_citizen_login(tclient: Client, tenant: Any) -> None:
    StaffFactory(tenant=tenant, email="amt@example.org")
    response = tclient.post("/konto/anmelden/", {"username": "amt@example.org", "password": PASSWORD})
    assert "internen Bereich" in response.content.decode()
    assert "_auth_user_id" not in tclient.session


def test_repeated_failures_lock_the_account_for_this_address(tclient: Client, tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org")
    for _ in range(5):
        tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": "falsch-falsch"})
    response = tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene" in response.content.decode()
    assert "_auth_user_id" not in tclient.session
    # Another account from the same address is not affected.
    CitizenFactory(tenant=tenant, email="tom@example.org")
    response = tclient.post("/konto/anmelden/", {"username": "tom@example.org", "password": PASSWORD})
    assert response.status_code == 302


def test_lockout_counts_per_municipality(tenant: Any, other_tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org")
    CitizenFactory(tenant=other_tenant, email="mia@example.org")
    a, b = Client(HTTP_HOST="alpha.testserver"), Client(HTTP_HOST="beta.testserver")
    for _ in range(5):
        a.post("/konto/anmelden/", {"username": "mia@example.org", "password": "falsch-falsch"})
    assert b.post("/konto/anmelden/", {"username": "mia@example.org", "password": PASSWORD}).status_code == 302


def test_open_redirect_after_login_is_refused(tclient: Client, tenant: Any) -> None:
    CitizenFactory(tenant=tenant, email="mia@example.org")
    response = tclient.post(
        "/konto/anmelden/", {"username": "mia@example.org", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/konto/"


def test_account_page_requires_login(tclient: Client) -> None:
    response = tclient.get("/konto/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/anmelden/")


def test_profile_update_keeps_provider_confirmed_fields(tclient: Client, tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant)
    profile = Profile.objects.for_tenant(tenant).get(user=user)
    profile.city, profile.verified_fields = "Köln", ["city"]
    profile.save()
    login_citizen(tclient, user)
    data = {
        "street": "Neue Str. 1",
        "postal_code": "12345",
        "city": "Betrugshausen",
        "phone": "",
        "preferred_channel": "email",
    }
    assert tclient.post("/konto/", data).status_code == 302
    profile.refresh_from_db()
    assert (profile.street, profile.city) == ("Neue Str. 1", "Köln")


def test_profile_update_rejects_bad_postal_code(tclient: Client, tenant: Any) -> None:
    login_citizen(tclient, CitizenFactory(tenant=tenant))
    response = tclient.post("/konto/", {"postal_code": "1234", "preferred_channel": "email"})
    assert response.status_code == 200 and "fünf Ziffern" in response.content.decode()


def test_logout_requires_post(tclient: Client, tenant: Any) -> None:
    login_citizen(tclient, CitizenFactory(tenant=tenant))
    assert tclient.get("/konto/abmelden/").status_code == 405
    assert tclient.post("/konto/abmelden/").status_code == 302
    assert "_auth_user_id" not in tclient.session
