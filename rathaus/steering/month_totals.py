"""Month totals of the application facts (:class:`ApplicationMonth`), kept by the consumers as the facts change.

What a fact adds to the totals is a function of its row and of whether its fees were paid
(:func:`contribution`). A consumer that changes a fact (or inserts a payment that a fact's media-break status
depends on) records the difference of that function before and after the change, in its own transaction
(:func:`record`). So the totals are always the sum of every fact's contribution:

- a replayed event changes no fact, so it records nothing (the difference is zero);
- a late event that moves a fact from one month to another (an earlier submission seen, a decision arriving)
  takes it out of the old month and adds it to the new one;
- every consumer first moves the municipality's ``FactsGeneration`` row on (``facts_cache.changed``), which
  locks that row until it commits: the consumers of one municipality run one after another, and each sees the
  facts and payments the previous ones committed (a payment and the decision it pays cannot miss each other).

:func:`rebuild` computes the table from the facts with the same function (``rathaus steering_month_totals``,
after a bulk load or to check the table); it moves the generation on too, so cached figures are computed anew.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from rathaus.tenants.models import Municipality

from . import facts_cache
from .models_facts import ApplicationFact, ApplicationMonth, PaymentFact

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MS = dt.timedelta(milliseconds=1)
COUNTS = (
    "submitted", "submitted_ms", "decided", "done", "done_ms",
    "decided_filed", "decided_fee", "decided_fee_paid", "decided_without",
)  # fmt: skip
Key = tuple[str, dt.date, str]  # (service, month, count)


def month_of(moment: dt.datetime) -> dt.date:
    """The first day of the calendar month of ``moment`` in the municipality's time zone."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date().replace(day=1)


def month_start(month: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, 1), timezone.get_default_timezone())


def ms(moment: dt.datetime) -> int:
    return (moment - EPOCH) // MS


def contribution(
    *,
    service: str,
    submitted_at: dt.datetime | None,
    decided_at: dt.datetime | None,
    filed_at: dt.datetime | None,
    fee_first: bool,
    decision_fee: bool,
    paid: Callable[[], tuple[bool, bool]],
) -> Counter[Key]:
    """What one fact adds to the month totals. ``paid()``: (a payment references the application's number,
    a payment references its decision) — asked only when a fee makes it matter."""
    out: Counter[Key] = Counter()
    if submitted_at is None:  # only its decision seen so far: not an online application in the figures yet
        return out
    month = month_of(submitted_at)
    out[service, month, "submitted"] += 1
    out[service, month, "submitted_ms"] += ms(submitted_at)
    if decided_at is None:
        return out
    month = month_of(decided_at)
    out[service, month, "decided"] += 1
    done = month_of(max(submitted_at, decided_at))
    out[service, done, "done"] += 1
    out[service, done, "done_ms"] += ms(submitted_at)
    fees_paid = True
    if fee_first or decision_fee:
        number_paid, decision_paid = paid()
        fees_paid = (not fee_first or number_paid) and (not decision_fee or decision_paid)
        out[service, month, "decided_fee"] += 1
        out[service, month, "decided_fee_paid"] += int(fees_paid)
    if filed_at is not None:
        out[service, month, "decided_filed"] += 1
        out[service, month, "decided_without"] += int(fees_paid)
    return +out  # without zeros


def of_fact(fact: ApplicationFact, *, ignore_payment: int | None = None) -> Counter[Key]:
    """:func:`contribution` of a fact as stored now; ``ignore_payment``: as if that payment were not there."""

    def paid() -> tuple[bool, bool]:
        payments = PaymentFact.all_tenants.filter(tenant_id=fact.tenant_id)
        if ignore_payment is not None:
            payments = payments.exclude(pk=ignore_payment)
        number = fact.fee_first and payments.filter(reference=fact.number).exists()
        decision = fact.decision_fee and payments.filter(reference=fact.decision).exists()
        return bool(number), bool(decision)

    return contribution(
        service=fact.service,
        submitted_at=fact.submitted_at,
        decided_at=fact.decided_at,
        filed_at=fact.filed_at,
        fee_first=fact.fee_first,
        decision_fee=fact.decision_fee,
        paid=paid,
    )


def record(tenant_id: int, before: Counter[Key], after: Counter[Key]) -> None:
    """Add ``after`` − ``before`` (one fact's change) to the municipality's month totals."""
    delta: dict[tuple[str, dt.date], dict[str, int]] = {}
    for key in set(before) | set(after):
        change = after[key] - before[key]
        if change:
            service, month, count = key
            delta.setdefault((service, month), {})[count] = change
    for (service, month), changes in sorted(delta.items()):
        rows = ApplicationMonth.all_tenants.filter(tenant_id=tenant_id, service=service, month=month)
        if not rows.update(**{count: F(count) + change for count, change in changes.items()}):
            # a month the facts reach for the first time (only ever with additions)
            ApplicationMonth.all_tenants.create(tenant_id=tenant_id, service=service, month=month, **changes)


