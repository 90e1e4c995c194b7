"""Durable events: a transactional outbox that one module writes and other modules consume.

Declaring (``<app>/events.py``): a kind has a name, a payload model and a sentence of meaning::

    class PaymentPaid(EventPayload):
        payment: UUID
        reference: str

    declare("payment.paid", PaymentPaid, "A payment reached *paid* ...")

Publishing (in a service, inside the transaction of the change it announces)::

    publish(tenant, "payment.paid", str(payment.uuid), PaymentPaid(payment=..., reference=...))

The event row and one delivery row per registered consumer are written in the caller's transaction: if it
rolls back, the event never existed; if it commits, the event cannot get lost. An unknown kind or a payload
that does not fit its declaration is refused at once (:class:`UnknownEventKind`, :class:`InvalidEventPayload`).

Consuming (``<app>/consumers.py``; core imports every app's ``events`` and then ``consumers`` module when
Django starts)::

    @consumer("payment.paid", name="applications.record_payment")
    def record_payment(event: Event, data: PaymentPaid) -> None: ...

Delivery is at least once, so every consumer must be idempotent. After the commit, the Celery task
``rathaus.core.tasks.deliver_event`` delivers the event (in the embedded mode eagerly, in the same process).
Whatever is left behind — a process that died between commit and delivery, a consumer that raised — is
delivered by :func:`sweep` (Celery beat every minute, or ``rathaus events --sweep``). Each delivery runs in
its own savepoint, inside the transaction that records its outcome: a consumer's database writes and "done"
commit together, and a consumer that raises is rolled back alone, retried after 30 s, 1, 2, 4, … minutes
(at most ``RATHAUS_EVENTS_MAX_BACKOFF_SECONDS`` apart) and given up after ``RATHAUS_EVENTS_MAX_ATTEMPTS``
attempts; given-up deliveries are listed by ``rathaus events --failed`` and in the Django admin.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, ValidationError

from .models import Delivery, Event

if TYPE_CHECKING:
    from rathaus.tenants.models import Municipality

log = structlog.get_logger("rathaus.events")

NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")  # "payment.paid", "applications.record_payment"
SWEEP_BATCH = 100  # deliveries claimed (and committed) together by the sweep

Handler = Callable[[Event, Any], None]
H = TypeVar("H", bound=Handler)


class EventError(Exception):
    """Base of the errors of this module."""


class UnknownEventKind(EventError, LookupError):
    """No module declared this kind of event."""


class InvalidEventPayload(EventError, ValueError):
    """The payload does not fit the declaration of its kind."""


class PublishOutsideTransaction(EventError):
    """``publish`` was called outside ``transaction.atomic``: the event would not be atomic with its change."""


class EventPayload(BaseModel):
    """Base of every payload declaration: unknown fields are refused, a parsed payload does not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclasses.dataclass(frozen=True)
class EventKind:
    name: str
    payload: type[EventPayload]
    meaning: str

    def parse(self, payload: EventPayload | Mapping[str, Any]) -> EventPayload:
        """The payload as its declared model; :class:`InvalidEventPayload` if it does not fit."""
        if isinstance(payload, self.payload):
            return payload
        if isinstance(payload, BaseModel):
            raise InvalidEventPayload(
                f"{self.name}: payload is a {type(payload).__name__}, the kind declares {self.payload.__name__}"
            )
        try:
            return self.payload.model_validate(payload)
        except ValidationError as exc:
            raise InvalidEventPayload(f"{self.name}: payload does not fit {self.payload.__name__}: {exc}") from None


@dataclasses.dataclass(frozen=True)
class Consumer:
    name: str
    kinds: tuple[str, ...]
    handler: Handler


