"""Notices about an organisation's matters (Mein Unternehmenskonto) reach every active representative who chose
e-mail, each in a mail of their own — through ``notify``, whoever calls it — and nobody outside the firm."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from rathaus.attachments.tests import samples
from rathaus.identity.models import Organisation, OrganisationRepresentative, Profile, User
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory
from rathaus.mailbox import services

pytestmark = pytest.mark.usefixtures("fake_scanner")

REFERENCE = "application:A-2026-000042"


def _organisation(tenant: Any, identifier: str) -> Organisation:
    provider = IdentityProviderFactory(tenant=tenant, slug=f"muk-{identifier}", plugin="muk")
    return Organisation.objects.create(tenant=tenant, provider=provider, identifier=identifier, name=identifier)


def _representative(tenant: Any, organisation: Organisation, email: str, **fields: Any) -> User:
    user: Any = CitizenFactory(tenant=tenant, kind=User.Kind.BUSINESS, email=email, **fields)
    OrganisationRepresentative.objects.create(tenant=tenant, organisation=organisation, user=user)
    return user


@pytest.fixture
def firm(tenant: Any, other_tenant: Any) -> dict[str, Any]:
    org, other = _organisation(tenant, "musterbau"), _organisation(tenant, "andere")
    people = {
        "karl": _representative(tenant, org, "karl@firma.example"),
        "erna": _representative(tenant, org, "Erna@Firma.example"),
        "gone": _representative(tenant, org, "gone@firma.example", is_active=False),
        "quiet": _representative(tenant, org, "quiet@firma.example"),
        "otto": _representative(tenant, other, "otto@andere.example"),
    }
    Profile.objects.for_tenant(tenant).filter(user=people["quiet"]).update(preferred_channel=Profile.Channel.MAILBOX)
    # The same organisation id can only be reached inside its municipality: a person of another one is never told.
    stranger = CitizenFactory(tenant=other_tenant, email="fremd@elsewhere.example")
    OrganisationRepresentative.objects.create(tenant=other_tenant, organisation=org, user=stranger)
    return {"org": org, "other": other, **people}


def _recipients() -> list[str]:
    assert all(len(message.to) == 1 for message in mail.outbox)  # one mail each: nobody sees the others
    return sorted(message.to[0] for message in mail.outbox)


def test_a_notice_for_an_organisation_goes_to_every_active_representative_who_chose_email(
    tenant: Any, firm: dict[str, Any]
) -> None:
    sent = services.notify(
        recipient=firm["karl"], subject="Neuer Stand", text="Antrag A-1", organisation_id=firm["org"].pk
    )

    assert sent is True
    assert _recipients() == ["erna@firma.example", "karl@firma.example"]
    assert all("Antrag A-1" in message.body for message in mail.outbox)


def test_a_person_who_left_the_firm_is_no_longer_told(tenant: Any, firm: dict[str, Any]) -> None:
    OrganisationRepresentative.objects.for_tenant(tenant).filter(user=firm["karl"]).delete()

    services.notify(recipient=firm["karl"], subject="Neuer Stand", text="Antrag A-1", organisation_id=firm["org"].pk)

    assert _recipients() == ["erna@firma.example"]


def test_a_notice_for_a_person_still_goes_to_that_person_only(tenant: Any, firm: dict[str, Any]) -> None:
    assert services.notify(recipient=firm["karl"], subject="Neuer Stand", text="Antrag A-2") is True
    assert _recipients() == ["karl@firma.example"]
    mail.outbox.clear()
    assert services.notify(recipient=firm["quiet"], subject="Neuer Stand", text="Antrag A-3") is False
    assert mail.outbox == []


def test_a_document_delivered_into_the_organisations_thread_is_announced_to_the_firm(
    tenant: Any, firm: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.post(
        tenant=tenant, recipient=firm["karl"], reference=REFERENCE, subject="Gewerbeanmeldung", sender=firm["karl"],
        body="Unsere Unterlagen", from_office=False, organisation_id=firm["org"].pk,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(
            tenant=tenant, recipient=firm["karl"], reference=REFERENCE, subject="Gewerbeanmeldung",
            text="Ihr Bescheid liegt bei.", documents=[("Bescheid.pdf", samples.pdf(pages=1))],
        )  # fmt: skip

    assert _recipients() == ["erna@firma.example", "karl@firma.example"]
    assert all(
        "Gewerbeanmeldung" in message.body and "Bescheid liegt bei" not in message.body for message in mail.outbox
    )
