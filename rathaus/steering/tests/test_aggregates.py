"""The figures the database computes (``aggregates.py``) are the figures of the plain definition, computed in
Python over every fact: for generated facts and periods, on SQLite and on PostgreSQL. The same for the month
totals the consumers keep (``month_totals.py``), fed by generated events in any order, replayed and late."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.core import events
from rathaus.core.models import Event
from rathaus.steering import aggregates, facts_cache, indicators, month_totals
from rathaus.steering.consumers import HANDLERS
from rathaus.steering.models_facts import ApplicationFact, ApplicationMonth, PaymentFact

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BASE = dt.datetime(2026, 1, 1, tzinfo=UTC)
HOUR = dt.timedelta(hours=1)


def reference(facts: list[tuple[dt.datetime, dt.datetime | None]], lo: dt.datetime, hi: dt.datetime, now: Any) -> Any:
    """The definition, written out: every fact looked at in Python."""
    durations = [(d - s).total_seconds() for s, d in facts if d is not None and lo <= d < hi]
    cut = min(hi, now)
    waiting = [(cut - s).total_seconds() for s, d in facts if s < cut and (d is None or d >= cut)]
    days = aggregates._days
    return {
        "submitted": sum(1 for s, _d in facts if lo <= s < hi),
        "decided": len(durations),
        "median_days": days(statistics.median(durations)) if durations else None,
        "p90_days": days(aggregates.nearest_rank(durations, 0.9)) if durations else None,
        "backlog": len(waiting),
        "backlog_age_days": days(sum(waiting) / len(waiting)) if waiting else None,
    }


def _close(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Counts equal; days equal up to the rounding step (float sums on the database side)."""
    for key, value in want.items():
        if isinstance(value, float) and got[key] is not None:
            if abs(got[key] - value) > 0.1 + 1e-9:
                return False
        elif got[key] != value:
            return False
    return True


facts_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=24 * 200),  # submitted: hours after 1 January
        st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 120)),  # decided: hours after submission
    ),
    max_size=40,
)
spans_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=24 * 250), st.integers(min_value=1, max_value=24 * 60)),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=facts_strategy, raw_spans=spans_strategy, now_hours=st.integers(min_value=0, max_value=24 * 300))
def test_every_figure_of_every_period_is_the_definitions(tenant: Any, raw: Any, raw_spans: Any, now_hours: int) -> None:
    ApplicationFact.objects.for_tenant(tenant).delete()
    facts = []
    for n, (submitted, after) in enumerate(raw):
        s = BASE + submitted * HOUR + dt.timedelta(seconds=n)  # distinct, with seconds that do not round evenly
        d = None if after is None else s + after * HOUR + dt.timedelta(minutes=7 * n)
        facts.append((s, d))
        ApplicationFact.objects.create(tenant=tenant, number=f"A-{n}", submitted_at=s, decided_at=d)
    spans = [(BASE + start * HOUR, BASE + (start + length) * HOUR) for start, length in raw_spans]
    now = BASE + now_hours * HOUR
    got = aggregates.processing(ApplicationFact.objects.for_tenant(tenant), spans, now=now)
    for (lo, hi), row in zip(spans, got, strict=True):
        want = reference(facts, lo, hi, now)
        assert _close(row, want), (connection.vendor, lo, hi, row, want)


def test_a_known_case_by_hand(tenant: Any, other_tenant: Any) -> None:
    """January: three submitted, two decided after 2 and 10 days; one still waiting at the end of the month."""
    day = dt.timedelta(days=1)
    rows = [("A-1", BASE, BASE + 2 * day), ("A-2", BASE + day, BASE + 11 * day), ("A-3", BASE + 20 * day, None)]
    for number, s, d in rows:
        ApplicationFact.objects.create(tenant=tenant, number=number, submitted_at=s, decided_at=d)
    # another municipality's facts and a fact decided long before the period change nothing
    ApplicationFact.objects.create(tenant=other_tenant, number="A-1", submitted_at=BASE, decided_at=None)
    ApplicationFact.objects.create(
        tenant=tenant, number="A-0", submitted_at=BASE - 90 * day, decided_at=BASE - 80 * day
    )
    january = (BASE, BASE + 31 * day)
    [row] = aggregates.processing(ApplicationFact.objects.for_tenant(tenant), [january], now=BASE + 400 * day)
    assert row == {
        "submitted": 3,
        "decided": 2,
        "median_days": 6.0,  # (2 + 10) / 2
        "p90_days": 10.0,
        "backlog": 1,
        "backlog_age_days": 11.0,  # submitted on the 21st, 11 days before 1 February
    }
    # the running period's backlog is today's
    [running] = aggregates.processing(ApplicationFact.objects.for_tenant(tenant), [january], now=BASE + 25 * day)
    assert (running["backlog"], running["backlog_age_days"]) == (1, 5.0)
    assert running["decided"] == 2  # decisions after "now" in the facts still count where they fall


