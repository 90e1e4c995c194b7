"""What steering does when other modules' events arrive (rathaus.core.events; at least once): it keeps its
own fact tables (``models_facts.py``) for the live figures. Every handler is idempotent and independent of the
order of events: a time is set to the earliest one seen, a paid payment is written once. A handler that changes
an application fact (or pays one's fee) records the change of its month totals in the same transaction
(``month_totals.py``): a replay changes no fact and so no total.

``decision.issued`` is declared by records, steering's sibling layer, which steering does not import: its
payload is named for the type checker only (the registry hands the parsed payload in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rathaus.applications.events import ApplicationSubmitted
from rathaus.core.events import consumer
from rathaus.core.models import Event
from rathaus.payments.events import PaymentPaid

from . import facts_cache, month_totals
from .models_channels import CaseFact, DocumentFact, LoginFact
from .models_facts import ApplicationFact, PaymentFact

if TYPE_CHECKING:
    from rathaus.identity.events import LoginSucceeded
    from rathaus.records.events import CaseOpened, DecisionIssued, DocumentFiled

KINDS = ("application.submitted", "decision.issued", "payment.paid", "identity.login", "case.opened", "document.filed")


def _fact(event: Event, number: str) -> ApplicationFact:
    fact, _created = ApplicationFact.all_tenants.get_or_create(tenant_id=event.tenant_id, number=number)
    return ApplicationFact.all_tenants.select_for_update().get(pk=fact.pk)


@consumer("application.submitted", name="steering.count_submission")
def count_submission(event: Event, data: ApplicationSubmitted) -> None:
    facts_cache.changed(event.tenant_id)
    fact = _fact(event, data.number)
    before = month_totals.of_fact(fact)
    fact.service = data.service
    fact.fee_first = not data.forwardable  # it waited for its fee: paid online before it went to the office
    if fact.submitted_at is None or event.created_at < fact.submitted_at:
        fact.submitted_at = event.created_at
    fact.save(update_fields=["service", "fee_first", "submitted_at"])
    month_totals.record(event.tenant_id, before, month_totals.of_fact(fact))


@consumer("decision.issued", name="steering.count_decision")
def count_decision(event: Event, data: DecisionIssued) -> None:
    facts_cache.changed(event.tenant_id)
    if not data.application_number:  # a case that came from no application: no online figure
        return
    fact = _fact(event, data.application_number)
    if fact.decided_at is None or event.created_at < fact.decided_at:  # the first decision counts
        before = month_totals.of_fact(fact)
        fact.decided_at = event.created_at
        fact.decision = data.decision[:80]
        fact.decision_fee = data.fee > 0
        fact.save(update_fields=["decided_at", "decision", "decision_fee"])
        month_totals.record(event.tenant_id, before, month_totals.of_fact(fact))


@consumer("payment.paid", name="steering.count_payment")
def count_payment(event: Event, data: PaymentPaid) -> None:
    facts_cache.changed(event.tenant_id)
    payment, created = PaymentFact.all_tenants.get_or_create(
        tenant_id=event.tenant_id,
        payment=data.payment,
        defaults={"reference": data.reference, "amount": data.amount, "paid_at": data.paid_at},
    )
    if created:  # a fee paid online: the media-break count of the application it pays may change
        month_totals.paid_fact_changes(event.tenant_id, payment.pk, payment.reference)


@consumer("identity.login", name="steering.count_login")
def count_login(event: Event, data: LoginSucceeded) -> None:
    facts_cache.changed(event.tenant_id)
    LoginFact.all_tenants.get_or_create(
        tenant_id=event.tenant_id,
        event=event.pk,
        defaults={
            "at": event.created_at,
            "kind": data.kind[:20],
            "trust_level": data.trust_level[:20],
            "source": data.source[:40],
        },
    )


@consumer("case.opened", name="steering.count_case")
def count_case(event: Event, data: CaseOpened) -> None:
    facts_cache.changed(event.tenant_id)
    CaseFact.all_tenants.get_or_create(
        tenant_id=event.tenant_id,
        case=data.case[:80],
        defaults={
            "unit": data.unit[:30],
            "service": data.service[:40],
            "application_number": data.application_number[:40],
            "opened_at": event.created_at,
        },
    )
    if data.application_number:  # the online application is now in the E-Akte
        fact = _fact(event, data.application_number)
        if fact.filed_at is None or event.created_at < fact.filed_at:
            before = month_totals.of_fact(fact)
            fact.filed_at = event.created_at
            fact.save(update_fields=["filed_at"])
            month_totals.record(event.tenant_id, before, month_totals.of_fact(fact))


@consumer("document.filed", name="steering.count_document")
def count_document(event: Event, data: DocumentFiled) -> None:
    facts_cache.changed(event.tenant_id)
    DocumentFact.all_tenants.get_or_create(
        tenant_id=event.tenant_id,
        document=data.document,
        defaults={"unit": data.unit[:30], "kind": data.kind[:20], "staff": data.staff, "filed_at": event.created_at},
    )


# What the backfill replays: kind -> handler (the same functions the registry delivers to).
HANDLERS: dict[str, Callable[[Event, Any], None]] = {
    "application.submitted": count_submission,
    "decision.issued": count_decision,
    "payment.paid": count_payment,
    "identity.login": count_login,
    "case.opened": count_case,
    "document.filed": count_document,
}
