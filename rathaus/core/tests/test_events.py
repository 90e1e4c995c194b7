"""Durable events: published with the writer's transaction, delivered at least once, retried, given up, listed."""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from rathaus.core import events
from rathaus.core.events import EventPayload, consumer, publish
from rathaus.core.models import Delivery, Event

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class Ping(EventPayload):
    n: int
    note: str = ""


@pytest.fixture
def bus() -> Iterator[events.Registry]:
    """The real registry with ``test.ping`` declared; test consumers are gone after the test."""
    with events.registry.isolated() as registry:
        registry.declare("test.ping", Ping, "A test event.")
        yield registry


@pytest.fixture
def crash_after_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies between the commit and the delivery: the after-commit dispatch never delivers."""

    def died(event_id: int) -> None:
        raise RuntimeError("worker killed before it delivered")

    monkeypatch.setattr(events, "_dispatch", died)


def _command(*args: str) -> str:
    out = io.StringIO()
    call_command("events", *args, stdout=out)
    return out.getvalue()


# --------------------------------------------------------------------------- publishing


def test_unknown_kind_is_refused_and_nothing_is_written(bus: Any, tenant: Any) -> None:
    with pytest.raises(events.UnknownEventKind, match=r"test\.pong"):
        publish(tenant, "test.pong", "p-1", {"n": 1})
    assert not Event.objects.unscoped().exists()


@pytest.mark.parametrize(
    "payload",
    [{}, {"n": "viele"}, {"n": 1, "secret": "x"}, {"n": 1, "note": ["a"]}],
    ids=["missing", "wrong-type", "undeclared-field", "wrong-type-optional"],
)
def test_payload_that_does_not_fit_its_declaration_is_refused(bus: Any, tenant: Any, payload: Any) -> None:
    with pytest.raises(events.InvalidEventPayload, match=r"test\.ping: payload does not fit Ping"):
        publish(tenant, "test.ping", "p-1", payload)
    assert not Event.objects.unscoped().exists()


def test_payload_of_another_declaration_is_refused(bus: Any, tenant: Any) -> None:
    class Other(EventPayload):
        n: int

    with pytest.raises(events.InvalidEventPayload, match="Other"):
        publish(tenant, "test.ping", "p-1", Other(n=1))


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused(bus: Any, tenant: Any) -> None:
    with pytest.raises(events.PublishOutsideTransaction):
        publish(tenant, "test.ping", "p-1", {"n": 1})
    assert not Event.objects.unscoped().exists()


def test_publish_in_a_rolled_back_transaction_leaves_no_event(
    bus: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[int] = []
    consumer("test.ping", name="test.count")(lambda event, data: calls.append(data.n))
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish(tenant, "test.ping", "p-1", {"n": 1})
        raise RuntimeError("the writer fails after publishing")
    assert callbacks == [] and calls == []
    assert not Event.objects.unscoped().exists()
    assert not Delivery.objects.exists()


def test_after_commit_each_consumer_gets_the_event_once_with_its_payload(
    bus: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[tuple[str, int, str]] = []
    consumer("test.ping", name="test.first")(lambda event, data: seen.append(("first", data.n, event.subject)))
    consumer("test.ping", name="test.second")(lambda event, data: seen.append(("second", data.n, event.subject)))
    with django_capture_on_commit_callbacks(execute=True):
        event = publish(tenant, "test.ping", "p-1", Ping(n=7))
        assert seen == []  # nothing before the commit
    assert seen == [("first", 7, "p-1"), ("second", 7, "p-1")]
    assert event.payload == {"n": 7, "note": ""}
    rows = Delivery.objects.filter(event=event).order_by("consumer")
    assert [(d.consumer, d.state, d.attempts, d.last_error) for d in rows] == [
        ("test.first", "done", 1, ""),
        ("test.second", "done", 1, ""),
    ]
    assert all(d.done_at is not None for d in rows)


def test_an_event_nobody_consumes_is_stored_without_deliveries(bus: Any, tenant: Any) -> None:
    event = publish(tenant, "test.ping", "p-1", {"n": 1})
    assert Event.objects.for_tenant(tenant).get() == event
    assert not Delivery.objects.exists()


# --------------------------------------------------------------------------- failures and the sweep


def test_sweep_delivers_what_a_crash_between_commit_and_delivery_left_behind(
    bus: Any, tenant: Any, crash_after_commit: None, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[int] = []
    consumer("test.ping", name="test.count")(lambda event, data: calls.append(data.n))
    with django_capture_on_commit_callbacks(execute=True):
        publish(tenant, "test.ping", "p-1", {"n": 1})  # the writer is not failed by the dead dispatch
    assert calls == []
    assert Delivery.objects.get().state == "pending"
    assert "1 zugestellt" in _command("--sweep")
    assert calls == [1]
    assert Delivery.objects.get().state == "done"
    assert events.sweep().attempted == 0  # delivered once, not again


def test_a_raising_consumer_blocks_neither_other_consumers_nor_other_events_and_its_writes_roll_back(
    bus: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    seen: list[int] = []

    @consumer("test.ping", name="test.broken")
    def broken(event: Event, data: Ping) -> None:
        Event.objects.create(tenant_id=event.tenant_id, kind="test.half", payload={})  # must not survive
        raise ValueError("kaputt")

    consumer("test.ping", name="test.fine")(lambda event, data: seen.append(data.n))
    with django_capture_on_commit_callbacks(execute=True):
        first = publish(tenant, "test.ping", "p-1", {"n": 1})
        second = publish(tenant, "test.ping", "p-2", {"n": 2})
    assert seen == [1, 2]
    states = {(d.event_id, d.consumer): (d.state, d.attempts) for d in Delivery.objects.all()}
    assert states == {
        (first.pk, "test.broken"): ("pending", 1),
        (first.pk, "test.fine"): ("done", 1),
        (second.pk, "test.broken"): ("pending", 1),
        (second.pk, "test.fine"): ("done", 1),
    }
    assert not Event.objects.unscoped().filter(kind="test.half").exists()
    assert Delivery.objects.filter(consumer="test.broken").first().last_error.startswith("ValueError: kaputt\n")


def test_failing_consumer_is_retried_with_backoff_then_given_up_listed_and_retried_by_command(
    bus: Any, tenant: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert (settings.RATHAUS_EVENTS_MAX_ATTEMPTS, settings.RATHAUS_EVENTS_BACKOFF_SECONDS) == (8, 30)
    attempts: list[dt.datetime] = []
    broken = True

    @consumer("test.ping", name="test.flaky")
    def flaky(event: Event, data: Ping) -> None:
        attempts.append(timezone.now())
        if broken:
            raise ConnectionError("Fachverfahren antwortet nicht")

    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            event = publish(tenant, "test.ping", "p-1", {"n": 1})
        delivery = Delivery.objects.get(event=event)
        waits = []
        for _ in range(7):
            delivery.refresh_from_db()
            assert delivery.state == "pending"
            wait = delivery.next_attempt_at - timezone.now()
            waits.append(wait.total_seconds())
            clock.shift(wait - dt.timedelta(seconds=1))
            assert events.sweep().attempted == 0  # not due yet
            clock.shift(dt.timedelta(seconds=1))
            assert events.sweep().attempted == 1
        delivery.refresh_from_db()
        assert events.sweep(now=timezone.now() + dt.timedelta(days=30)).attempted == 0  # given up: left alone
    assert waits == [30, 60, 120, 240, 480, 960, 1920]
    assert len(attempts) == 8
    assert (delivery.state, delivery.attempts) == ("failed", 8)
    assert delivery.last_error.splitlines()[0] == "ConnectionError: Fachverfahren antwortet nicht"

    listed = _command("--failed")
    assert "1 aufgegebene Zustellung" in listed
    line = next(line for line in listed.splitlines() if line.startswith(f"{delivery.pk}\t"))
    assert "test.ping\tp-1\talpha\ttest.flaky\t8 Versuche" in line and "ConnectionError" in line

    broken = False
    assert f"{delivery.pk}: zugestellt" in _command("--retry", str(delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(attempts)) == ("done", 1, 9)
    assert "Keine aufgegebenen Zustellungen" in _command("--failed")


def test_retry_that_fails_again_says_so_and_keeps_trying(
    bus: Any, tenant: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_EVENTS_MAX_ATTEMPTS = 1
    consumer("test.ping", name="test.broken")(lambda event, data: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        publish(tenant, "test.ping", "p-1", {"n": 1})
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"
    settings.RATHAUS_EVENTS_MAX_ATTEMPTS = 3
    with pytest.raises(CommandError, match="wieder fehlgeschlagen"):
        _command("--retry", str(delivery.pk))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_error.startswith("ZeroDivisionError")


def test_retry_all_failed_delivers_every_given_up_delivery(
    bus: Any, tenant: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_EVENTS_MAX_ATTEMPTS = 1
    broken = True
    seen: list[int] = []

    @consumer("test.ping", name="test.flaky")
    def flaky(event: Event, data: Ping) -> None:
        if broken:
            raise OSError("Netz weg")
        seen.append(data.n)

    with django_capture_on_commit_callbacks(execute=True):
        for n in (1, 2, 3):
            publish(tenant, "test.ping", f"p-{n}", {"n": n})
    assert set(Delivery.objects.values_list("state", flat=True)) == {"failed"}
    broken = False
    assert "3 zugestellt" in _command("--retry-all-failed")
    assert sorted(seen) == [1, 2, 3]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}


def test_retry_of_a_delivered_or_unknown_delivery_is_refused(
    bus: Any, tenant: Any, django_capture_on_commit_callbacks: Any
) -> None:
    consumer("test.ping", name="test.fine")(lambda event, data: None)
    with django_capture_on_commit_callbacks(execute=True):
        publish(tenant, "test.ping", "p-1", {"n": 1})
    done = Delivery.objects.get()
    with pytest.raises(CommandError, match="bereits zugestellt"):
        _command("--retry", str(done.pk))
    with pytest.raises(CommandError, match="Keine Zustellung"):
        _command("--retry", str(done.pk + 1000))


def test_a_consumer_missing_in_this_process_is_retried_not_lost(
    bus: Any, tenant: Any, crash_after_commit: None, django_capture_on_commit_callbacks: Any
) -> None:
    """A rolling deploy: the new code published for a consumer an old worker does not know yet."""
    calls: list[int] = []
    consumer("test.ping", name="test.new")(lambda event, data: calls.append(data.n))
    with django_capture_on_commit_callbacks(execute=True):
        publish(tenant, "test.ping", "p-1", {"n": 1})
    del bus.consumers["test.new"]
    assert events.sweep().retrying == 1
    delivery = Delivery.objects.get()
    assert delivery.state == "pending" and "test.new" in delivery.last_error.splitlines()[0]


def test_backoff_doubles_up_to_its_maximum(settings: Any) -> None:
    settings.RATHAUS_EVENTS_BACKOFF_SECONDS = 30
    settings.RATHAUS_EVENTS_MAX_BACKOFF_SECONDS = 3600
    assert [events.backoff(n).total_seconds() for n in range(1, 10)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600,
    ]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_delivery_another_worker_holds_is_left_to_it(bus: Any, tenant: Any, crash_after_commit: None) -> None:
    calls: list[int] = []
    consumer("test.ping", name="test.count")(lambda event, data: calls.append(data.n))
    with transaction.atomic():
        held, *_others = [publish(tenant, "test.ping", f"p-{n}", {"n": n}) for n in (1, 2, 3)]
    assert Delivery.objects.filter(state="pending").count() == 3
    if connection.vendor == "postgresql":
        locked, release = threading.Event(), threading.Event()

        def other_worker() -> None:  # its own connection, delivering the first event right now
            try:
                with transaction.atomic():
                    Delivery.objects.select_for_update().get(event=held)
                    locked.set()
                    release.wait(20)
            finally:
                connection.close()

        worker = threading.Thread(target=other_worker)
        worker.start()
        assert locked.wait(20)
        try:
            outcome = events.sweep()  # SKIP LOCKED: neither waits for the row nor delivers it
        finally:
            release.set()
            worker.join(20)
        assert outcome.delivered == 2 and calls == [2, 3]
        assert Delivery.objects.get(event=held).state == "pending"
    else:
        # SQLite has no row locks; every transaction is BEGIN IMMEDIATE, so one sweep writes at a time.
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        events.sweep(limit=2)
        assert calls == [1, 2]
    events.sweep()
    assert sorted(calls) == [1, 2, 3]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"done"}


# --------------------------------------------------------------------------- declarations and the contract


def test_declarations_and_registrations_are_checked(bus: Any) -> None:
    with pytest.raises(ValueError, match="declared twice"):
        bus.declare("test.ping", Ping, "Again.")
    with pytest.raises(ValueError, match="lower-case dotted"):
        bus.declare("Ping", Ping, "No app.")
    with pytest.raises(TypeError, match="EventPayload"):
        bus.declare("test.dict", dict, "Not a model.")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="say what it means"):
        bus.declare("test.mute", Ping, " ")
    with pytest.raises(events.UnknownEventKind):
        consumer("test.pong", name="test.deaf")(lambda event, data: None)
    consumer("test.ping", name="test.once")(lambda event, data: None)
    with pytest.raises(ValueError, match="registered twice"):
        consumer("test.ping", name="test.once")(lambda event, data: None)


def test_the_modules_contracts_are_declared_and_consumed() -> None:
    contract = _command("--kinds")
    assert "payment.paid: The payment reached *paid*" in contract
    assert "    amount: Decimal" in contract
    assert "    status: Literal['failed', 'cancelled']" in contract
    consumers = {c.name: c.kinds for c in events.registry.consumers.values()}
    assert consumers["applications.record_payment"] == ("payment.paid", "payment.failed")
    assert consumers["applications.office_inbox"] == ("application.forwardable",)
    assert set(events.registry.kinds) >= {
        "payment.paid",
        "payment.failed",
        "application.submitted",
        "application.forwardable",
    }


# --------------------------------------------------------------------------- operators


@pytest.fixture
def operator_client(db: Any) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from rathaus.identity.models import User
    from rathaus.identity.tests.factories import UserFactory

    operator = UserFactory(tenant=None, email="betrieb@rathaus.example", kind=User.Kind.OPERATOR, is_superuser=True)
    device = TOTPDevice.objects.create(user=operator, name="rathaus", confirmed=True)
    client = Client(HTTP_HOST="platform.testserver")
    client.force_login(operator, backend="rathaus.identity.backends.TenantEmailBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def test_operators_find_given_up_deliveries_in_the_admin_and_deliver_them_again(
    bus: Any, tenant: Any, settings: Any, operator_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    settings.RATHAUS_EVENTS_MAX_ATTEMPTS = 1
    broken = True

    @consumer("test.ping", name="test.flaky")
    def flaky(event: Event, data: Ping) -> None:
        if broken:
            raise TimeoutError("E-Akte antwortet nicht")

    with django_capture_on_commit_callbacks(execute=True):
        publish(tenant, "test.ping", "p-1", {"n": 1})
        publish(tenant, "test.ping", "p-2", {"n": 2})
    first, second = Delivery.objects.order_by("pk")
    Delivery.objects.filter(pk=second.pk).update(state="done")

    listed = operator_client.get("/admin/core/delivery/", {"state__exact": "failed"})
    assert listed.status_code == 200
    page = listed.content.decode()
    assert "TimeoutError: E-Akte antwortet nicht" in page and "p-1" in page and "p-2" not in page
    assert operator_client.get(f"/admin/core/event/{first.event_id}/change/").status_code == 200

    broken = False
    response = operator_client.post(
        "/admin/core/delivery/", {"action": "retry", "_selected_action": [str(first.pk)]}, follow=True
    )
    assert response.status_code == 200 and "1 Zustellung gelungen" in response.content.decode()
    first.refresh_from_db()
    assert first.state == "done"
