"""Payments reach applications as durable events: a crash after the payment's commit loses nothing, and
repeated deliveries forward an application once."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from rathaus.applications import services
from rathaus.applications.models import Application, Draft
from rathaus.core import events
from rathaus.core.models import Delivery, Event
from rathaus.identity.models import StaffRole
from rathaus.identity.tests.factories import StaffFactory, login_staff
from rathaus.payments import services as payments
from rathaus.payments.models import Payment

from .conftest import HUND_FORM
from .test_submission_rules import ANSWERS

pytestmark = pytest.mark.usefixtures("fake_scanner")


@pytest.fixture
def waiting(tenant: Any, citizen: Any, hund_form: Any) -> Application:
    """Submitted, with a fee the service wants paid before the office sees the application."""
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=hund_form, answers=ANSWERS)
    application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    assert application.payment_required_first and application.forwarded_at is None
    return application


@pytest.fixture
def office(tenant: Any, hund_service: Any) -> Client:
    caseworker = StaffFactory(tenant=tenant, email="sb@alpha.example")
    StaffRole.objects.create(tenant=tenant, user=caseworker, org_unit=hund_service.org_unit, role="caseworker")
    client = Client(HTTP_HOST=f"{tenant.slug}.testserver")
    login_staff(client, caseworker)
    return client


def _payment(application: Application) -> Payment:
    return payments.start_payment(
        tenant=application.tenant,
        reference=application.number,
        purpose=f"{application.number} Hundesteuer",
        amount=application.fee_total,
        lines=[],
        payer=application.applicant,
        return_url=f"/antraege/{application.number}/",
    )


def _book(payment: Payment, status: str = "paid") -> Payment:
    """The Stadtkasse books the payment (the same status change and event as a provider's confirmation)."""
    clerk = StaffFactory(tenant=payment.tenant, email=f"kasse-{status}@alpha.example")
    return payments.mark_by_treasury(payment=payment, status=status, actor=clerk, note="Barzahlung Kasse 2")


def _kinds(application: Application) -> list[str]:
    about = Event.objects.for_tenant(application.tenant_id).filter(subject=application.number)
    return list(about.values_list("kind", flat=True))


def _in_office_list(office: Client, application: Application) -> bool:
    return application.number in office.get("/intern/antraege/").content.decode()


def test_payment_whose_delivery_died_after_its_commit_is_forwarded_by_the_sweep(
    waiting: Application, office: Client, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    healthy = events._dispatch

    def died(event_id: int) -> None:
        raise RuntimeError("process killed between the commit and the consumer")

    monkeypatch.setattr(events, "_dispatch", died)
    with django_capture_on_commit_callbacks(execute=True):
        payment = _book(_payment(waiting))
    assert payment.status == Payment.Status.PAID  # the payment committed …
    waiting.refresh_from_db()
    assert waiting.payment_state == "open" and waiting.forwarded_at is None  # … the application never heard
    assert not _in_office_list(office, waiting)
    assert Delivery.objects.get(event__kind="payment.paid", consumer="applications.record_payment").state == "pending"

    monkeypatch.setattr(events, "_dispatch", healthy)  # the next process (Celery beat: every minute)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("events", "--sweep", stdout=out)
    # the payment to applications, and to steering's figures with the fixture's submission
    assert "3 zugestellt" in out.getvalue()
    waiting.refresh_from_db()
    assert waiting.payment_state == "paid" and waiting.forwarded_at is not None
    assert _in_office_list(office, waiting)
    assert _kinds(waiting) == ["application.submitted", "application.forwardable"]
    # (steering's live figures consume these events too: not this test's concern)
    assert set(Delivery.objects.exclude(consumer__startswith="steering.").values_list("consumer", "state")) == {
        ("applications.record_payment", "done"),
        ("applications.office_inbox", "done"),
        ("records.file_application", "done"),  # the E-Akte filed it as a case
    }


def test_replayed_and_duplicated_payment_events_forward_the_application_once(
    waiting: Application, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        payment = _book(_payment(waiting))
    waiting.refresh_from_db()
    forwarded_at = waiting.forwarded_at
    assert forwarded_at is not None and _kinds(waiting) == ["application.submitted", "application.forwardable"]
    paid = Event.objects.for_tenant(tenant).get(kind="payment.paid")

    # At least once: the same delivery again (as after a worker died before recording it), and a second event.
    Delivery.objects.filter(event=paid).update(state="pending", next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(tenant, "payment.paid", str(payment.uuid), paid.payload)
        # both consumers of each payment.paid (applications, steering) and steering's pending submission
        assert events.sweep().delivered == 5

    waiting.refresh_from_db()
    assert waiting.forwarded_at == forwarded_at and waiting.payment_state == "paid"
    assert _kinds(waiting) == ["application.submitted", "application.forwardable"]
    assert list(Delivery.objects.filter(consumer="applications.record_payment").values_list("state", flat=True)) == [
        "done",
        "done",
    ]


def test_failed_payment_marks_the_fee_failed_and_a_late_failure_never_undoes_paid(
    waiting: Application, tenant: Any, office: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _book(_payment(waiting), "cancelled")
    waiting.refresh_from_db()
    assert waiting.payment_state == "failed" and waiting.forwarded_at is None
    assert not _in_office_list(office, waiting)
    failed = Event.objects.for_tenant(tenant).get(kind="payment.failed")
    assert failed.payload["status"] == "cancelled" and failed.payload["reference"] == waiting.number

    with django_capture_on_commit_callbacks(execute=True):
        _book(_payment(waiting))  # a new payment, paid
    waiting.refresh_from_db()
    assert waiting.payment_state == "paid" and _in_office_list(office, waiting)

    Delivery.objects.filter(event=failed).update(state="pending", next_attempt_at=timezone.now())
    events.sweep()  # the old failure arrives again, late
    waiting.refresh_from_db()
    assert waiting.payment_state == "paid" and waiting.forwarded_at is not None


def test_without_payment_first_the_application_is_forwarded_at_submission_and_paying_adds_nothing(
    tenant: Any, citizen: Any, hund_service: Any, office: Client, django_capture_on_commit_callbacks: Any
) -> None:
    form = services.publish_form(
        service=hund_service, definition={**HUND_FORM, "payment_required_before_forwarding": False}
    )
    draft = Draft.objects.create(tenant=tenant, owner=citizen, form_version=form, answers=ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit(draft_uuid=draft.uuid, tenant=tenant, actor=citizen, trust_level="low")
    assert application.payment_state == "open" and application.fee_total == Decimal("96.00")
    forwarded_at = application.forwarded_at
    application.refresh_from_db()
    assert application.forwarded_at == forwarded_at  # the inbox consumer confirms, it does not move the time
    assert _in_office_list(office, application)
    assert _kinds(application) == ["application.submitted", "application.forwardable"]
    submitted = Event.objects.for_tenant(tenant).get(kind="application.submitted")
    assert submitted.payload == {"number": application.number, "service": hund_service.leika_key, "forwardable": True}
    assert Delivery.objects.get(consumer="applications.office_inbox").state == "done"

    with django_capture_on_commit_callbacks(execute=True):
        _book(_payment(application))
    application.refresh_from_db()
    assert application.payment_state == "paid"
    assert _kinds(application) == ["application.submitted", "application.forwardable"]


def test_office_inbox_consumer_lists_a_forwardable_application_once(
    waiting: Application, tenant: Any, office: Client, django_capture_on_commit_callbacks: Any
) -> None:
    """A publisher that relies on the event alone: the inbox consumer sets forwarded_at, idempotently."""
    with django_capture_on_commit_callbacks(execute=True):
        event = events.publish(
            tenant, "application.forwardable", waiting.number, {"number": waiting.number, "reason": "paid"}
        )
    waiting.refresh_from_db()
    assert waiting.forwarded_at == event.created_at
    assert _in_office_list(office, waiting)

    Delivery.objects.filter(event=event).update(state="pending", next_attempt_at=timezone.now())
    later = timezone.now()
    # the office inbox and the E-Akte, both again; and steering counts the fixture's submission
    assert events.sweep(now=later).delivered == 3
    waiting.refresh_from_db()
    assert waiting.forwarded_at == event.created_at
