"""Payments announce *paid* and *failed* as durable events, in the transaction of the status change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from rathaus.core.models import Event
from rathaus.identity.tests.factories import StaffFactory
from rathaus.payments import services
from rathaus.payments.models import Payment


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, email="kasse@alpha.example")


def _published(tenant: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.kind, e.subject, e.payload) for e in Event.objects.for_tenant(tenant).filter(kind__startswith="payment.")
    ]


def test_paid_publishes_one_payment_paid_with_its_contract(make_payment: Any, tenant: Any, clerk: Any) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Beleg 17")
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="noch einmal")  # no change
    payment.refresh_from_db()
    assert _published(tenant) == [
        (
            "payment.paid",
            str(payment.uuid),
            {
                "payment": str(payment.uuid),
                "reference": payment.reference,
                "amount": "30.50",
                "paid_at": payment.paid_at.isoformat().replace("+00:00", "Z"),
            },
        )
    ]
    assert payment.amount == Decimal("30.50")


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_failed_or_cancelled_publishes_payment_failed(make_payment: Any, tenant: Any, clerk: Any, status: str) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status=status, actor=clerk, note="Rücklastschrift")
    assert _published(tenant) == [
        (
            "payment.failed",
            str(payment.uuid),
            {"payment": str(payment.uuid), "reference": payment.reference, "status": status},
        )
    ]


def test_other_status_changes_publish_nothing(make_payment: Any, tenant: Any, clerk: Any, rf: Any) -> None:
    payment = make_payment()
    services.begin_redirect(payment=payment, request=rf.get("/"))  # open → pending
    assert payment.status == Payment.Status.PENDING
    services.mark_by_treasury(payment=payment, status="open", actor=clerk, note="zurückgesetzt")  # pending → open
    assert _published(tenant) == []


def test_a_status_change_that_rolls_back_publishes_nothing(make_payment: Any, tenant: Any, clerk: Any) -> None:
    payment = make_payment()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Beleg 17")
        assert [kind for kind, _s, _p in _published(tenant)] == ["payment.paid"]
        raise RuntimeError("the booking fails after the status change")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert _published(tenant) == []