def paid_fact_changes(tenant_id: int, payment_pk: int, reference: str) -> None:
    """A new paid payment: the facts whose fee it may pay (by number or by decision) count anew."""
    facts = ApplicationFact.all_tenants.select_for_update().filter(tenant_id=tenant_id, decided_at__isnull=False)
    for fact in facts.filter(number=reference) | facts.filter(decision=reference):
        record(tenant_id, of_fact(fact, ignore_payment=payment_pk), of_fact(fact))


def rebuild(tenant_id: int | None = None, *, models: tuple[Any, Any, Any] | None = None) -> int:
    """Compute the month totals (of one municipality, or all) from the facts and replace the table's rows with
    them, in one transaction. Returns the number of rows written. ``models``: (facts, payments, months) as a
    data migration sees them (default: the app's models)."""
    fact_model, payment_model, month_model = models or (ApplicationFact, PaymentFact, ApplicationMonth)
    facts = fact_model._default_manager.filter(submitted_at__isnull=False)
    payments = payment_model._default_manager.all()
    if tenant_id is not None:
        facts, payments = facts.filter(tenant_id=tenant_id), payments.filter(tenant_id=tenant_id)
    with transaction.atomic():
        if models is None:  # wait for the consumers (they lock the same row) and let the cached figures go
            tenants = [tenant_id] if tenant_id is not None else Municipality.objects.values_list("pk", flat=True)
            for each in tenants:
                facts_cache.changed(each)
        paid = set(payments.values_list("tenant_id", "reference").iterator(chunk_size=10_000))
        totals: dict[int, Counter[Key]] = {}
        columns = ("tenant_id", "number", "service", "submitted_at", "decided_at", "filed_at", "decision")
        for (
            tenant,
            number,
            service,
            submitted_at,
            decided_at,
            filed_at,
            decision,
            fee_first,
            decision_fee,
        ) in facts.values_list(*columns, "fee_first", "decision_fee").iterator(chunk_size=10_000):
            counter = totals.setdefault(tenant, Counter())
            counter.update(
                contribution(
                    service=service,
                    submitted_at=submitted_at,
                    decided_at=decided_at,
                    filed_at=filed_at,
                    fee_first=fee_first,
                    decision_fee=decision_fee,
                    paid=_lookup(paid, tenant, number, decision),
                )
            )
        old = month_model._default_manager.all()
        (old if tenant_id is None else old.filter(tenant_id=tenant_id)).delete()
        rows = [row for tenant, counter in totals.items() for row in _rows(month_model, tenant, counter)]
        month_model._default_manager.bulk_create(rows, batch_size=2000)
    return len(rows)


def _lookup(paid: set[tuple[int, str]], tenant: int, number: str, decision: str) -> Callable[[], tuple[bool, bool]]:
    return lambda: ((tenant, number) in paid, (tenant, decision) in paid)


def _rows(model: Any, tenant_id: int, counter: Counter[Key]) -> Iterable[Any]:
    months: dict[tuple[str, dt.date], dict[str, int]] = {}
    for (service, month, count), value in counter.items():
        months.setdefault((service, month), {})[count] = value
    for (service, month), counts in sorted(months.items()):
        yield model(tenant_id=tenant_id, service=service, month=month, **counts)


def table(tenant_id: int) -> dict[tuple[str, dt.date], dict[str, int]]:
    """The municipality's month totals as stored, without rows that add nothing (for comparisons)."""
    rows = ApplicationMonth.all_tenants.filter(tenant_id=tenant_id).values("service", "month", *COUNTS)
    out = {}
    for row in rows:
        counts = {count: row[count] for count in COUNTS if row[count]}
        if counts:
            out[row["service"], row["month"]] = counts
    return out


def by_month(tenant_id: int, service: str = "") -> dict[dt.date, dict[str, int]]:
    """Per month: the totals of one service ("" for all services together)."""
    rows = ApplicationMonth.all_tenants.filter(tenant_id=tenant_id)
    if service:
        rows = rows.filter(service=service)
    names = [f"n_{count}" for count in COUNTS]
    summed = (
        rows.order_by()
        .values("month")
        .annotate(**{name: Sum(count) for name, count in zip(names, COUNTS, strict=True)})
        .values_list("month", *names)
    )
    return {month: {count: int(n or 0) for count, n in zip(COUNTS, ns, strict=True)} for month, *ns in summed}


def services(tenant_id: int) -> list[str]:
    """The LeiKa keys with at least one submitted application in the facts, in order."""
    rows = ApplicationMonth.all_tenants.filter(tenant_id=tenant_id, submitted__gt=0).exclude(service="")
    return list(rows.order_by("service").values_list("service", flat=True).distinct())


def summed(months: dict[dt.date, dict[str, int]], lo: dt.datetime, hi: dt.datetime) -> dict[str, int]:
    """The totals of the months in [lo, hi) — both must be the start of a month."""
    if month_start(month_of(lo)) != lo or month_start(month_of(hi)) != hi:
        raise ValueError(f"not a span of whole months: {lo} .. {hi}")
    first, end = month_of(lo), month_of(hi)
    out = dict.fromkeys(COUNTS, 0)
    for month, counts in months.items():
        if first <= month < end:
            for count in COUNTS:
                out[count] += counts[count]
    return out
