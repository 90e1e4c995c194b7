"""refresh_status and mark_by_treasury: server-side truth, idempotent, one history entry and one event per change."""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.core.errors import ValidationFailed
from rathaus.core.models import Event
from rathaus.core.plugins import fresh_registry
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory
from rathaus.payments import services
from rathaus.payments.errors import PaymentProviderUnavailable
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.providers.base import PaymentProvider, ProviderError, ProviderStatus
from rathaus.payments.providers.registry import payment_providers


class Scripted(PaymentProvider):
    """A provider whose answer the test sets."""

    identifier = "scripted"
    label = "Skript"
    answer: ProviderStatus | Exception = ProviderStatus("pending", "T-1")
    calls = 0

    def start(self, payment: Payment, *, request: Any) -> str:
        payment.provider_reference = "T-1"
        return "https://zahlung.example/seite"

    def check_status(self, payment: Payment) -> ProviderStatus:
        type(self).calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def scripted() -> Any:
    Scripted.answer = ProviderStatus("pending", "T-1")
    Scripted.calls = 0
    with fresh_registry(payment_providers, Scripted):
        yield Scripted


def _events(tenant: Any, payment: Payment) -> list[tuple[str, str]]:
    return [(e.source, e.status) for e in PaymentEvent.objects.for_tenant(tenant).filter(payment=payment)]


def _published(tenant: Any, payment: Payment) -> list[str]:
    """The durable events published about the payment (rathaus.core.events), by kind."""
    return list(Event.objects.for_tenant(tenant).filter(subject=str(payment.uuid)).values_list("kind", flat=True))


def test_paid_is_stored_once_and_published_once(
    scripted: Any, make_payment: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    payment = make_payment(provider="scripted")
    scripted.answer = ProviderStatus("paid", "T-1")
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh_status(payment=payment, source="browser_return")
        services.refresh_status(payment=payment, source="status_check")
        services.refresh_status(payment=payment, source="notification")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.paid_at is not None
    assert payment.provider_reference == "T-1"
    assert _events(tenant, payment) == [("created", "open"), ("browser_return", "paid")]
    assert _published(tenant, payment) == ["payment.paid"]


def test_two_refreshes_of_stale_copies_record_one_event(
    scripted: Any, make_payment: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    payment = make_payment(provider="scripted")
    # Two requests loaded the row before either refreshed it (the race of two browser returns).
    first = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    second = Payment.objects.for_tenant(tenant).get(pk=payment.pk)
    scripted.answer = ProviderStatus("paid", "T-1")
    with django_capture_on_commit_callbacks(execute=True):
        services.refresh_status(payment=first, source="browser_return")
        services.refresh_status(payment=second, source="notification")
    assert second.status == Payment.Status.PAID  # the stale copy learned the stored state
    assert _events(tenant, payment)[1:] == [("browser_return", "paid")]
    assert _published(tenant, payment) == ["payment.paid"]


def test_paid_is_final_for_providers(scripted: Any, make_payment: Any) -> None:
    payment = make_payment(provider="scripted")
    scripted.answer = ProviderStatus("paid", "T-1")
    services.refresh_status(payment=payment)
    scripted.answer = ProviderStatus("cancelled", "T-1")
    services.refresh_status(payment=payment)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_not_started_answer_does_not_undo_pending(scripted: Any, make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    assert payment.status == Payment.Status.PENDING
    scripted.answer = ProviderStatus("open")
    services.refresh_status(payment=payment)
    assert payment.status == Payment.Status.PENDING


def test_unreachable_provider_changes_nothing(scripted: Any, make_payment: Any, tenant: Any) -> None:
    payment = make_payment(provider="scripted")
    scripted.answer = ProviderError("Die Bezahlplattform ist gerade nicht erreichbar.")
    with pytest.raises(PaymentProviderUnavailable) as caught:
        services.refresh_status(payment=payment)
    assert "nicht erreichbar" in str(caught.value.detail)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert len(_events(tenant, payment)) == 1


def test_begin_redirect_stores_reference_and_sets_pending(scripted: Any, make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="scripted")
    url = services.begin_redirect(payment=payment, request=rf.get("/"))
    assert url == "https://zahlung.example/seite"
    payment.refresh_from_db()
    assert (payment.status, payment.provider_reference) == ("pending", "T-1")


def test_treasury_correction_needs_a_note_and_is_audited(
    make_payment: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    payment = make_payment()
    clerk = StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY], first_name="Kai", last_name="Kasse")
    with pytest.raises(ValidationFailed):
        services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="   ")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_by_treasury(payment=payment, status="paid", actor=clerk, note="Barzahlung Kasse 2, Beleg 17")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.paid_at is not None
    event = PaymentEvent.objects.for_tenant(tenant).filter(payment=payment, source="treasury").get()
    assert event.detail["note"] == "Barzahlung Kasse 2, Beleg 17"
    assert event.detail["actor"] == "Kai Kasse"
    assert event.detail["old_status"] == "open"
    assert _published(tenant, payment) == ["payment.paid"]


def test_treasury_cannot_set_pending_by_hand(make_payment: Any, tenant: Any) -> None:
    clerk = StaffFactory(tenant=tenant, roles=[StaffRole.Role.TREASURY])
    with pytest.raises(ValidationFailed):
        services.mark_by_treasury(payment=make_payment(), status="pending", actor=clerk, note="x")


def test_refresh_pending_checks_citizens_who_never_came_back(scripted: Any, make_payment: Any, rf: Any) -> None:
    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    scripted.answer = ProviderStatus("paid", "T-1")
    assert services.refresh_pending(tenant=payment.tenant) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_fresh_registry_hides_builtin_providers(scripted: Any) -> None:
    assert "demo" not in payment_providers
    assert payment_providers.get("scripted").label == "Skript"
    with pytest.raises(LookupError):
        payment_providers.get("demo")


def test_periodic_task_refreshes_pending_payments_of_every_municipality(
    scripted: Any, make_payment: Any, rf: Any
) -> None:
    from rathaus.payments.tasks import refresh_pending_payments

    payment = make_payment(provider="scripted")
    services.begin_redirect(payment=payment, request=rf.get("/"))
    scripted.answer = ProviderStatus("paid", "T-1")
    assert refresh_pending_payments() == 1
