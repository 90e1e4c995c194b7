"""Payments API: a payer reads their payment; the Stadtkasse lists payments (mounted at /api/v1/payments/)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.security import SessionAuth

from rathaus.identity import permissions
from rathaus.identity.api_auth import StaffSessionAuth
from rathaus.identity.selectors import acting
from rathaus.tenants.http import TenantRequest

from . import selectors
from .models import Payment

router = Router(tags=["Zahlungen"])

TREASURY_ROLES = permissions.TREASURY


class PayerAuth(SessionAuth):
    """A logged-in account of this municipality (the payment itself is checked against it)."""

    def authenticate(self, request: TenantRequest, key: str | None) -> Any:  # type: ignore[override]
        user = super().authenticate(request, key)
        if user is None or request.tenant is None:
            return None
        return user


class TreasuryAuth(StaffSessionAuth):
    """Staff of this municipality with a verified second factor and the Stadtkasse or admin role."""

    roles = TREASURY_ROLES
    denied = "Nur die Stadtkasse und die Administration der Kommune sehen alle Zahlungen."


class LineOut(Schema):
    label: str
    amount: Decimal


class PaymentOut(Schema):
    uuid: UUID
    reference: str
    purpose: str
    amount: Decimal
    currency: str
    lines: list[LineOut]
    status: str
    status_label: str
    provider: str
    is_test: bool
    created_at: datetime
    paid_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: Payment) -> str:
        return str(obj.get_status_display())


class TreasuryPaymentOut(PaymentOut):
    provider_reference: str
    updated_at: datetime


class StatusTotalOut(Schema):
    status: str
    label: str
    count: int
    amount: Decimal


class PaymentPage(Schema):
    count: int
    totals: list[StatusTotalOut]
    items: list[TreasuryPaymentOut]


class PaymentFilter(Schema):
    status: Payment.Status | None = None
    provider: str | None = Field(None, max_length=40, pattern=r"^[-_a-z0-9]+$")
    date_from: date | None = None
    date_to: date | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ProblemOut(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None


@router.get(
    "/",
    auth=TreasuryAuth(),
    response={200: PaymentPage, 401: ProblemOut, 403: ProblemOut, 422: ProblemOut},
    summary="Zahlungen für den Abgleich (Stadtkasse)",
)
def list_payments(request: TenantRequest, filters: Query[PaymentFilter]) -> dict[str, Any]:
    qs = selectors.payments_for_reconciliation(
        request.tenant,
        status=filters.status,
        provider=filters.provider,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    return {
        "count": qs.count(),
        "totals": selectors.totals_by_status(qs),
        "items": list(qs[filters.offset : filters.offset + filters.limit]),
    }


@router.get(
    "/{uuid}",
    auth=PayerAuth(),
    response={200: PaymentOut, 401: ProblemOut, 404: ProblemOut},
    summary="Eine eigene Zahlung (oder eine der Organisation, für die Sie handeln)",
)
def get_payment(request: TenantRequest, uuid: str) -> Payment:
    # ``uuid`` is a plain string on purpose: anything that is not one of the payer's payments is a 404.
    payment = selectors.payment_for_payer(request.tenant, uuid, acting(request))
    if payment is None:
        raise Http404
    return payment
