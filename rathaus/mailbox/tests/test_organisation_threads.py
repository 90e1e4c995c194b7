"""An organisation's thread: every representative writes on the recipient's side; nobody else does."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.attachments.tests import samples
from rathaus.identity import selectors as identity
from rathaus.identity.models import Organisation, OrganisationRepresentative, User
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory
from rathaus.mailbox import selectors, services
from rathaus.mailbox.models import Message, Thread

pytestmark = pytest.mark.usefixtures("fake_scanner")

REFERENCE = "application:A-2026-000042"


def _organisation(tenant: Any, identifier: str) -> Organisation:
    provider = IdentityProviderFactory(tenant=tenant, slug=f"muk-{identifier}", plugin="muk")
    return Organisation.objects.create(tenant=tenant, provider=provider, identifier=identifier, name=identifier)


def _representative(tenant: Any, organisation: Organisation, email: str) -> User:
    user: Any = CitizenFactory(tenant=tenant, kind=User.Kind.BUSINESS, email=email)
    OrganisationRepresentative.objects.create(tenant=tenant, organisation=organisation, user=user)
    return user


@pytest.fixture
def firm(tenant: Any) -> dict[str, Any]:
    org = _organisation(tenant, "musterbau")
    other = _organisation(tenant, "andere")
    return {
        "org": org,
        "other": other,
        "karl": _representative(tenant, org, "karl@firma.example"),
        "erna": _representative(tenant, org, "erna@firma.example"),
        "otto": _representative(tenant, other, "otto@andere.example"),
    }


def _post(tenant: Any, firm: dict[str, Any], sender: User, *, organisation: Organisation | None = None) -> Message:
    return services.post(
        tenant=tenant,
        recipient=firm["karl"],
        reference=REFERENCE,
        subject="Gewerbeanmeldung",
        sender=sender,
        body=f"von {sender.email}",
        from_office=False,
        organisation_id=(organisation or firm["org"]).pk,
    )


def test_every_representative_writes_in_the_organisations_thread_as_themselves(tenant: Any, firm: Any) -> None:
    _post(tenant, firm, firm["karl"])
    _post(tenant, firm, firm["erna"])
    thread = Thread.objects.for_tenant(tenant).get(reference=REFERENCE)
    assert (thread.recipient_id, thread.organisation_id) == (firm["karl"].pk, firm["org"].pk)
    senders = [m.sender_id for m in selectors.messages(tenant, REFERENCE)]
    assert senders == [firm["karl"].pk, firm["erna"].pk]
    erna = identity.Acting(user=firm["erna"], organisation_id=firm["org"].pk)
    assert [t.reference for t in selectors.threads_of(tenant, erna)] == [REFERENCE]
    assert list(selectors.threads_of(tenant, firm["erna"])) == []  # not her private thread


@pytest.mark.parametrize("who", ["otto", "stranger", "staff"])
def test_nobody_else_writes_on_the_recipients_side(tenant: Any, firm: Any, who: str) -> None:
    _post(tenant, firm, firm["karl"])
    sender = {
        "otto": firm["otto"],  # a representative of another organisation
        "stranger": CitizenFactory(tenant=tenant),
        "staff": StaffFactory(tenant=tenant),
    }[who]
    with pytest.raises(ValueError, match="sender"):
        _post(tenant, firm, sender)
    assert Message.objects.for_tenant(tenant).count() == 1


def test_a_removed_representative_may_no_longer_write(tenant: Any, firm: Any) -> None:
    OrganisationRepresentative.objects.for_tenant(tenant).filter(user=firm["erna"]).delete()
    with pytest.raises(ValueError, match="sender"):
        _post(tenant, firm, firm["erna"])
    assert not Message.objects.for_tenant(tenant).exists()


def test_a_thread_made_by_a_delivery_joins_the_organisation_and_never_another(tenant: Any, firm: Any) -> None:
    office: Any = StaffFactory(tenant=tenant)
    services.deliver(
        tenant=tenant, recipient=firm["karl"], reference=REFERENCE, subject="Bescheid", text="Anbei",
        documents=[("Bescheid.pdf", samples.pdf())], sender=office,
    )  # fmt: skip
    _post(tenant, firm, firm["erna"])
    assert Thread.objects.for_tenant(tenant).get(reference=REFERENCE).organisation_id == firm["org"].pk
    with pytest.raises(ValueError, match="another organisation"):
        _post(tenant, firm, firm["otto"], organisation=firm["other"])


def test_without_organisation_only_the_recipient_writes(tenant: Any, firm: Any) -> None:
    with pytest.raises(ValueError, match="sender"):
        services.post(
            tenant=tenant, recipient=firm["karl"], reference=REFERENCE, subject="x", sender=firm["erna"],
            body="privat", from_office=False,
        )  # fmt: skip
