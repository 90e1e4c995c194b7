"""start_payment: what is accepted, what is refused, and that a fee is never created twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rathaus.core.errors import ValidationFailed
from rathaus.identity.tests.factories import CitizenFactory
from rathaus.payments.models import Payment, PaymentEvent


def test_payment_is_created_open_with_lines_and_a_created_event(make_payment: Any, tenant: Any) -> None:
    payment = make_payment()
    assert payment.status == Payment.Status.OPEN
    assert payment.provider == "demo"
    assert payment.currency == "EUR"
    assert payment.lines == [
        {"label": "Verwaltungsgebühr", "amount": "25.00"},
        {"label": "Ausweis", "amount": "5.50"},
    ]
    events = PaymentEvent.objects.for_tenant(tenant).filter(payment=payment)
    assert [(e.source, e.status) for e in events] == [("created", "open")]


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1.00"), Decimal("0.001"), "abc", Decimal("NaN"), 10**9])
def test_amount_must_be_positive_with_two_decimals(make_payment: Any, amount: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_payment(amount=amount, lines=[])


@pytest.mark.parametrize(
    "url",
    [
        "//evil.example/x",
        "https://evil.example/",
        "antraege/1/",
        "/\\evil.example",
        "",
        "/a b",
        "/x\n/y",
        "/" + "a" * 600,
    ],
)
def test_return_url_must_be_a_local_path(make_payment: Any, url: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_payment(return_url=url)
    assert "Rücksprungadresse" in str(caught.value.detail)


def test_lines_must_add_up_to_the_amount(make_payment: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_payment(amount=Decimal("31.00"))
    assert "Summe" in str(caught.value.detail)


def test_line_without_label_is_refused(make_payment: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_payment(amount=Decimal("5.00"), lines=[{"label": " ", "amount": "5.00"}])


def test_long_purpose_is_cut_to_the_sepa_limit(make_payment: Any) -> None:
    payment = make_payment(purpose="Gebühr " * 40)
    assert len(payment.purpose) == 140


def test_unknown_provider_is_refused(make_payment: Any) -> None:
    with pytest.raises(ValidationFailed):
        make_payment(provider="paypal-direkt")


def test_payer_of_another_municipality_is_refused(make_payment: Any, other_tenant: Any) -> None:
    stranger = CitizenFactory(tenant=other_tenant)
    with pytest.raises(ValidationFailed):
        make_payment(payer=stranger)


def test_second_start_for_same_reference_returns_the_same_payment(make_payment: Any, tenant: Any) -> None:
    first = make_payment(reference="A-2026-000123")
    again = make_payment(reference="A-2026-000123")
    assert again.pk == first.pk
    assert Payment.objects.for_tenant(tenant).filter(reference="A-2026-000123").count() == 1


def test_cancelled_payment_does_not_block_a_new_attempt(make_payment: Any, tenant: Any) -> None:
    first = make_payment(reference="A-2026-000124")
    Payment.objects.for_tenant(tenant).filter(pk=first.pk).update(status=Payment.Status.CANCELLED)
    again = make_payment(reference="A-2026-000124")
    assert again.pk != first.pk


def test_provider_is_the_municipality_s_enabled_one_else_the_installation_default(
    make_payment: Any, tenant: Any, settings: Any
) -> None:
    from rathaus.tenants.services import save_plugin_config

    settings.RATHAUS_PAYMENT_PROVIDER = "epaybl"
    assert make_payment().provider == "epaybl"  # no row: the installation default
    save_plugin_config(tenant=tenant, kind="payment", plugin_id="demo", options={}, enabled=True, actor=None)
    assert make_payment().provider == "demo"
    save_plugin_config(tenant=tenant, kind="payment", plugin_id="demo", options={}, enabled=False, actor=None)
    assert make_payment().provider == "epaybl"  # a disabled row does not count


def test_amount_must_be_positive_in_the_database_too(tenant: Any) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            tenant=tenant, reference="X", purpose="x", amount=Decimal("0"), provider="demo", return_url="/"
        )
