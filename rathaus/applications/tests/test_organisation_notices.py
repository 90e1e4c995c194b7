"""News about a business's application (received, status, office message) reach every active representative
of the organisation who chose e-mail — through the mailbox's notice path — and nobody of another firm."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.identity.models import Organisation, OrganisationRepresentative, User
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory

pytestmark = pytest.mark.usefixtures("fake_scanner")

ANSWERS = {"halter": {"person": {"vorname": "Karl", "nachname": "Bau"}}, "hunde": {"hund": [{"name": "Bello"}]}}


def _firm(tenant: Any, identifier: str, *emails: str) -> tuple[Organisation, list[User]]:
    provider = IdentityProviderFactory(tenant=tenant, slug=f"muk-{identifier}", plugin="muk")
    org = Organisation.objects.create(tenant=tenant, provider=provider, identifier=identifier, name=identifier)
    people: list[User] = []
    for email in emails:
        person: Any = CitizenFactory(tenant=tenant, kind=User.Kind.BUSINESS, email=email)
        OrganisationRepresentative.objects.create(tenant=tenant, organisation=org, user=person)
        people.append(person)
    return org, people


def test_every_representative_hears_of_the_firms_application(
    tenant: Any, hund_form: Any, django_capture_on_commit_callbacks: Any
) -> None:
    firm, (karl, _erna) = _firm(tenant, "musterbau", "karl@firma.example", "erna@firma.example")
    _firm(tenant, "andere", "otto@andere.example")
    draft = Draft.objects.create(tenant=tenant, owner=karl, organisation=firm, form_version=hund_form, answers=ANSWERS)

    with django_capture_on_commit_callbacks(execute=True):
        submitted = services.submit(
            draft_uuid=draft.uuid, tenant=tenant, actor=karl, trust_level="low", organisation_id=firm.pk
        )
    received = sorted(m.to[0] for m in mail.outbox if submitted.number in m.subject)
    assert received == ["erna@firma.example", "karl@firma.example"]

    application = Application.objects.for_tenant(tenant).select_related("applicant").get(pk=submitted.pk)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_message(
            application=application, sender=StaffFactory(tenant=tenant), body="Frage", from_office=True
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["erna@firma.example", "karl@firma.example"]
    assert all("Frage" not in m.body for m in mail.outbox)  # the notice says that, never what
