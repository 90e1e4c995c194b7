"""Events the payments module publishes (its contract; rathaus.core.events). Payments imports no consumer.

Both are published in the transaction that changes the payment's status, once per change; the subject is
the payment's UUID. ``reference`` is what the payment was started for — for a fee of an online application
its number. Payloads carry identifiers and amounts, no personal data.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from uuid import UUID

from rathaus.core.events import EventPayload, declare


class PaymentPaid(EventPayload):
    payment: UUID
    reference: str
    amount: Decimal
    paid_at: dt.datetime


class PaymentFailed(EventPayload):
    payment: UUID
    reference: str
    status: Literal["failed", "cancelled"]


PAYMENT_PAID = declare(
    "payment.paid",
    PaymentPaid,
    "The payment reached *paid*: confirmed by the provider (server to server) or set by the Stadtkasse.",
)
PAYMENT_FAILED = declare(
    "payment.failed",
    PaymentFailed,
    "The payment failed or was cancelled at the provider (or so set by the Stadtkasse); the fee is still "
    "open and the citizen can start a new payment.",
)
