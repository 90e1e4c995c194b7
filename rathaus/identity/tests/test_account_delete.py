"""Deleting the account, tested by state: what is only the citizen's is gone, what the office keeps by law
(submitted applications, their mailbox threads, payments) stays, nobody can log in to the account again, and
the other municipality is untouched."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from rathaus.applications.models import Application, Draft
from rathaus.core.errors import ValidationFailed
from rathaus.identity import account_services
from rathaus.identity.models import (
    AccountSession,
    ExternalIdentity,
    Organisation,
    OrganisationRepresentative,
    Profile,
    User,
)
from rathaus.identity.tests.factories import PASSWORD, CitizenFactory, StaffFactory, login_citizen
from rathaus.mailbox.models import Message, Thread
from rathaus.payments.models import Payment
from rathaus.tenants.tests.world import MARKER, build_town, owned_rows


@pytest.fixture
def towns(tenant: Any, other_tenant: Any, fake_scanner: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return build_town(tenant, "alpha"), build_town(other_tenant, MARKER)


def _client(town: dict[str, Any]) -> Client:
    client = Client(HTTP_HOST=f"{town['tenant'].slug}.testserver")
    login_citizen(client, town["citizen"], level="high")
    return client


def test_delete_keeps_what_the_office_needs_and_removes_the_rest(towns: Any) -> None:
    a, b = towns
    citizen = a["citizen"]
    ExternalIdentity.objects.create(tenant=a["tenant"], user=citizen, provider=a["provider"], subject="bpk-alpha")
    firm = Organisation.objects.create(tenant=a["tenant"], provider=a["provider"], identifier="muk-1", name="Alpha Bau")
    OrganisationRepresentative.objects.create(tenant=a["tenant"], organisation=firm, user=citizen)
    client, other_device = _client(a), _client(a)
    numbers = set(
        Application.objects.for_tenant(a["tenant"]).filter(applicant=citizen).values_list("number", flat=True)
    )
    messages_before = Message.objects.for_tenant(a["tenant"]).count()
    payments_before = Payment.objects.for_tenant(a["tenant"]).filter(payer=citizen).count()
    assert numbers and messages_before and payments_before
    assert Draft.objects.for_tenant(a["tenant"]).filter(owner=citizen).exists()
    b_before = owned_rows(b["tenant"])

    wrong = client.post("/konto/loeschen/", {"confirm": "on", "current_password": "falsch"})
    unconfirmed = client.post("/konto/loeschen/", {"current_password": PASSWORD})
    assert 'id="id_current_password-error"' in wrong.content.decode()
    assert 'id="id_confirm-error"' in unconfirmed.content.decode()
    assert User.objects.get(pk=citizen.pk).is_active

    response = client.post("/konto/loeschen/", {"confirm": "on", "current_password": PASSWORD})
    assert response.status_code == 200 and "Ihr Konto ist gelöscht" in response.content.decode()

    # Gone: everything that was only the citizen's.
    placeholder = User.objects.get(pk=citizen.pk)  # kept: applications point at it
    assert not placeholder.is_active and not placeholder.has_usable_password()
    assert (placeholder.first_name, placeholder.last_name, placeholder.email_verified_at) == ("", "", None)
    assert "alpha" not in placeholder.email and placeholder.email.endswith("@konto-geloescht.invalid")
    assert not Profile.objects.for_tenant(a["tenant"]).filter(user=citizen).exists()
    assert not ExternalIdentity.objects.for_tenant(a["tenant"]).filter(user=citizen).exists()
    assert not Draft.objects.for_tenant(a["tenant"]).filter(owner=citizen).exists()
    assert not AccountSession.objects.filter(user=citizen).exists()
    assert not OrganisationRepresentative.objects.for_tenant(a["tenant"]).filter(user=citizen).exists()
    assert Organisation.objects.for_tenant(a["tenant"]).filter(pk=firm.pk).exists()  # the business's, not theirs
    # Kept: what the office must keep.
    kept = Application.objects.for_tenant(a["tenant"]).filter(applicant=citizen)
    assert set(kept.values_list("number", flat=True)) == numbers
    assert all(app.answers for app in kept)
    assert Thread.objects.for_tenant(a["tenant"]).filter(recipient=citizen).exists()
    assert Message.objects.for_tenant(a["tenant"]).count() == messages_before
    assert Payment.objects.for_tenant(a["tenant"]).filter(payer=citizen).count() == payments_before
    # Nobody is logged in to it any more, and nobody can log in again.
    for session in (client, other_device):
        gone = session.get("/konto/")
        assert gone.status_code == 302 and "/konto/anmelden/" in gone["Location"]
    fresh = Client(HTTP_HOST=f"{a['tenant'].slug}.testserver")
    assert (
        fresh.post("/konto/anmelden/", {"username": "buerger@alpha.example", "password": PASSWORD}).status_code == 200
    )
    assert "_auth_user_id" not in fresh.session
    # The office still reads the application; the other municipality did not change.
    assert owned_rows(b["tenant"]) == b_before
    # The address is free for a new account.
    register = fresh.post(
        "/konto/registrieren/",
        {"first_name": "Neu", "last_name": "Anfang", "email": "buerger@alpha.example", "password": "Rathaus-Kennwort-9",
         "password_repeat": "Rathaus-Kennwort-9", "accept_privacy": "on"},
    )  # fmt: skip
    assert register.status_code == 200
    assert User.objects.filter(tenant=a["tenant"], email="buerger@alpha.example", is_active=True).count() == 1


def test_account_without_anything_at_the_office_is_deleted_completely(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant)
    TOTPDevice.objects.create(user=user, name="rathaus", confirmed=True)
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, user)
    client.post("/konto/loeschen/", {"confirm": "on", "current_password": PASSWORD})
    assert not User.objects.filter(pk=user.pk).exists()
    assert not TOTPDevice.objects.filter(user_id=user.pk).exists()


def test_account_without_password_needs_a_recent_login(tenant: Any) -> None:
    user = CitizenFactory(tenant=tenant)
    user.set_unusable_password()
    user.save()
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_citizen(client, user)
    AccountSession.objects.filter(user=user).update(
        created_at=AccountSession.objects.get(user=user).created_at.replace(year=2000)
    )
    old = client.post("/konto/loeschen/", {"confirm": "on"})
    assert "noch einmal an" in old.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    AccountSession.objects.filter(user=user).delete()
    login_citizen(client, user)  # a fresh login
    client.post("/konto/loeschen/", {"confirm": "on"})
    assert not User.objects.filter(pk=user.pk).exists()


def test_staff_accounts_are_not_deleted_here(tenant: Any) -> None:
    staff = StaffFactory(tenant=tenant)
    with pytest.raises(ValidationFailed):
        account_services.delete_account(user=staff)
    assert User.objects.get(pk=staff.pk).is_active


def test_deleted_account_gets_no_mail(tenant: Any) -> None:
    from rathaus.identity.selectors import notifies_by_email

    user = CitizenFactory(tenant=tenant)
    assert notifies_by_email(user)
    user.is_active = False
    assert not notifies_by_email(user)
