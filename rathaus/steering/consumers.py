"""What steering does when other modules' events arrive (rathaus.core.events; at least once): it keeps its
own fact tables (``models_facts.py``) for the live figures. Every handler is idempotent and independent of the
order of events: a time is set to the earliest one seen, a paid payment is written once.

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

from .models_facts import ApplicationFact, PaymentFact

if TYPE_CHECKING:
    from rathaus.records.events import DecisionIssued

KINDS = ("application.submitted", "decision.issued", "payment.paid")


def _fact(event: Event, number: str) -> ApplicationFact:
    fact, _created = ApplicationFact.all_tenants.get_or_create(tenant_id=event.tenant_id, number=number)
    return ApplicationFact.all_tenants.select_for_update().get(pk=fact.pk)


@consumer("application.submitted", name="steering.count_submission")
def count_submission(event: Event, data: ApplicationSubmitted) -> None:
    fact = _fact(event, data.number)
    fact.service = data.service
    if fact.submitted_at is None or event.created_at < fact.submitted_at:
        fact.submitted_at = event.created_at
    fact.save(update_fields=["service", "submitted_at"])


@consumer("decision.issued", name="steering.count_decision")
def count_decision(event: Event, data: DecisionIssued) -> None:
    if not data.application_number:  # a case that came from no application: no online figure
        return
    fact = _fact(event, data.application_number)
    if fact.decided_at is None or event.created_at < fact.decided_at:  # the first decision counts
        fact.decided_at = event.created_at
        fact.save(update_fields=["decided_at"])


@consumer("payment.paid", name="steering.count_payment")
def count_payment(event: Event, data: PaymentPaid) -> None:
    PaymentFact.all_tenants.get_or_create(
        tenant_id=event.tenant_id,
        payment=data.payment,
        defaults={"reference": data.reference, "amount": data.amount, "paid_at": data.paid_at},
    )


# What the backfill replays: kind -> handler (the same functions the registry delivers to).
HANDLERS: dict[str, Callable[[Event, Any], None]] = {
    "application.submitted": count_submission,
    "decision.issued": count_decision,
    "payment.paid": count_payment,
}
