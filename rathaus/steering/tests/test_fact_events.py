"""Steering's new fact tables from events (issue 10): logins by trust level (identity.login), cases and
documents in the E-Akte (case.opened, document.filed), and what the share decided without media break needs
(application filed, the decision's fee, whether the application waited for its fee). A replayed event changes
nothing; the backfill rebuilds the tables; one municipality's events never reach another's facts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from rathaus.core import events
from rathaus.core.models import Event
from rathaus.identity.tests.factories import CitizenFactory
from rathaus.steering.backfill import backfill
from rathaus.steering.consumers import HANDLERS
from rathaus.steering.models import ApplicationFact, CaseFact, DocumentFact, LoginFact

from .test_figures import A, at, emit, submitted

pytestmark = pytest.mark.django_db
PASSWORD = "Ein-langes-Passwort-2026"


def login(tenant: Any, level: str, source: str, when: Any) -> Event:
    return emit(tenant, "identity.login", "", {"kind": "citizen", "trust_level": level, "source": source}, when)


def opened(tenant: Any, case: str, unit: str, number: str, when: Any) -> Event:
    payload = {"case": case, "unit": unit, "service": A if number else "", "application_number": number}
    return emit(tenant, "case.opened", case, payload, when)


def filed(tenant: Any, unit: str, staff: int | None, when: Any, kind: str = "incoming") -> Event:
    doc = str(uuid.uuid4())
    payload = {"document": doc, "case": "C-1", "unit": unit, "kind": kind, "staff": staff}
    return emit(tenant, "document.filed", doc, payload, when)


def decided_with_fee(tenant: Any, number: str, fee: str, when: Any) -> Event:
    payload = {"decision": f"B-{number}", "case": "C", "application_number": number, "sha256": "0" * 64, "fee": fee}
    return emit(tenant, "decision.issued", payload["decision"], payload, when)


def replay(made: list[Event]) -> None:
    """Deliver every event once more, as the at-least-once delivery may."""
    for event in made:
        event.refresh_from_db()
        HANDLERS[event.kind](event, events.registry.kind(event.kind).parse(event.payload))


def snapshot(tenant: Any) -> tuple[list[Any], ...]:
    return (
        sorted(LoginFact.objects.for_tenant(tenant).values_list("event", "at", "kind", "trust_level", "source")),
        sorted(CaseFact.objects.for_tenant(tenant).values_list("case", "unit", "service", "application_number")),
        sorted(DocumentFact.objects.for_tenant(tenant).values_list("document", "unit", "kind", "staff", "filed_at")),
        sorted(
            ApplicationFact.objects.for_tenant(tenant).values_list(
                "number", "submitted_at", "filed_at", "decided_at", "decision", "decision_fee", "fee_first"
            )
        ),
    )


def test_facts_from_events_and_replay_changes_nothing(tenant: Any, other_tenant: Any) -> None:
    made = [
        login(tenant, "low", "password", at(1, 2)), login(tenant, "substantial", "servicekonto", at(1, 3)),
        submitted(tenant, "A-1", A, at(1, 10)), opened(tenant, "32.10/1/1", "FB33", "A-1", at(1, 11)),
        opened(tenant, "32.10/2/1", "FB50", "", at(1, 12)),
        filed(tenant, "FB33", 7, at(1, 11)), filed(tenant, "FB50", None, at(1, 12)),
        decided_with_fee(tenant, "A-1", "25.00", at(1, 20)),
    ]  # fmt: skip
    login(other_tenant, "high", "bundid", at(1, 2))
    filed(other_tenant, "FB33", 9, at(1, 2))
    before = snapshot(tenant)
    logins, cases, documents, apps = before
    assert [(lvl, src) for _e, _a, _k, lvl, src in logins] == [("low", "password"), ("substantial", "servicekonto")]
    assert cases == [("32.10/1/1", "FB33", A, "A-1"), ("32.10/2/1", "FB50", "", "")]
    assert sorted((u, s) for _d, u, _k, s, _f in documents) == [("FB33", 7), ("FB50", None)]
    assert apps == [("A-1", at(1, 10), at(1, 11), at(1, 20), "B-A-1", True, False)]
    replay(made)
    assert snapshot(tenant) == before
    assert backfill(tenant.pk)["document.filed"] == 2
    assert snapshot(tenant) == before
    assert LoginFact.objects.for_tenant(other_tenant).count() == 1  # the other town's facts are its own
    assert DocumentFact.objects.for_tenant(other_tenant).get().staff == 9


def test_events_out_of_order_give_the_same_facts(tenant: Any) -> None:
    decided_with_fee(tenant, "A-1", "0", at(2, 20))
    opened(tenant, "C/1", "FB33", "A-1", at(2, 11))
    opened(tenant, "C/1", "FB33", "A-1", at(2, 12))  # replayed later: the first filing counts
    emit(tenant, "application.submitted", "A-1", {"number": "A-1", "service": A, "forwardable": False}, at(2, 10))
    fact = ApplicationFact.objects.for_tenant(tenant).get(number="A-1")
    assert (fact.submitted_at, fact.filed_at, fact.decided_at) == (at(2, 10), at(2, 11), at(2, 20))
    assert (fact.fee_first, fact.decision_fee) == (True, False)


def test_a_real_login_reaches_the_fact_table(tclient: Client, tenant: Any, django_capture_on_commit_callbacks: Any):
    CitizenFactory(tenant=tenant, email="mia@example.org", password=PASSWORD, email_verified_at=at(1, 1))
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tclient.post("/konto/anmelden/", {"username": "mia@example.org", "password": PASSWORD})
    facts = list(LoginFact.objects.for_tenant(tenant).values_list("kind", "trust_level", "source"))
    assert facts == [("citizen", "low", "password")] * 2
