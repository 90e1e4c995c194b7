"""What online applications do when other modules' events arrive (rathaus.core.events; at least once)."""

from __future__ import annotations

from rathaus.core.events import consumer
from rathaus.core.models import Event
from rathaus.payments.events import PaymentFailed, PaymentPaid

from . import services
from .events import ApplicationForwardable


@consumer("payment.paid", "payment.failed", name="applications.record_payment")
def record_payment(event: Event, data: PaymentPaid | PaymentFailed) -> None:
    """Mirror the fee's payment on its application; a paid application that waited for it is forwarded."""
    services.record_payment(
        tenant_id=event.tenant_id,
        number=data.reference,
        paid=isinstance(data, PaymentPaid),
        failed=isinstance(data, PaymentFailed),
    )


@consumer("application.forwardable", name="applications.office_inbox")
def office_inbox(event: Event, data: ApplicationForwardable) -> None:
    """Today's department inbox (office_views.inbox) lists the application from now on."""
    services.mark_forwarded(tenant_id=event.tenant_id, number=data.number, at=event.created_at)
