"""The E-Akte announces what steering counts as "E-Akte coverage": case.opened when a case is opened (by hand
or for an application) and document.filed for every document filed electronically, each in the transaction
that writes it — with keys and ids, no names or contents. decision.issued carries the fee it raised."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.records import services
from rathaus.records.events import DecisionIssued
from rathaus.records.journal import Actor
from rathaus.records.models import Case, Document, FilePlanUnit
from rathaus.records.tests.test_decisions import sealed_decision, seals  # noqa: F401 (fixture)
from rathaus.records.tests.test_decisions import world as decision_world  # noqa: F401 (fixture)
from rathaus.records.tests.test_filing import plan, service, submit  # noqa: F401 (fixtures)
from rathaus.tenants.tests.factories import OrgUnitFactory
from rathaus.tenants.tests.world import pdf_with

pytestmark = pytest.mark.django_db


def of_kind(tenant: Any, kind: str) -> list[Event]:
    return list(Event.objects.for_tenant(tenant).filter(kind=kind).order_by("pk"))


def test_a_filed_application_announces_its_case_and_documents(
    tenant: Any,
    service: Any,  # noqa: F811
    fake_scanner: Any,
) -> None:
    citizen = CitizenFactory(tenant=tenant, first_name="Mia", last_name="Muster")
    application = submit(tenant, service, citizen, pdf_with("Nachweis Bello"))
    case = Case.objects.for_tenant(tenant).select_related("owner_unit").get(application_number=application.number)
    [opened] = of_kind(tenant, "case.opened")
    assert opened.subject == case.reference
    assert opened.payload == {
        "case": case.reference,
        "unit": case.owner_unit.key,
        "service": service.leika_key,
        "application_number": application.number,
    }
    filed = of_kind(tenant, "document.filed")
    documents = Document.objects.for_tenant(tenant).filter(case=case)
    assert sorted(e.payload["document"] for e in filed) == sorted(str(d.uuid) for d in documents)
    assert {e.payload["kind"] for e in filed} == set(documents.values_list("kind", flat=True))
    assert all(e.payload["staff"] is None and e.payload["unit"] == case.owner_unit.key for e in filed)
    everything = str([e.payload for e in [opened, *filed]])
    assert "Muster" not in everything and "Bello" not in everything and citizen.email not in everything


def test_a_case_opened_by_hand_and_its_document(tenant: Any, plan: FilePlanUnit) -> None:  # noqa: F811
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnung")
    clerk = StaffFactory(tenant=tenant, email="clerk@alpha.example")
    actor = Actor(id=clerk.pk, label="Sachbearbeitung")
    case_file = services.open_file(
        tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject="Sondernutzung", party=None, actor=actor
    )
    case = services.open_case(case_file=case_file, subject="Antrag per Post", owner_unit=unit, actor=actor)
    document = services.add_document(
        case=case, kind="incoming", title="Brief", name="brief.pdf", content_type="application/pdf",
        data=pdf_with("Brief"), actor=actor,
    )  # fmt: skip
    [opened] = of_kind(tenant, "case.opened")
    assert opened.payload == {"case": case.reference, "unit": "FB32", "service": "", "application_number": ""}
    [filed] = of_kind(tenant, "document.filed")
    assert filed.payload == {
        "document": str(document.uuid), "case": case.reference, "unit": "FB32", "kind": "incoming", "staff": clerk.pk,
    }  # fmt: skip


def test_no_event_when_the_writer_rolls_back(tenant: Any, plan: FilePlanUnit) -> None:  # noqa: F811
    unit = OrgUnitFactory(tenant=tenant, key="FB32", name="Ordnung")
    actor = Actor.system()
    with pytest.raises(RuntimeError), transaction.atomic():
        case_file = services.open_file(
            tenant_id=tenant.pk, plan_unit=plan, owner_unit=unit, subject="x", party=None, actor=actor
        )
        services.open_case(case_file=case_file, subject="x", owner_unit=unit, actor=actor)
        raise RuntimeError("abort")
    assert of_kind(tenant, "case.opened") == []


def test_decision_issued_carries_its_fee_and_reads_old_events() -> None:
    old = {"decision": "B-1", "case": "C-1", "application_number": "", "sha256": "0" * 64}
    assert DecisionIssued.model_validate(old).fee == Decimal("0")
    assert DecisionIssued.model_validate({**old, "fee": "25.00"}).fee == Decimal("25.00")


def test_a_sealed_decision_announces_its_fee(tenant: Any, decision_world: dict[str, Any]) -> None:  # noqa: F811
    d = sealed_decision(tenant, decision_world)
    event = Event.objects.for_tenant(tenant).get(kind="decision.issued", subject=d.reference)
    assert Decimal(event.payload["fee"]) == Decimal("25.00")
    filed = [e.payload["document"] for e in of_kind(tenant, "document.filed")]
    assert str(d.document.uuid) in filed  # the sealed decision is filed electronically, and announced
