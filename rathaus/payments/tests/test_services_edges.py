"""Payments services at their edges: limits, the errors at each field, state changes and what they record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from rathaus.core.errors import NotFound, ValidationFailed
from rathaus.core.plugins import fresh_registry
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import CitizenFactory, StaffFactory
from rathaus.payments import services
from rathaus.payments.errors import PaymentNotPayable, PaymentProviderUnavailable
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.providers.base import PaymentProvider, ProviderError, ProviderStatus
from rathaus.payments.providers.registry import payment_providers


class Scripted(PaymentProvider):
    """A provider whose answers the test sets; ``start`` stores a reference and some provider data."""

    identifier = "scripted"
    label = "Skript"
    answer: ProviderStatus | Exception = ProviderStatus("pending", "T-1")
    start_error: Exception | None = None

    def start(self, payment: Any, *, request: Any) -> str:
        if self.start_error is not None:
            raise self.start_error
        payment.provider_reference = "T-1"
        payment.provider_data = {"session": "s-1"}
        return "https://zahlung.example/seite"

    def check_status(self, payment: Any) -> ProviderStatus:
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def scripted() -> Any:
    Scripted.answer = ProviderStatus("pending", "T-1")
    Scripted.start_error = None
    with fresh_registry(payment_providers, Scripted):
        yield Scripted


@pytest.fixture
def clerk(tenant: Any) -> Any:
    return StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY], first_name="Kai", last_name="Kasse")


def _events(payment: Payment) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (e.source, e.status, e.detail)
        for e in PaymentEvent.objects.for_tenant(payment.tenant_id).filter(payment=payment).order_by("pk")
    ]


def _refused(call: Any, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        call(**kwargs)
    return caught.value


# --------------------------------------------------------------------------- start_payment: amounts


def test_a_malformed_amount_names_the_amount_field(make_payment: Any) -> None:
    error = _refused(make_payment, amount="zwölf", lines=[])
    assert error.errors == [{"field": "amount", "message": "Keine Zahl."}]


def test_an_amount_with_three_decimals_names_the_amount_field(make_payment: Any) -> None:
    error = _refused(make_payment, amount=Decimal("1.005"), lines=[])
    assert error.errors == [{"field": "amount", "message": "Höchstens zwei Nachkommastellen."}]


@pytest.mark.parametrize("amount", ["Infinity", "-Infinity", Decimal("Infinity"), "sNaN"])
def test_infinite_amounts_are_refused_as_invalid_input(make_payment: Any, amount: Any) -> None:
    error = _refused(make_payment, amount=amount, lines=[])
    assert error.errors[0]["field"] == "amount"


@pytest.mark.parametrize("amount", [Decimal("0.00"), Decimal("-0.01"), Decimal("100000000.00")])
def test_amounts_outside_the_range_name_the_amount_field(make_payment: Any, amount: Decimal) -> None:
    error = _refused(make_payment, amount=amount, lines=[])
    assert error.errors == [{"field": "amount", "message": "Muss > 0 sein."}]


@pytest.mark.parametrize("amount", [Decimal("0.01"), Decimal("1"), Decimal("99999999.99"), "12.5", 7])
def test_amounts_from_a_cent_to_the_maximum_are_accepted(make_payment: Any, amount: Any) -> None:
    payment = make_payment(amount=amount, lines=[])
    assert payment.amount == Decimal(str(amount))
    assert payment.lines == []


# --------------------------------------------------------------------------- start_payment: lines


def test_lines_that_are_not_a_list_are_refused(make_payment: Any) -> None:
    _refused(make_payment, lines={"label": "x", "amount": "30.50"})


def test_a_line_that_is_not_an_object_names_its_label(make_payment: Any) -> None:
    error = _refused(make_payment, amount=Decimal("5.00"), lines=["Gebühr"])
    assert error.errors == [{"field": "lines.0.label", "message": "Bezeichnung fehlt oder ist zu lang."}]


def test_the_label_of_the_second_line_is_named_by_its_index(make_payment: Any) -> None:
    lines = [{"label": "Gebühr", "amount": "5.00"}, {"label": "x" * 201, "amount": "1.00"}]
    error = _refused(make_payment, amount=Decimal("6.00"), lines=lines)
    assert error.errors == [{"field": "lines.1.label", "message": "Bezeichnung fehlt oder ist zu lang."}]


def test_a_label_of_200_characters_is_kept_and_labels_are_trimmed(make_payment: Any) -> None:
    lines = [{"label": "x" * 200, "amount": "5.00"}, {"label": "  Ausweis \n", "amount": Decimal("1.5")}]
    payment = make_payment(amount=Decimal("6.50"), lines=lines)
    assert payment.lines == [{"label": "x" * 200, "amount": "5.00"}, {"label": "Ausweis", "amount": "1.50"}]


def test_a_line_amount_error_names_the_line(make_payment: Any) -> None:
    error = _refused(make_payment, amount=Decimal("5.00"), lines=[{"label": "Gebühr", "amount": "fünf"}])
    assert error.errors == [{"field": "lines.0.amount", "message": "Keine Zahl."}]


def test_lines_that_do_not_add_up_name_the_lines(make_payment: Any) -> None:
    error = _refused(make_payment, amount=Decimal("31.00"))
    assert error.errors == [{"field": "lines", "message": "Summe weicht vom Betrag ab."}]


# --------------------------------------------------------------------------- start_payment: texts


def test_reference_is_trimmed_and_may_have_40_characters(make_payment: Any) -> None:
    assert make_payment(reference="  A-2026-000077 ").reference == "A-2026-000077"
    assert make_payment(reference="R" * 40).reference == "R" * 40


@pytest.mark.parametrize("reference", ["R" * 41, "", "   ", None])
def test_reference_missing_or_longer_than_40_is_refused(make_payment: Any, reference: Any) -> None:
    error = _refused(make_payment, reference=reference)
    assert "Vorgangsnummer" in str(error.detail)


def test_purpose_whitespace_is_collapsed(make_payment: Any) -> None:
    assert make_payment(purpose="  Gebühr \n  Anwohner\tparken ").purpose == "Gebühr Anwohner parken"


@pytest.mark.parametrize("purpose", ["", "  \n ", None])
def test_purpose_is_required(make_payment: Any, purpose: Any) -> None:
    error = _refused(make_payment, purpose=purpose)
    assert "Verwendungszweck" in str(error.detail)


def test_purpose_of_exactly_140_characters_is_kept_and_141_is_cut_with_an_ellipsis(make_payment: Any) -> None:
    assert make_payment(purpose="p" * 140).purpose == "p" * 140
    assert make_payment(purpose="q" * 141).purpose == "q" * 139 + "…"


def test_return_url_of_500_characters_is_accepted_and_501_refused(make_payment: Any) -> None:
    path = "/" + "a" * 499
    assert make_payment(return_url=path).return_url == path
    error = _refused(make_payment, return_url=path + "a")
    assert error.errors == [{"field": "return_url", "message": "Nur Pfade dieses Portals sind erlaubt."}]


@pytest.mark.parametrize("url", [None, 17, "/x\u00a0y", "/tab\there"])
def test_return_url_that_is_no_printable_path_is_refused(make_payment: Any, url: Any) -> None:
    error = _refused(make_payment, return_url=url)
    assert error.errors[0]["field"] == "return_url"


def test_a_payment_without_payer_account_is_possible(make_payment: Any) -> None:
    assert make_payment(payer=None).payer_id is None


def test_the_created_event_names_the_provider(make_payment: Any) -> None:
    payment = make_payment()
    assert _events(payment) == [("created", "open", {"provider": "demo"})]


def test_same_reference_with_another_amount_is_a_new_payment(make_payment: Any) -> None:
    first = make_payment(reference="A-2026-000500")
    second = make_payment(reference="A-2026-000500", amount=Decimal("12.00"), lines=[])
    assert first.pk != second.pk


def test_the_newest_active_payment_of_a_reference_is_returned(make_payment: Any, tenant: Any) -> None:
    first = make_payment(reference="A-2026-000501")
    older = Payment.objects.for_tenant(tenant).get(pk=first.pk)
    # A second, newer active attempt exists (e.g. created by the Stadtkasse); the newest one is continued.
    newer = Payment.objects.create(
        tenant=tenant, reference=older.reference, purpose="x", amount=older.amount, provider="demo", return_url="/"
    )
    Payment.objects.for_tenant(tenant).filter(pk=older.pk).update(created_at=newer.created_at - dt.timedelta(hours=1))
    assert make_payment(reference="A-2026-000501").pk == newer.pk


# --------------------------------------------------------------------------- begin_redirect


def test_redirect_of_a_paid_payment_is_refused_before_asking_the_provider(
    scripted: Any, make_payment: Any, rf: Any, clerk: Any
) -> None:
    payment = make_payment(provider="scripted")
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="bar bezahlt")
    scripted.start_error = AssertionError("the provider must not be asked")
    with pytest.raises(PaymentNotPayable):
        services.begin_redirect(payment=payment, request=rf.get("/"))


def test_redirect_of_a_stale_copy_of_a_paid_payment_is_refused(
    scripted: Any, make_payment: Any, rf: Any, clerk: Any, tenant: Any
) -> None:
    payment = make_payment(provider="scripted")
    stale = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="bar bezahlt")
    with pytest.raises(PaymentNotPayable):
        services.begin_redirect(payment=stale, request=rf.get("/"))
    payment.refresh_from_db()
    assert payment.provider_reference == "" and payment.status == "paid"


def test_redirect_stores_reference_and_data_and_records_the_change(
    scripted: Any, make_payment: Any, rf: Any, tenant: Any
) -> None:
    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    stored = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    assert (stored.status, stored.provider_reference, stored.provider_data) == ("pending", "T-1", {"session": "s-1"})
    assert (payment.status, payment.provider_data) == ("pending", {"session": "s-1"})
    assert _events(payment)[1:] == [("redirect", "pending", {"provider": "scripted"})]


@pytest.mark.parametrize("status", ["failed", "cancelled"])
def test_a_failed_or_cancelled_payment_is_started_again(
    scripted: Any, make_payment: Any, rf: Any, clerk: Any, status: str
) -> None:
    payment = make_payment(provider="scripted")
    services.mark_by_treasury(payment=payment, status=status, actor=clerk, note="abgebrochen")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert _events(payment)[-1][:2] == ("redirect", "pending")


def test_a_second_redirect_of_a_pending_payment_records_nothing_new(scripted: Any, make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    services.begin_redirect(payment=payment, request=rf.get("/"))
    assert [e[0] for e in _events(payment)] == ["created", "redirect"]
    assert payment.status == "pending"


def test_an_unreachable_provider_at_the_start_changes_nothing(
    scripted: Any, make_payment: Any, rf: Any, tenant: Any
) -> None:
    payment = make_payment(provider="scripted")
    scripted.start_error = ProviderError("Die Bezahlplattform ist gerade nicht erreichbar.")
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=payment, request=rf.get("/"))
    assert "nicht erreichbar" in str(caught.value.detail)
    assert Payment.objects.for_tenant(tenant).get(pk=payment.pk).status == "open"


def test_a_provider_that_is_no_longer_set_up_is_unavailable(make_payment: Any, rf: Any, tenant: Any) -> None:
    payment = make_payment()
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(provider="abgeschaltet")
    payment.refresh_from_db()
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.begin_redirect(payment=payment, request=rf.get("/"))
    assert "nicht mehr eingerichtet" in str(caught.value.detail)
    with pytest.raises(PaymentProviderUnavailable):
        services.refresh_status(payment=payment)


# --------------------------------------------------------------------------- refresh_status


def test_refresh_with_an_unknown_source_is_a_programming_error(scripted: Any, make_payment: Any) -> None:
    with pytest.raises(ValueError, match="unknown source"):
        services.refresh_status(payment=make_payment(provider="scripted"), source="telefon")


def test_refresh_records_the_source_and_the_provider_detail(scripted: Any, make_payment: Any) -> None:
    payment = make_payment(provider="scripted")
    scripted.answer = ProviderStatus("failed", "T-9", detail={"code": "abgelehnt"})
    services.refresh_status(payment=payment, source="notification")
    assert _events(payment)[1:] == [("notification", "failed", {"code": "abgelehnt"})]
    assert payment.status == "failed" and payment.provider_reference == "T-9" and payment.paid_at is None


def test_refresh_keeps_a_stored_provider_reference(scripted: Any, make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    scripted.answer = ProviderStatus("paid", "ANDERE-NUMMER")
    services.refresh_status(payment=payment)
    payment.refresh_from_db()
    assert payment.provider_reference == "T-1"


def test_refresh_stores_the_provider_s_payment_time_made_aware(scripted: Any, make_payment: Any) -> None:
    payment = make_payment(provider="scripted")
    scripted.answer = ProviderStatus("paid", "T-1", paid_at=dt.datetime(2026, 3, 1, 12, 30))
    services.refresh_status(payment=payment)
    payment.refresh_from_db()
    # a naive time is local (Berlin): 12:30 CET is 11:30 UTC
    assert payment.paid_at == dt.datetime(2026, 3, 1, 11, 30, tzinfo=dt.UTC)


def test_refresh_stores_an_aware_payment_time_as_it_is(scripted: Any, make_payment: Any) -> None:
    payment = make_payment(provider="scripted")
    when = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.UTC)
    scripted.answer = ProviderStatus("paid", "T-1", paid_at=when)
    services.refresh_status(payment=payment)
    payment.refresh_from_db()
    assert payment.paid_at == when


@pytest.mark.parametrize(
    ("current", "answer", "expected"),
    [
        ("open", "open", "open"),
        ("open", "pending", "pending"),
        ("open", "paid", "paid"),
        ("pending", "open", "pending"),
        ("pending", "failed", "failed"),
        ("failed", "open", "failed"),
        ("cancelled", "paid", "paid"),
        ("pending", "erstattet", "pending"),
        ("paid", "failed", "paid"),
    ],
)
def test_next_status_for_each_answer(current: str, answer: str, expected: str) -> None:
    result = services._next_status(current, ProviderStatus(answer))
    assert (result or current) == expected
    assert result is None or result != current


def test_refresh_pending_skips_an_unreachable_provider_and_counts_the_changes(
    scripted: Any, make_payment: Any, rf: Any, tenant: Any
) -> None:
    broken = make_payment(provider="scripted")
    services.begin_redirect(payment=broken, request=rf.get("/"))
    Payment.objects.for_tenant(tenant).filter(pk=broken.pk).update(provider="abgeschaltet")
    working = make_payment(provider="scripted")
    services.begin_redirect(payment=working, request=rf.get("/"))
    unchanged = make_payment(provider="scripted")
    services.begin_redirect(payment=unchanged, request=rf.get("/"))
    Scripted.answer = ProviderStatus("pending", "T-1")
    assert services.refresh_pending(tenant=tenant) == 0
    Scripted.answer = ProviderStatus("paid", "T-1")
    assert services.refresh_pending(tenant=tenant, limit=2) == 1  # oldest first: the broken one, then one more
    assert services.refresh_pending(tenant=tenant) == 1
    assert {p.status for p in Payment.objects.for_tenant(tenant).exclude(pk=broken.pk)} == {"paid"}


def test_refresh_pending_counts_every_change(scripted: Any, make_payment: Any, rf: Any, tenant: Any) -> None:
    for _ in range(3):
        services.begin_redirect(payment=make_payment(provider="scripted"), request=rf.get("/"))
    Scripted.answer = ProviderStatus("paid", "T-1")
    assert services.refresh_pending(tenant=tenant) == 3


def test_refresh_pending_checks_200_payments_per_run_oldest_first(
    scripted: Any, make_payment: Any, tenant: Any
) -> None:
    template = make_payment(provider="scripted")
    asked: list[int] = []

    class Counting(Scripted):
        def check_status(self, payment: Any) -> ProviderStatus:
            asked.append(payment.pk)
            return ProviderStatus("pending", "T-1")

    Payment.objects.bulk_create(
        Payment(
            tenant=tenant,
            reference=f"A-2026-{i:06d}",
            purpose="x",
            amount=template.amount,
            provider="scripted",
            status="pending",
            return_url="/",
        )
        for i in range(100, 301)
    )
    with fresh_registry(payment_providers, Counting):
        assert services.refresh_pending(tenant=tenant) == 0
    assert len(asked) == 200
    assert asked == sorted(asked)  # bulk-created in order: the oldest update first


# --------------------------------------------------------------------------- mark_by_treasury


def test_treasury_note_of_1000_characters_is_stored_1001_refused(make_payment: Any, clerk: Any) -> None:
    payment = make_payment()
    with pytest.raises(ValidationFailed):
        services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note="n" * 1001)
    services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note=" " + "n" * 1000 + " ")
    assert _events(payment)[-1][2]["note"] == "n" * 1000


def test_treasury_note_missing_names_the_note_field(make_payment: Any, clerk: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.mark_by_treasury(payment=make_payment(), status="paid", actor=clerk, note=None)  # type: ignore[arg-type]
    assert caught.value.errors == [{"field": "note", "message": "Pflichtangabe fehlt."}]


@pytest.mark.parametrize("status", ["paid", "failed", "cancelled", "open"])
def test_treasury_may_set_the_four_final_or_open_states(make_payment: Any, clerk: Any, status: str) -> None:
    payment = make_payment()
    if status == "open":
        services.mark_by_treasury(payment=payment, status="failed", actor=clerk, note="erst abgelehnt")
    services.mark_by_treasury(payment=payment, status=status, actor=clerk, note="Korrektur")
    payment.refresh_from_db()
    assert payment.status == status
    assert (payment.paid_at is not None) == (status == "paid")


def test_treasury_history_names_the_actor_and_the_old_status(make_payment: Any, clerk: Any) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Beleg 3")
    services.mark_by_treasury(payment=payment, status="open", actor=clerk, note="Beleg storniert")
    payment.refresh_from_db()
    assert payment.status == "open" and payment.paid_at is None
    assert _events(payment)[1:] == [
        ("treasury", "paid", {"note": "Beleg 3", "actor_id": clerk.pk, "actor": "Kai Kasse", "old_status": "open"}),
        (
            "treasury",
            "open",
            {"note": "Beleg storniert", "actor_id": clerk.pk, "actor": "Kai Kasse", "old_status": "paid"},
        ),
    ]


def test_treasury_history_names_an_actor_without_name_by_email(make_payment: Any, tenant: Any) -> None:
    clerk = StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY], first_name="", last_name="")
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Beleg 4")
    assert _events(payment)[-1][2]["actor"] == clerk.email


def test_treasury_of_another_municipality_gets_not_found(make_payment: Any, other_tenant: Any) -> None:
    stranger = StaffFactory(tenant=other_tenant, roles=[StaffRole.Role.TREASURY])
    payment = make_payment()
    with pytest.raises(NotFound):
        services.mark_by_treasury(payment=payment, status="paid", actor=stranger, note="fremd")
    payment.refresh_from_db()
    assert payment.status == "open" and len(_events(payment)) == 1


def test_treasury_confirming_the_same_status_records_the_note_but_keeps_paid_at(
    make_payment: Any, clerk: Any, tenant: Any
) -> None:
    payment = make_payment()
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Beleg 5")
    first_paid_at = Payment.objects.for_tenant(tenant).get(pk=payment.pk).paid_at
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="nochmals geprüft")
    assert Payment.objects.for_tenant(tenant).get(pk=payment.pk).paid_at == first_paid_at
    assert [e[0] for e in _events(payment)] == ["created", "treasury", "treasury"]


# --------------------------------------------------------------------------- demo outcome


def test_demo_outcome_is_stored_with_its_time(make_payment: Any, tenant: Any) -> None:
    payment = make_payment()
    services.record_demo_outcome(payment=payment, outcome="paid")
    stored = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    assert stored.provider_data["demo"] == "paid"
    assert dt.datetime.fromisoformat(stored.provider_data["demo_at"]).tzinfo is not None
    assert payment.provider_data == stored.provider_data
    assert stored.status == "open"  # only the provider's status check makes it paid


def test_demo_outcome_keeps_the_other_provider_data(make_payment: Any, tenant: Any) -> None:
    payment = make_payment()
    Payment.objects.for_tenant(tenant).filter(pk=payment.pk).update(provider_data={"session": "s-2"})
    services.record_demo_outcome(payment=payment, outcome="cancelled")
    stored = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    assert stored.provider_data["session"] == "s-2" and stored.provider_data["demo"] == "cancelled"


@pytest.mark.parametrize("outcome", ["failed", "", "PAID"])
def test_demo_outcome_other_than_paid_or_cancelled_is_refused(make_payment: Any, outcome: str) -> None:
    with pytest.raises(ValidationFailed):
        services.record_demo_outcome(payment=make_payment(), outcome=outcome)


def test_demo_outcome_for_another_provider_is_refused(scripted: Any, make_payment: Any) -> None:
    with pytest.raises(ValidationFailed):
        services.record_demo_outcome(payment=make_payment(provider="scripted"), outcome="paid")


def test_demo_outcome_for_a_paid_payment_is_refused(make_payment: Any, clerk: Any, tenant: Any) -> None:
    payment = make_payment()
    stale = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="bar")
    with pytest.raises(PaymentNotPayable):
        services.record_demo_outcome(payment=stale, outcome="cancelled")
    assert "demo" not in Payment.objects.for_tenant(tenant).get(pk=payment.pk).provider_data


# --------------------------------------------------------------------------- payer


def test_payer_of_the_same_municipality_is_stored(make_payment: Any, tenant: Any) -> None:
    other_citizen = CitizenFactory(tenant=tenant)
    assert make_payment(payer=other_citizen).payer_id == other_citizen.pk


# --------------------------------------------------------------------------- durability


@pytest.mark.parametrize("use_case", ["begin_redirect", "refresh_status", "mark_by_treasury", "record_demo_outcome"])
def test_status_changes_refuse_to_run_inside_a_callers_transaction(
    request: Any, make_payment: Any, rf: Any, clerk: Any, tenant: Any, use_case: str
) -> None:
    """Each commits on its own (durable): when it returns, the change and its events are stored."""
    from django.db import transaction

    if use_case != "record_demo_outcome":
        request.getfixturevalue("scripted")
    payment = make_payment(provider="demo" if use_case == "record_demo_outcome" else "scripted")
    calls = {
        "begin_redirect": lambda: services.begin_redirect(payment=payment, request=rf.get("/")),
        "refresh_status": lambda: services.refresh_status(payment=payment),
        "mark_by_treasury": lambda: services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="x"),
        "record_demo_outcome": lambda: services.record_demo_outcome(payment=payment, outcome="paid"),
    }
    with pytest.raises(RuntimeError), transaction.atomic():
        calls[use_case]()
    assert Payment.objects.for_tenant(tenant).get(pk=payment.pk).status == "open"
