"""Payments selectors: who finds which payment, the Stadtkasse's filters and sums, and the order of lists."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.payments import selectors, services
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.providers.base import payer_token


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY])


def _created(tenant: Any, payment: Payment, when: dt.datetime) -> None:
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(created_at=when)


# --------------------------------------------------------------------------- parse_uuid


def test_parse_uuid_takes_uuids_and_their_text_and_refuses_anything_else() -> None:
    key = uuid.uuid4()
    assert selectors.parse_uuid(key) is key
    assert selectors.parse_uuid(str(key)) == key
    assert selectors.parse_uuid(str(key).upper()) == key
    for bad in ("", "nicht-eine-uuid", None, 17, b"\x00", str(key) + "0"):
        assert selectors.parse_uuid(bad) is None


# --------------------------------------------------------------------------- the Stadtkasse's list


def test_reconciliation_filters_by_status_dates_and_provider_and_sorts_newest_first(
    make_payment: Any, tenant: Any, other_tenant: Any, clerk: Any
) -> None:
    # Created in another order than their dates (e.g. imported later): the list follows the dates.
    new = make_payment()
    old = make_payment()
    middle = make_payment()
    services.mark_by_treasury(payment=middle, status="paid", actor=clerk, note="bar")
    base = timezone.make_aware(dt.datetime(2026, 5, 10, 12, 0))
    _created(tenant, old, base - dt.timedelta(days=2))
    _created(tenant, middle, base - dt.timedelta(days=1))
    _created(tenant, new, base)
    foreign = CitizenFactory(tenant=other_tenant)
    services.start_payment(
        tenant=other_tenant,
        reference="A-2026-000001",
        purpose="fremd",
        amount=Decimal("1.00"),
        lines=[],
        payer=foreign,
        return_url="/",
    )

    def numbers(**filters: Any) -> list[str]:
        return [p.reference for p in selectors.payments_for_reconciliation(tenant, **filters)]

    assert numbers() == [new.reference, middle.reference, old.reference]
    assert numbers(status="paid") == [middle.reference]
    assert numbers(status="open") == [new.reference, old.reference]
    assert numbers(date_from=dt.date(2026, 5, 9)) == [new.reference, middle.reference]
    assert numbers(date_to=dt.date(2026, 5, 9)) == [middle.reference, old.reference]
    assert numbers(date_from=dt.date(2026, 5, 9), date_to=dt.date(2026, 5, 9)) == [middle.reference]
    assert numbers(provider="demo") == [new.reference, middle.reference, old.reference]
    assert numbers(provider="epaybl") == []
    assert numbers(status="", date_from=None, date_to=None, provider="") == numbers()


def test_reconciliation_breaks_ties_of_the_same_time_by_newest_row(make_payment: Any, tenant: Any) -> None:
    first, second = make_payment(), make_payment()
    when = timezone.now()
    _created(tenant, first, when)
    _created(tenant, second, when)
    assert [p.pk for p in selectors.payments_for_reconciliation(tenant)] == [second.pk, first.pk]


def test_the_list_reads_the_payers_in_the_same_query(
    make_payment: Any, tenant: Any, django_assert_num_queries: Any
) -> None:
    for _ in range(3):
        make_payment(payer=CitizenFactory(tenant=tenant))
    with django_assert_num_queries(1):
        payers = [p.payer.email for p in selectors.payments_for_reconciliation(tenant)]
    assert len(set(payers)) == 3


def test_treasury_reads_the_payer_with_the_payment(
    make_payment: Any, tenant: Any, citizen: Any, django_assert_num_queries: Any
) -> None:
    payment = make_payment()
    with django_assert_num_queries(1):
        found = selectors.payment_for_treasury(tenant, payment.uuid)
        assert found is not None and found.payer.email == citizen.email


def test_totals_list_every_status_with_count_and_sum(make_payment: Any, tenant: Any, clerk: Any) -> None:
    make_payment()
    make_payment(amount=Decimal("10.00"), lines=[])
    paid = make_payment(amount=Decimal("2.25"), lines=[])
    services.mark_by_treasury(payment=paid, status="paid", actor=clerk, note="bar")

    totals = selectors.totals_by_status(selectors.payments_for_reconciliation(tenant))

    assert [(t.status, t.label, t.count, t.amount) for t in totals] == [
        ("open", "offen", 2, Decimal("40.50")),
        ("pending", "beim Zahlungsanbieter", 0, Decimal("0.00")),
        ("paid", "bezahlt", 1, Decimal("2.25")),
        ("failed", "fehlgeschlagen", 0, Decimal("0.00")),
        ("cancelled", "abgebrochen", 0, Decimal("0.00")),
    ]


def test_totals_of_nothing_are_zeros(tenant: Any) -> None:
    totals = selectors.totals_by_status(Payment.objects.for_tenant(tenant))
    assert {(t.count, t.amount) for t in totals} == {(0, Decimal("0.00"))}
    assert len(totals) == 5


# --------------------------------------------------------------------------- one payment


def test_payer_finds_own_payment_only(make_payment: Any, tenant: Any, citizen: Any, other_tenant: Any) -> None:
    payment = make_payment()
    assert selectors.payment_for_payer(tenant, str(payment.uuid), citizen) == payment
    assert selectors.payment_for_payer(tenant, payment.uuid, CitizenFactory(tenant=tenant)) is None
    assert selectors.payment_for_payer(tenant, payment.uuid, AnonymousUser()) is None
    assert selectors.payment_for_payer(tenant, "kaputt", citizen) is None
    assert selectors.payment_for_payer(other_tenant, payment.uuid, citizen) is None


def test_payer_finds_exactly_the_payment_asked_for(make_payment: Any, tenant: Any, citizen: Any) -> None:
    first, second = make_payment(), make_payment()
    assert selectors.payment_for_payer(tenant, second.uuid, citizen) == second
    assert selectors.payment_for_payer(tenant, first.uuid, citizen) == first
    assert selectors.payment_for_payer(tenant, uuid.uuid4(), citizen) is None


def test_token_opens_only_a_payment_without_payer(make_payment: Any, tenant: Any, other_tenant: Any) -> None:
    anonymous = make_payment(payer=None)
    owned = make_payment()
    token = payer_token(anonymous)
    assert selectors.payment_for_token(tenant, str(anonymous.uuid), token) == anonymous
    assert selectors.payment_for_token(tenant, anonymous.uuid, "") is None
    assert selectors.payment_for_token(tenant, anonymous.uuid, "falsch") is None
    assert selectors.payment_for_token(tenant, "kaputt", token) is None
    assert selectors.payment_for_token(tenant, owned.uuid, payer_token(owned)) is None
    assert selectors.payment_for_token(other_tenant, anonymous.uuid, token) is None


def test_treasury_finds_payments_of_its_municipality_by_uuid(make_payment: Any, tenant: Any, other_tenant: Any) -> None:
    payment = make_payment()
    assert selectors.payment_for_treasury(tenant, str(payment.uuid)) == payment
    assert selectors.payment_for_treasury(tenant, None) is None
    assert selectors.payment_for_treasury(tenant, uuid.uuid4()) is None
    assert selectors.payment_for_treasury(other_tenant, payment.uuid) is None


def test_events_of_a_payment_in_order(make_payment: Any, clerk: Any) -> None:
    payment = make_payment()
    other = make_payment()
    services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note="eins")
    services.mark_by_treasury(payment=payment, status="open", actor=clerk, note="zwei")
    events = list(selectors.events_of(payment))
    assert [(e.source, e.status) for e in events] == [("created", "open"), ("treasury", "failed"), ("treasury", "open")]
    assert all(e.payment_id == payment.pk for e in events)
    assert PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=other).count() == 1


def test_events_are_ordered_by_their_time(make_payment: Any, clerk: Any) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note="eins")
    created = PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment, source="created")
    created.update(at=timezone.now() + dt.timedelta(minutes=1))  # e.g. written by a transaction that began later
    assert [e.source for e in selectors.events_of(payment)] == ["treasury", "created"]


def test_events_with_the_same_time_keep_the_order_they_were_written(make_payment: Any, clerk: Any) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note="eins")
    PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment).update(at=timezone.now())
    assert [e.source for e in selectors.events_of(payment)] == ["created", "treasury"]


# --------------------------------------------------------------------------- by reference


def test_attempts_of_a_reference_newest_first_and_is_paid(make_payment: Any, tenant: Any, clerk: Any) -> None:
    first = make_payment(reference="A-2026-000900")
    services.mark_by_treasury(payment=first, status="cancelled", actor=clerk, note="abgebrochen")
    second = make_payment(reference="A-2026-000900")
    make_payment(reference="A-2026-000901")
    when = timezone.now()
    _created(tenant, first, when - dt.timedelta(minutes=5))
    _created(tenant, second, when)
    assert list(selectors.payments_for_reference(tenant, "A-2026-000900")) == [second, first]
    assert selectors.is_paid(tenant, "A-2026-000900") is False
    services.mark_by_treasury(payment=second, status="paid", actor=clerk, note="bar")
    assert selectors.is_paid(tenant, "A-2026-000900") is True
    assert selectors.is_paid(tenant, "A-2026-000901") is False


def test_attempts_follow_their_creation_time_not_their_row_order(make_payment: Any, tenant: Any, clerk: Any) -> None:
    first = make_payment(reference="A-2026-000903")
    services.mark_by_treasury(payment=first, status="failed", actor=clerk, note="abgelehnt")
    second = make_payment(reference="A-2026-000903")
    _created(tenant, first, timezone.now() + dt.timedelta(minutes=5))
    assert [p.pk for p in selectors.payments_for_reference(tenant, "A-2026-000903")] == [first.pk, second.pk]


def test_same_time_attempts_are_ordered_by_newest_row(make_payment: Any, tenant: Any, clerk: Any) -> None:
    first = make_payment(reference="A-2026-000902")
    services.mark_by_treasury(payment=first, status="failed", actor=clerk, note="abgelehnt")
    second = make_payment(reference="A-2026-000902")
    when = timezone.now()
    _created(tenant, first, when)
    _created(tenant, second, when)
    assert [p.pk for p in selectors.payments_for_reference(tenant, "A-2026-000902")] == [second.pk, first.pk]


def test_is_paid_only_in_the_own_municipality(make_payment: Any, tenant: Any, other_tenant: Any, clerk: Any) -> None:
    payment = make_payment(reference="A-2026-000001")
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="bar")
    assert selectors.is_paid(tenant, "A-2026-000001") is True
    assert selectors.is_paid(other_tenant, "A-2026-000001") is False


def test_pay_path_carries_a_token_only_without_payer_account(make_payment: Any) -> None:
    owned = make_payment()
    anonymous = make_payment(payer=None)
    assert selectors.pay_path(owned) == f"/zahlung/{owned.uuid}/"
    path, _, query = selectors.pay_path(anonymous).partition("?t=")
    assert path == f"/zahlung/{anonymous.uuid}/"
    assert query == payer_token(anonymous)