class Registry:
    """Declared kinds and registered consumers. Tests change it only inside :meth:`isolated`."""

    def __init__(self) -> None:
        self.kinds: dict[str, EventKind] = {}
        self.consumers: dict[str, Consumer] = {}

    def declare(self, name: str, payload: type[EventPayload], meaning: str) -> EventKind:
        if not NAME.match(name):
            raise ValueError(f"event kind {name!r}: use lower-case dotted names such as 'payment.paid'")
        if name in self.kinds:
            raise ValueError(f"event kind {name!r} is declared twice")
        if not (isinstance(payload, type) and issubclass(payload, EventPayload)):
            raise TypeError(f"event kind {name!r}: the payload must be an EventPayload model")
        if not meaning.strip():
            raise ValueError(f"event kind {name!r}: say what it means")
        kind = EventKind(name=name, payload=payload, meaning=" ".join(meaning.split()))
        self.kinds[name] = kind
        return kind

    def kind(self, name: str) -> EventKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UnknownEventKind(f"unknown event kind {name!r}: declare it in its app's events.py") from None

    def add_consumer(self, name: str, kinds: Iterable[str], handler: Handler) -> Consumer:
        kinds = tuple(kinds)
        if not NAME.match(name):
            raise ValueError(f"consumer {name!r}: use '<app>.<what it does>', e.g. 'applications.record_payment'")
        if name in self.consumers:
            raise ValueError(f"consumer {name!r} is registered twice")
        if not kinds:
            raise ValueError(f"consumer {name!r} consumes no kind")
        for kind in kinds:
            self.kind(kind)
        found = Consumer(name=name, kinds=kinds, handler=handler)
        self.consumers[name] = found
        return found

    def consumer(self, name: str) -> Consumer:
        try:
            return self.consumers[name]
        except KeyError:
            raise LookupError(f"no consumer {name!r} is registered in this process") from None

    def consumers_of(self, kind: str) -> list[Consumer]:
        return [c for c in self.consumers.values() if kind in c.kinds]

    @contextlib.contextmanager
    def isolated(self) -> Iterator[Registry]:
        """Declare and register freely inside; afterwards the registry is as it was (for tests)."""
        kinds, consumers = dict(self.kinds), dict(self.consumers)
        try:
            yield self
        finally:
            self.kinds, self.consumers = kinds, consumers


registry = Registry()


def declare(name: str, payload: type[EventPayload], meaning: str) -> EventKind:
    """Declare a kind of event (in the publishing app's ``events.py``)."""
    return registry.declare(name, payload, meaning)


def consumer(*kinds: str, name: str) -> Callable[[H], H]:
    """Register the decorated ``handler(event, data)`` for ``kinds`` under a stable ``name``.

    The name identifies the consumer's deliveries in the database: renaming it orphans them.
    """

    def register(handler: H) -> H:
        registry.add_consumer(name, kinds, handler)
        return handler

    return register


# --------------------------------------------------------------------------- publishing


def publish(
    tenant: Municipality | int, kind: str | EventKind, subject: str, payload: EventPayload | Mapping[str, Any]
) -> Event:
    """Write the event and its deliveries in the caller's transaction; deliver after commit.

    Guarantees on return: the payload fits the kind's declaration; the event row and one pending delivery
    per consumer of the kind exist in the current transaction and are delivered after it commits (or by the
    sweep, if that delivery never happens). Raises :class:`UnknownEventKind`, :class:`InvalidEventPayload`,
    :class:`PublishOutsideTransaction`; nothing is written then.
    """
    declared = registry.kind(kind.name if isinstance(kind, EventKind) else kind)
    data = declared.parse(payload)
    subject = str(subject)
    if len(subject) > 200:
        raise InvalidEventPayload(f"{declared.name}: the subject is longer than 200 characters")
    if not transaction.get_connection().in_atomic_block:
        raise PublishOutsideTransaction(
            f"{declared.name}: publish inside transaction.atomic(), together with the change it announces"
        )
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    event = Event.objects.create(
        tenant_id=tenant_id, kind=declared.name, subject=subject, payload=data.model_dump(mode="json")
    )
    consumers = registry.consumers_of(declared.name)
    if consumers:
        Delivery.objects.bulk_create(
            Delivery(event=event, consumer=c.name, next_attempt_at=event.created_at) for c in consumers
        )
        event_id = event.pk

        def dispatch() -> None:  # a plain function: Django logs a robust callback by its __qualname__
            _dispatch(event_id)

        # robust: a dispatch that fails (broker down) must not fail the writer; the sweep delivers instead.
        transaction.on_commit(dispatch, robust=True)
    return event


# How an event is handed over for delivery after its commit. rathaus.core.tasks installs its Celery task here
# when it is imported (CoreConfig.ready does that), so this module needs no import of the tasks module, which
# itself calls into this one. Until then (or if nothing installs one) the sweep delivers.
_dispatcher: Callable[[int], object] | None = None


def set_dispatcher(dispatcher: Callable[[int], object] | None) -> None:
    global _dispatcher
    _dispatcher = dispatcher


def _dispatch(event_id: int) -> None:
    if _dispatcher is not None:
        _dispatcher(event_id)


# --------------------------------------------------------------------------- delivering


@dataclasses.dataclass
class Outcome:
    """What a delivery run did: delivered, failed and to be retried, failed for the last time."""

    delivered: int = 0
    retrying: int = 0
    exhausted: int = 0

    @property
    def attempted(self) -> int:
        return self.delivered + self.retrying + self.exhausted

    def as_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: base, 2·base, 4·base, … up to the maximum."""
    base = settings.RATHAUS_EVENTS_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.RATHAUS_EVENTS_MAX_BACKOFF_SECONDS))


def deliver_event(event_id: int) -> Outcome:
    """Deliver the event's due deliveries now (the after-commit path)."""
    return _deliver_due(Q(event_id=event_id), now=timezone.now(), limit=None, oldest_first=False)


