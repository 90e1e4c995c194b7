"""The figures the database computes (``aggregates.py``) are the figures of the plain definition, computed in
Python over every fact: for generated facts and periods, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import statistics
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rathaus.steering import aggregates
from rathaus.steering.models_facts import ApplicationFact, PaymentFact

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