def test_payments_per_period_count_and_sum_only_their_own(tenant: Any, other_tenant: Any) -> None:
    import uuid

    day = dt.timedelta(days=1)
    for at, amount, who in [(BASE, "10.50", tenant), (BASE + 40 * day, "5.00", tenant), (BASE, "99", other_tenant)]:
        PaymentFact.objects.create(tenant=who, payment=uuid.uuid4(), reference="A-1", amount=amount, paid_at=at)
    spans = [(BASE, BASE + 31 * day), (BASE + 31 * day, BASE + 59 * day), (BASE + 59 * day, BASE + 90 * day)]
    got = aggregates.payments(PaymentFact.objects.for_tenant(tenant), spans)
    assert got == [(1, Decimal("10.50")), (1, Decimal("5.00")), (0, Decimal("0.00"))]
    assert aggregates.processing(ApplicationFact.objects.for_tenant(tenant), [], now=BASE) == []


# --- The month totals (month_totals.py): what the consumers keep, plus the facts of a cut month, is the definition


SERVICES = ("S1", "S2")
hours = st.integers(min_value=0, max_value=24 * 200)  # 1 January to mid-July: seven months, DST included
lifecycle = st.fixed_dictionaries(
    {
        "service": st.sampled_from(SERVICES),
        "fee_first": st.booleans(),
        "submitted": st.lists(hours, max_size=2),  # none yet, or a second, earlier one seen late
        "decided": st.lists(st.tuples(hours, st.booleans()), max_size=2),  # (time, fee); the first counts
        "filed": st.one_of(st.none(), hours),
        "paid": st.lists(st.tuples(hours, st.sampled_from(("number", "B-0", "B-1"))), max_size=2),
    }
)


def _events(n: int, app: dict[str, Any]) -> list[tuple[str, dict[str, Any], dt.datetime]]:
    """(kind, payload, time) of the events of one application: its submissions, decisions (with or without
    a fee), its filing in the E-Akte and payments of its fee (by number or by a decision's reference)."""
    number = f"A-{n}"

    def when(hour: int) -> dt.datetime:
        return BASE + hour * HOUR + dt.timedelta(seconds=17 * n + 1)

    out = []
    for hour in app["submitted"]:
        payload = {"number": number, "service": app["service"], "forwardable": not app["fee_first"]}
        out.append(("application.submitted", payload, when(hour)))
    for which, (hour, fee) in enumerate(app["decided"]):
        payload = {"decision": f"B-{which}-{n}", "case": f"C-{n}", "application_number": number, "sha256": "0" * 64}
        out.append(("decision.issued", {**payload, "fee": "12.00" if fee else "0"}, when(hour)))
    if app["filed"] is not None:
        payload = {"case": f"C-{n}", "unit": "FB33", "service": "", "application_number": number}
        out.append(("case.opened", payload, when(app["filed"])))
    for k, (hour, target) in enumerate(app["paid"]):
        reference = number if target == "number" else f"{target}-{n}"
        payment = str(uuid.UUID(int=100 * n + k + 1))
        payload = {"payment": payment, "reference": reference, "amount": "12.00", "paid_at": when(hour).isoformat()}
        out.append(("payment.paid", payload, when(hour)))
    return out


def _deliver(tenant: Any, sent: list[tuple[str, dict[str, Any], dt.datetime]]) -> None:
    """Every event to steering's consumer, as the delivery does (each in its own transaction)."""
    for kind, payload, when in sent:
        event = Event(tenant=tenant, kind=kind, subject="x", payload=payload, created_at=when)
        with transaction.atomic():
            HANDLERS[kind](event, events.registry.kind(kind).parse(payload))


