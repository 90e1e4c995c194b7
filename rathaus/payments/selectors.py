"""Reads of the payments app: tenant-scoped, permission-aware querysets."""

from __future__ import annotations

import uuid as uuid_lib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet, Sum
from django.urls import reverse

from rathaus.identity.selectors import Acting, owned_by

from .models import Payment, PaymentEvent
from .providers.base import token_matches, with_token

if TYPE_CHECKING:
    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality


def parse_uuid(value: object) -> uuid_lib.UUID | None:
    """A UUID from user input, or None (so views answer 404 instead of 500)."""
    if isinstance(value, uuid_lib.UUID):
        return value
    try:
        return uuid_lib.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def payments_for_reconciliation(
    tenant: Municipality,
    *,
    status: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    provider: str | None = None,
) -> QuerySet[Payment]:
    """The Stadtkasse's list: this municipality's payments, newest first; dates are creation dates (local)."""
    qs = Payment.objects.for_tenant(tenant).select_related("payer")
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    if provider:
        qs = qs.filter(provider=provider)
    return qs.order_by("-created_at", "-pk")


@dataclass(frozen=True)
class StatusTotal:
    status: str
    label: str
    count: int
    amount: Decimal


def totals_by_status(payments: QuerySet[Payment]) -> list[StatusTotal]:
    """Count and sum per status of an (already scoped and filtered) queryset; every status, zeros included."""
    rows: dict[str, tuple[int, Decimal]] = {
        row["status"]: (row["count"], row["amount"] or Decimal("0.00"))
        for row in payments.order_by().values("status").annotate(count=Count("pk"), amount=Sum("amount"))
    }
    return [
        StatusTotal(value, str(label), *rows.get(value, (0, Decimal("0.00"))))
        for value, label in Payment.Status.choices
    ]


def payment_for_payer(tenant: Municipality, uuid: object, who: User | Acting | Any) -> Payment | None:
    """The payment if it belongs to ``who`` in this municipality, else None (callers answer 404).

    A person's own payment (they are its payer, it belongs to no organisation); acting for an organisation,
    the organisation's payments, whichever representative started them (``identity.selectors.owned_by``).
    """
    key = parse_uuid(uuid)
    user = who.user if isinstance(who, Acting) else who
    if key is None or not getattr(user, "is_authenticated", False):
        return None
    return Payment.objects.for_tenant(tenant).filter(owned_by(who, person="payer"), uuid=key).first()


def payments_of_payer(tenant: Municipality, user: User) -> QuerySet[Payment]:
    """Every payment ``user`` started in this municipality, for themselves or for an organisation (named by
    ``organisation``), newest first (for the data export)."""
    return (
        Payment.objects.for_tenant(tenant)
        .filter(payer=user)
        .select_related("organisation")
        .order_by("-created_at", "-pk")
    )


def further_fees(tenant: Municipality, who: User | Acting, return_url: str, *, besides: str) -> list[Payment]:
    """Fees raised later for one application — a decision's fee, which names the application's page as its return
    address — that ``who`` may pay and that are not paid yet, oldest first. ``besides``: the application's own
    fee (its number as reference), which its page shows already."""
    unpaid = [Payment.Status.OPEN, Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.CANCELLED]
    return list(
        Payment.objects.for_tenant(tenant)
        .filter(owned_by(who, person="payer"), return_url=return_url, status__in=unpaid)
        .exclude(reference=besides)
        .order_by("created_at", "pk")
    )


def payment_for_token(tenant: Municipality, uuid: object, token: str) -> Payment | None:
    """A payment without payer account, for the holder of its signed token; else None."""
    key = parse_uuid(uuid)
    if key is None or not token or not token_matches(str(key), token):
        return None
    return Payment.objects.for_tenant(tenant).filter(uuid=key, payer__isnull=True).first()


def payment_for_treasury(tenant: Municipality, uuid: object) -> Payment | None:
    key = parse_uuid(uuid)
    if key is None:
        return None
    return Payment.objects.for_tenant(tenant).select_related("payer", "organisation").filter(uuid=key).first()


def events_of(payment: Payment) -> QuerySet[PaymentEvent]:
    return PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment).order_by("at", "pk")


def payments_for_reference(tenant: Municipality, reference: str) -> QuerySet[Payment]:
    """All payment attempts of one application, newest first (the applications module shows the state)."""
    return Payment.objects.for_tenant(tenant).filter(reference=reference).order_by("-created_at", "-pk")


def is_paid(tenant: Municipality, reference: str) -> bool:
    """Whether the fee of application ``reference`` is paid (forwarding gate for "payment first" services)."""
    return payments_for_reference(tenant, reference).filter(status=Payment.Status.PAID).exists()


def pay_path(payment: Payment) -> str:
    """Where to send the citizen to pay (with the signed token when there is no payer account)."""
    return with_token(reverse("payments:pay", args=[payment.uuid]), payment)
