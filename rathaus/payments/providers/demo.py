"""The demo provider of the embedded default: pages served by Rathaus itself, no money moves.

The citizen lands on /zahlung/demo/<uuid>/, which says in large letters that this is a test payment, and
chooses "Testweise bezahlen" or "Zahlung abbrechen". The choice is stored on the payment
(``provider_data["demo"]``); :meth:`DemoProvider.check_status` reads it back, so the rest of Rathaus runs
the same path as with a real platform: browser return → server-side status check → paid.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .base import PaymentData, PaymentProvider, PaymentState, ProviderStatus, with_token
from .registry import register

if TYPE_CHECKING:
    from django.http import HttpRequest

OUTCOME_PAID = "paid"
OUTCOME_CANCELLED = "cancelled"


@register
class DemoProvider(PaymentProvider):
    identifier = "demo"
    label = _("Testzahlung – es fließt kein Geld")
    is_demo = True

    def start(self, payment: PaymentData, *, request: HttpRequest) -> str:
        if not payment.provider_reference:
            payment.provider_reference = f"TEST-{payment.uuid.hex[:12].upper()}"
        return with_token(reverse("payments:demo", args=[payment.uuid]), payment)

    def check_status(self, payment: PaymentData) -> ProviderStatus:
        outcome = payment.provider_data.get("demo")
        if outcome == OUTCOME_PAID:
            paid_at = payment.provider_data.get("demo_at")
            return ProviderStatus(
                PaymentState.PAID,
                provider_reference=payment.provider_reference,
                paid_at=datetime.fromisoformat(paid_at) if paid_at else None,
                detail={"test": True},
            )
        if outcome == OUTCOME_CANCELLED:
            return ProviderStatus(PaymentState.CANCELLED, payment.provider_reference, detail={"test": True})
        if not payment.provider_reference:  # never sent to the demo page
            return ProviderStatus(PaymentState.OPEN, detail={"test": True})
        return ProviderStatus(PaymentState.PENDING, payment.provider_reference, detail={"test": True})