def _media_break_by_hand(tenant: Any, lo: dt.datetime, hi: dt.datetime, service: str) -> tuple[int, ...]:
    """(decided, filed, with fee, fee paid, without media break) of the facts first decided in [lo, hi)."""
    paid = set(PaymentFact.objects.for_tenant(tenant).values_list("reference", flat=True))
    out = [0, 0, 0, 0, 0]
    for f in ApplicationFact.objects.for_tenant(tenant).filter(submitted_at__isnull=False):
        if f.decided_at is None or not lo <= f.decided_at < hi or (service and f.service != service):
            continue
        fees_paid = (not f.fee_first or f.number in paid) and (not f.decision_fee or f.decision in paid)
        fee = f.fee_first or f.decision_fee
        filed = f.filed_at is not None
        for k, counts in enumerate([True, filed, fee, fee and fees_paid, filed and fees_paid]):
            out[k] += int(counts)
    return tuple(out)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    apps=st.lists(lifecycle, max_size=5),
    data=st.data(),
    raw_spans=spans_strategy,
    whole=st.lists(st.tuples(st.integers(0, 7), st.integers(1, 3)), min_size=1, max_size=3),
    now_hours=st.integers(min_value=0, max_value=24 * 250),
)
def test_month_totals_with_the_cut_months_facts_are_the_definition(
    tenant: Any, apps: Any, data: Any, raw_spans: Any, whole: Any, now_hours: int
) -> None:
    """Submissions, decisions (a second one, a fee), filings and payments in any order, replayed and late:
    the totals the consumers keep equal the totals computed afresh from the facts; every figure of any period —
    whole months or not, the running one cut at ``now`` — equals the definition over the facts; so does the
    media-break count per month, for all services and per service."""
    for model in (ApplicationFact, PaymentFact, ApplicationMonth):
        model.objects.for_tenant(tenant).delete()
    sent = data.draw(st.permutations([e for n, app in enumerate(apps) for e in _events(n, app)]))
    if sent:  # at-least-once delivery: some events a second time, anywhere later
        for position, again in data.draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=4)):
            sent.insert(position % (len(sent) + 1), sent[again % len(sent)])
    _deliver(tenant, sent)

    kept = month_totals.table(tenant.pk)
    month_totals.rebuild(tenant.pk)
    assert month_totals.table(tenant.pk) == kept

    first = month_totals.month_start(dt.date(2026, 1, 1))
    months = [month_totals.month_start(dt.date(2026, m, 1)) for m in range(1, 13)]
    spans = [(BASE + start * HOUR, BASE + (start + length) * HOUR) for start, length in raw_spans]
    spans += [(months[a], months[min(a + n, 11)]) for a, n in whole if a + n <= 11]
    now = first + now_hours * HOUR
    for service in ("", *SERVICES):
        facts = ApplicationFact.objects.for_tenant(tenant).filter(submitted_at__isnull=False)
        if service:
            facts = facts.filter(service=service)
        pairs = list(facts.values_list("submitted_at", "decided_at"))
        totals = month_totals.by_month(tenant.pk, service)
        got = aggregates.processing_totals(facts, totals, spans, now=now)
        for (lo, hi), row in zip(spans, got, strict=True):
            want = reference(pairs, lo, hi, now)
            assert _close(row, want), (connection.vendor, service, lo, hi, row, want)
        for rows in [indicators.media_break_rows(tenant, year=2026, grain="monat", service=service)]:
            for row in rows:
                counted = (row.decided, row.filed, row.fee_due, row.paid_online, row.without_break)
                assert counted == _media_break_by_hand(tenant, row.period.start, row.period.end, service)


def test_late_events_move_a_fact_between_months_by_hand(tenant: Any) -> None:
    """A decision seen in February for an application whose submission arrives with an April time: done in
    April (never in the backlog); a second submission event with an earlier time moves it to March; a fee of
    the decision paid in May makes it count as without media break in February; replays change nothing."""
    feb, mar, apr, may = (month_totals.month_start(dt.date(2026, m, 1)) for m in (2, 3, 4, 5))
    day = dt.timedelta(days=1)
    decision = {"decision": "B-1", "case": "C-1", "application_number": "A-1", "sha256": "0" * 64, "fee": "12.00"}
    submission = {"number": "A-1", "service": "S1", "forwardable": True}
    filing = {"case": "C-1", "unit": "FB33", "service": "", "application_number": "A-1"}
    payment = {"payment": str(uuid.UUID(int=7)), "reference": "B-1", "amount": "12.00", "paid_at": may.isoformat()}
    months = [(feb, mar), (mar, apr), (apr, may)]

    def figures() -> list[tuple[int, int, int, int]]:
        facts = ApplicationFact.objects.for_tenant(tenant).filter(submitted_at__isnull=False)
        rows = aggregates.processing_totals(facts, month_totals.by_month(tenant.pk), months, now=may + 40 * day)
        return [(r["submitted"], r["decided"], r["backlog"], month_totals.table(tenant.pk) != {}) for r in rows]

    _deliver(tenant, [("decision.issued", decision, feb + 9 * day), ("case.opened", filing, feb + 8 * day)])
    assert figures() == [(0, 0, 0, False)] * 3  # no submission seen: not an online application yet
    _deliver(tenant, [("application.submitted", submission, apr + 4 * day)])
    assert figures() == [(0, 1, 0, True), (0, 0, 0, True), (1, 0, 0, True)]
    _deliver(tenant, [("application.submitted", submission, mar + 2 * day)] * 2)  # earlier, and replayed
    assert figures() == [(0, 1, 0, True), (1, 0, 0, True), (0, 0, 0, True)]
    [february, *_rest] = indicators.media_break_rows(tenant, year=2026, grain="monat")[1:]
    assert (february.decided, february.fee_due, february.paid_online, february.without_break) == (1, 1, 0, 0)
    _deliver(tenant, [("payment.paid", payment, may)] * 2)
    [february, *_rest] = indicators.media_break_rows(tenant, year=2026, grain="monat")[1:]
    assert (february.decided, february.fee_due, february.paid_online, february.without_break) == (1, 1, 1, 1)
    kept, generation = month_totals.table(tenant.pk), facts_cache.generation(tenant.pk)
    month_totals.rebuild(tenant.pk)
    assert month_totals.table(tenant.pk) == kept
    assert facts_cache.generation(tenant.pk) > generation  # cached figures are computed anew
    assert sum(counts.get("done", 0) for (_s, m), counts in kept.items() if m == dt.date(2026, 3, 1)) == 1
