"""The fee of a decision on a business's application belongs to the organisation (Mein Unternehmenskonto):
every representative sees and pays it, the person who acted on the application is recorded as payer, and
nobody else — another firm's representative, the same person acting privately — finds it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import TestCase

from rathaus.identity.models import Organisation, OrganisationRepresentative, StaffRole
from rathaus.identity.tests.factories import CitizenFactory, IdentityProviderFactory, StaffFactory, login_citizen
from rathaus.mailbox import selectors as mailbox
from rathaus.payments.models import Payment
from rathaus.records import decisions
from rathaus.records.journal import Actor
from rathaus.records.models import Case, DecisionTemplate, JournalEntry
from rathaus.records.tests.test_filing import plan, service, submit  # noqa: F401 (fixtures)
from rathaus.tenants.tests.world import pdf_with

ACTING = "rathaus_acting_for_organisation"  # the session key of a business login (identity.selectors.acting)


@pytest.fixture(autouse=True)
def seals(settings: Any, tmp_path: Any) -> None:
    settings.RATHAUS_SEAL_DIR = str(tmp_path / "seals")


def _firm(tenant: Any, provider: Any, identifier: str, name: str, *people: Any) -> Organisation:
    firm = Organisation.objects.create(
        tenant=tenant, provider=provider, identifier=identifier, name=name, legal_form="GmbH",
        street="Industriestraße 5", postal_code="40699", city="Erkrath",
    )  # fmt: skip
    for person in people:
        OrganisationRepresentative.objects.create(tenant=tenant, organisation=firm, user=person)
    return firm


def _actor(user: Any) -> Actor:
    return Actor(id=user.pk, label=user.email, role="caseworker")


@pytest.fixture
def world(tenant: Any, service: Any, fake_scanner: Any) -> dict[str, Any]:  # noqa: F811
    provider = IdentityProviderFactory(tenant=tenant, slug="muk", plugin="muk")
    karl, erna, otto = (
        CitizenFactory(tenant=tenant, first_name=n, last_name="Beispiel") for n in ("Karl", "Erna", "Otto")
    )
    firm = _firm(tenant, provider, "4711", "Musterbau GmbH", karl, erna)
    other = _firm(tenant, provider, "4712", "Nachbarbau GmbH", otto)
    application = submit(tenant, service, karl, pdf_with("Nachweis"), firm.pk)
    case = Case.objects.for_tenant(tenant).get(application_number=application.number)
    template = DecisionTemplate.objects.create(
        tenant=tenant, service_key=service.leika_key, title="Bescheid", body="Genehmigt.",
        remedy_notice="Klage binnen eines Monats.", four_eyes=False, fee_amount=Decimal("40.00"), fee_label="Gebühr",
    )  # fmt: skip
    author = StaffFactory(tenant=tenant, email="anna@alpha.test")
    StaffRole.objects.create(tenant=tenant, user=author, org_unit=case.owner_unit, role="caseworker")
    decision = decisions.draft(case=case, template=template, author=author, actor=_actor(author))
    decision = decisions.submit(decision=decision, actor=_actor(author))
    with TestCase.captureOnCommitCallbacks(execute=True):
        decision = decisions.seal(decision=decision, user=author, tenant=tenant, actor=_actor(author))
    payment = Payment.objects.for_tenant(tenant).get(reference=decision.payment_reference)
    return {"karl": karl, "erna": erna, "otto": otto, "firm": firm, "other": other, "application": application,
            "decision": decision, "payment": payment}  # fmt: skip


def _act_for(client: Any, user: Any, organisation: Organisation | None) -> Any:
    login_citizen(client, user)
    if organisation is not None:
        session = client.session
        session[ACTING] = organisation.pk
        session.save()
    return client


@pytest.mark.django_db
def test_the_decision_fee_belongs_to_the_organisation_with_the_acting_person_as_payer(
    tenant: Any, world: dict[str, Any]
) -> None:
    payment = world["payment"]
    assert payment.organisation_id == world["firm"].pk
    assert payment.payer_id == world["karl"].pk  # who acted for the firm on the application
    assert payment.amount == Decimal("40.00") and payment.status == Payment.Status.OPEN
    entry = JournalEntry.objects.get(tenant=tenant, object_id=world["decision"].reference, action="decision.fee_raised")
    assert entry.detail["organisation"] == world["firm"].pk
    # The decision reached the firm's application thread (the file names the firm, not an account).
    message = mailbox.messages(tenant, world["application"].mailbox_reference).last()
    assert message.from_office and message.attachments[0]["sha256"] == world["decision"].sha256


@pytest.mark.django_db
def test_a_second_representative_of_the_firm_sees_and_pays_the_decision_fee(
    tclient: Any, world: dict[str, Any]
) -> None:
    payment = world["payment"]
    erna = _act_for(tclient, world["erna"], world["firm"])

    page = erna.get(f"/zahlung/{payment.uuid}/")
    assert page.status_code == 200 and "40,00" in page.content.decode()
    to_provider = erna.post(f"/zahlung/{payment.uuid}/")
    assert to_provider.status_code == 302
    back = erna.post(to_provider["Location"], {"action": "paid"})
    assert back.status_code == 302
    erna.get(back["Location"])

    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert (payment.organisation_id, payment.payer_id) == (world["firm"].pk, world["karl"].pk)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["otto_for_his_firm", "otto_for_the_firm", "erna_privately"])
def test_nobody_outside_the_firm_finds_the_decision_fee(tclient: Any, world: dict[str, Any], who: str) -> None:
    """Another firm's representative, a session that claims a firm it does not represent, and a representative
    acting for herself: 404 on every payment page, nothing changed."""
    person, organisation = {
        "otto_for_his_firm": (world["otto"], world["other"]),
        "otto_for_the_firm": (world["otto"], world["firm"]),
        "erna_privately": (world["erna"], None),
    }[who]
    client = _act_for(tclient, person, organisation)
    payment = world["payment"]

    for path in (f"/zahlung/{payment.uuid}/", f"/zahlung/demo/{payment.uuid}/", f"/zahlung/return/{payment.uuid}/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/zahlung/{payment.uuid}/").status_code == 404
    assert client.post(f"/zahlung/demo/{payment.uuid}/", {"action": "paid"}).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