def sweep(*, now: datetime | None = None, limit: int | None = 10_000, batch: int = SWEEP_BATCH) -> Outcome:
    """Deliver every pending delivery that is due: left behind by a crash, or waiting for its retry.

    Deliveries are claimed ``batch`` at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so
    several workers sweeping at once never deliver the same row at the same time; on SQLite writers are
    serialised by the database. At most ``limit`` attempts per call (None: until nothing is due).
    """
    return _deliver_due(Q(), now=now or timezone.now(), limit=limit, batch=batch)


def _deliver_due(
    where: Q, *, now: datetime, limit: int | None, batch: int = SWEEP_BATCH, oldest_first: bool = True
) -> Outcome:
    total = Outcome()
    while limit is None or total.attempted < limit:
        size = batch if limit is None else min(batch, limit - total.attempted)
        with transaction.atomic():
            due = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("event")
                .filter(where, state=Delivery.State.PENDING, next_attempt_at__lte=now)
            )
            claimed = list((due.order_by("next_attempt_at", "pk") if oldest_first else due)[:size])
            done = [delivery.pk for delivery in claimed if _attempt(delivery, total)]
            if done:  # one UPDATE for the batch's successes; failures were saved one by one
                at = timezone.now()
                Delivery.objects.filter(pk__in=done).update(
                    state=Delivery.State.DONE, attempts=F("attempts") + 1, done_at=at, updated_at=at
                )
        if len(claimed) < size:
            break
    return total


def _attempt(delivery: Delivery, outcome: Outcome) -> bool:
    """One attempt, in its own savepoint. True if delivered (the caller records it); a failure is saved here."""
    event = delivery.event
    try:
        handler = registry.consumer(delivery.consumer).handler
        data = registry.kind(event.kind).parse(event.payload)
        with transaction.atomic():
            handler(event, data)
    except Exception as exc:
        delivery.attempts += 1
        delivery.last_error = _describe(exc)
        if delivery.attempts >= settings.RATHAUS_EVENTS_MAX_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
            outcome.exhausted += 1
            log.error("event_delivery_exhausted", delivery=delivery.pk, kind=event.kind, consumer=delivery.consumer)
        else:
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
            outcome.retrying += 1
            log.warning(
                "event_delivery_failed",
                delivery=delivery.pk,
                kind=event.kind,
                consumer=delivery.consumer,
                attempts=delivery.attempts,
                error=type(exc).__name__,
            )
        delivery.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "updated_at"])
        return False
    outcome.delivered += 1
    return True


def _describe(exc: BaseException) -> str:
    """First line ``Type: message`` (what lists show), then the traceback (what an operator needs)."""
    head = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    trace = "".join(traceback.format_exception(exc))
    return f"{head}\n\n{trace[-4000:]}"


# --------------------------------------------------------------------------- operators


def failed_deliveries() -> QuerySet[Delivery]:
    """Deliveries given up after their last attempt, oldest first, with their event and municipality."""
    return (
        Delivery.objects.filter(state=Delivery.State.FAILED)
        .select_related("event", "event__tenant")
        .order_by("updated_at", "pk")
    )


class AlreadyDelivered(EventError):
    """A retry was asked for a delivery that is done."""


def retry(delivery_id: int) -> Delivery:
    """Give a failed or pending delivery a fresh attempt budget and deliver it now; returns it as it ends.

    Raises ``Delivery.DoesNotExist`` for an unknown id and :class:`AlreadyDelivered` for a done one.
    """
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.state == Delivery.State.DONE:
            raise AlreadyDelivered(f"delivery {delivery_id} was delivered at {delivery.done_at:%Y-%m-%d %H:%M:%S}")
        _reset(Delivery.objects.filter(pk=delivery_id))
    _deliver_due(Q(pk=delivery_id), now=timezone.now(), limit=1)
    delivery.refresh_from_db()
    return delivery


def retry_all_failed() -> Outcome:
    """:func:`retry` for every given-up delivery."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update().filter(state=Delivery.State.FAILED).values_list("pk", flat=True)
        )
        _reset(Delivery.objects.filter(pk__in=ids))
    return _deliver_due(Q(pk__in=ids), now=timezone.now(), limit=None) if ids else Outcome()


def _reset(deliveries: QuerySet[Delivery]) -> None:
    now = timezone.now()
    count = deliveries.update(state=Delivery.State.PENDING, attempts=0, next_attempt_at=now, updated_at=now)
    log.info("event_delivery_reset", deliveries=count)
