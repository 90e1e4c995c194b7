"""The processing and payment figures of several periods, computed by the database in a few queries.

``figures.py`` (the dashboard) and ``report_figures.py`` (the half-yearly report) ask the same questions of the
fact tables for a list of periods: how many applications were submitted and decided in each, the median and
90th percentile of the days from submission to decision, the backlog at each period's end and its average age,
and the payments. Loading every fact into Python for that costs seconds and hundreds of megabytes at a million
applications (``bench/steering.py``); here the database counts the facts per interval between the periods'
boundaries, reading each fact once, and ranks only the durations of the facts decided within the periods.

- PostgreSQL computes the median (``percentile_cont(0.5)``, the mean of the two middle values for an even
  count, as ``statistics.median``) and the 90th percentile (``percentile_disc(0.9)``: the nearest rank, a real
  processing time) itself.
- SQLite (the embedded mode of a small town) has no percentile aggregate: the durations of the applications
  decided within the periods are read (one number each) and ranked in Python the same way.

The dashboard does not count the facts of whole months at all: :func:`processing_totals` adds the month totals
the consumers keep (``month_totals.py``) and counts facts only from the start of a month that a boundary cuts
(the running period's cut at now) up to that boundary.

Times are compared as stored (UTC); durations are seconds as floats.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Greatest

from . import month_totals

DAY = 86400
Span = tuple[dt.datetime, dt.datetime]  # [start, end), aware


class Seconds(Func):
    """A timestamp as seconds since 1970 (float), the same on PostgreSQL and SQLite."""

    output_field = FloatField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)::float8", **extra)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday keeps the fraction of a second; 2440587.5 is 1970-01-01T00:00Z as a Julian day
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra)


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregates: ``percentile_cont`` (interpolated) or ``percentile_disc``."""

    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Combinable, *, share: float, discrete: bool, **extra: Any) -> None:
        function = "percentile_disc" if discrete else "percentile_cont"
        super().__init__(expression, function=function, share=float(share), **extra)


def nearest_rank(values: Sequence[float], share: float) -> float:
    """The smallest value with at least ``share`` of the values at or below it (a real value, not interpolated)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def _days(seconds: float) -> float:
    return round(seconds / DAY, 1)


def processing(facts: QuerySet[Any], spans: Sequence[Span], *, now: dt.datetime) -> list[dict[str, Any]]:
    """Per span: submitted, decided, median_days, p90_days, backlog, backlog_age_days.

    ``facts``: application facts with a submission time (``submitted_at``, ``decided_at``). Decided in a span:
    the first decision lies in it. Backlog: submitted before the span's end (for the running span: ``now``) and
    not decided by then; its age is the mean of (end − submitted).
    """
    if not spans:
        return []
    return processing_by(facts, spans, now=now, field=None).get(None, _empty(spans, now))


def processing_by(
    facts: QuerySet[Any], spans: Sequence[Span], *, now: dt.datetime, field: str | None
) -> dict[Any, list[dict[str, Any]]]:
    """:func:`processing` for each value of ``field`` (e.g. the service) at once (``field=None``: one group,
    keyed None). Values without any fact are missing.

    Every period's start, end and cut is a boundary; the database counts the facts (and sums their submission
    times) per interval between two boundaries — once by submission, once by decision — in two grouped queries
    that read each fact once. A period's figures are then differences of running totals: submitted in [lo, hi)
    is S(hi) − S(lo); the backlog at a cut is S(cut) minus the facts done by then, i.e. both submitted and
    decided before it (their later time is before the cut). The percentiles of the processing times need the
    durations themselves: a third query over the facts decided within the periods only.
    """
    cuts = [min(hi, now) for _lo, hi in spans]
    bounds = sorted({t for (lo, hi), cut in zip(spans, cuts, strict=True) for t in (lo, hi, cut)})
    position = {t: k for k, t in enumerate(bounds)}  # facts before bounds[k] lie in the intervals 0..k

    def interval(name: str) -> Case:  # k: the fact lies before bounds[k] and not before bounds[k-1]
        whens = [When(**{f"{name}__lt": t}, then=Value(k)) for k, t in enumerate(bounds)]
        return Case(*whens, default=Value(len(bounds)), output_field=IntegerField())

    keys = [field] if field else []
    seconds = Sum(Seconds(F("submitted_at")), output_field=FloatField())
    by_submission = (
        facts.order_by().annotate(k=interval("submitted_at")).values(*keys, "k").annotate(n=Count("pk"), t=seconds)
    )
    width = len(bounds) + 1
    # per group: counts/sums per interval (submitted, decided, done = submitted and decided)
    tallies: dict[Any, dict[str, list[float]]] = {}

    def tally(group: Any) -> dict[str, list[float]]:
        return tallies.setdefault(group, {name: [0.0] * width for name in ("s", "st", "d", "g", "gt")})

    for row in by_submission:
        counts = tally(row[field] if field else None)
        counts["s"][row["k"]] += row["n"]
        counts["st"][row["k"]] += row["t"] or 0.0
    for row in _decisions(facts, interval, keys):
        counts = tally(row[field] if field else None)
        counts["d"][row["k"]] += row["n"]
        counts["g"][row["done"]] += row["n"]
        counts["gt"][row["done"]] += row["t"] or 0.0
    postgres = connection.vendor == "postgresql"
    decided_within = facts.filter(
        decided_at__gte=min(lo for lo, _hi in spans), decided_at__lt=max(h for _l, h in spans)
    )
    percentiles = _percentiles(decided_within, spans, keys) if postgres else {}
    durations = {} if postgres else _durations_by_span(decided_within, spans, field)
    result = {}
    for group, counts in tallies.items():
        before = {name: _running(values) for name, values in counts.items()}  # before[name][k]: before bounds[k]
        totals: dict[str, Any] = {}
        for i, ((lo, hi), cut) in enumerate(zip(spans, cuts, strict=True)):
            low, high, c = position[lo], position[hi], position[cut]
            totals[f"s{i}"] = int(before["s"][high] - before["s"][low])
            totals[f"d{i}"] = int(before["d"][high] - before["d"][low])
            totals[f"b{i}"] = int(before["s"][c] - before["g"][c])
            totals[f"a{i}"] = before["st"][c] - before["gt"][c]
            totals[f"m{i}"], totals[f"p{i}"] = percentiles.get((group, i), (None, None))
        result[group] = _rows(totals, durations.get(group, [[] for _span in spans]), cuts, postgres)
    return result


def processing_totals(
    facts: QuerySet[Any], months: dict[dt.date, dict[str, int]], spans: Sequence[Span], *, now: dt.datetime
) -> list[dict[str, Any]]:
    """:func:`processing` from the month totals of ``facts`` (``month_totals.by_month``), reading facts only
    where a boundary cuts a month: the running period's cut at ``now`` (the backlog of today), or spans that
    are not whole months. Those facts — from the month's start up to the boundary — are counted per interval
    as in :func:`processing_by`. The percentiles are ranked over the facts decided within the spans, as there.
    """
    if not spans:
        return []
    cuts = [min(hi, now) for _lo, hi in spans]
    before = _before(
        facts, months, sorted({t for (lo, hi), cut in zip(spans, cuts, strict=True) for t in (lo, hi, cut)})
    )
    totals: dict[str, Any] = {}
    for i, ((lo, hi), cut) in enumerate(zip(spans, cuts, strict=True)):
        totals[f"s{i}"] = int(before["s"][hi] - before["s"][lo])
        totals[f"d{i}"] = int(before["d"][hi] - before["d"][lo])
        totals[f"b{i}"] = int(before["s"][cut] - before["g"][cut])
        totals[f"a{i}"] = before["st"][cut] - before["gt"][cut]
    postgres = connection.vendor == "postgresql"
    decided_within = facts.filter(
        decided_at__gte=min(lo for lo, _hi in spans), decided_at__lt=max(h for _l, h in spans)
    )
    if postgres:
        percentiles = _percentiles(decided_within, spans, [])
        for i in range(len(spans)):
            totals[f"m{i}"], totals[f"p{i}"] = percentiles[None, i]
        return _rows(totals, [], cuts, postgres=True)
    durations = _durations_by_span(decided_within, spans, None).get(None, [[] for _span in spans])
    return _rows(totals, durations, cuts, postgres=False)


# the running totals before a boundary: name -> (count of the month totals, factor)
_TOTALS = {"s": ("submitted", 1), "st": ("submitted_ms", 1000), "d": ("decided", 1), "g": ("done", 1),
           "gt": ("done_ms", 1000)}  # fmt: skip


def _before(facts: QuerySet[Any], months: dict[dt.date, dict[str, int]], bounds: list[dt.datetime]) -> Any:
    """For each boundary t and name of :data:`_TOTALS`: what lies before t — the months before t's month from
    the totals, plus the facts of t's month before t (counted only for boundaries within a month)."""
    month_of, month_start = month_totals.month_of, month_totals.month_start
    ordered = sorted(months)
    cut_months = {month_of(t) for t in bounds if month_start(month_of(t)) != t}
    ranges = [(month_start(m), max(t for t in bounds if month_of(t) == m)) for m in sorted(cut_months)]
    fine = sorted(set(bounds) | {lo for lo, _hi in ranges})
    live = _live(facts, ranges, fine) if ranges else {}
    out: dict[str, dict[dt.datetime, float]] = {name: {} for name in _TOTALS}
    for t in bounds:
        month = month_of(t)
        start = month_start(month)
        for name, (count, factor) in _TOTALS.items():
            base = sum(months[m][count] for m in ordered if m < month)
            extra = sum(value for k, value in live.get(name, {}).items() if start <= fine[k - 1] and fine[k] <= t)
            out[name][t] = base / factor + extra
    return out


def _live(facts: QuerySet[Any], ranges: list[Span], fine: list[dt.datetime]) -> dict[str, dict[int, float]]:
    """Counts (and sums of submission seconds) of the facts per interval between the ``fine`` boundaries, for
    the intervals within ``ranges``: by submission, by decision and by the later of both."""
    near = Q()
    for lo, hi in ranges:
        near |= Q(submitted_at__gte=lo, submitted_at__lt=hi) | Q(decided_at__gte=lo, decided_at__lt=hi)
    undecided = When(decided_at__isnull=True, then=Value(-1))
    rows = (
        facts.filter(near)
        .order_by()
        .alias(latest=Greatest("decided_at", "submitted_at"))
        .annotate(
            ks=_interval("submitted_at", fine),
            kd=Case(undecided, default=_interval("decided_at", fine), output_field=IntegerField()),
            kg=Case(undecided, default=_interval("latest", fine), output_field=IntegerField()),
        )
        .values("ks", "kd", "kg")
        .annotate(n=Count("pk"), t=Sum(Seconds(F("submitted_at")), output_field=FloatField()))
    )

    def within(k: int) -> bool:
        return 0 < k < len(fine) and any(lo <= fine[k - 1] and fine[k] <= hi for lo, hi in ranges)

    out: dict[str, dict[int, float]] = {name: {} for name in _TOTALS}
    for row in rows:
        seconds = row["t"] or 0.0
        for name, k, value in [("s", row["ks"], row["n"]), ("st", row["ks"], seconds), ("d", row["kd"], row["n"]),
                               ("g", row["kg"], row["n"]), ("gt", row["kg"], seconds)]:  # fmt: skip
            if within(k):
                out[name][k] = out[name].get(k, 0) + value
    return out


def _interval(name: str, bounds: list[dt.datetime]) -> Case:
    """k: the value lies before bounds[k] and not before bounds[k-1] (len(bounds): after the last)."""
    whens = [When(**{f"{name}__lt": t}, then=Value(k)) for k, t in enumerate(bounds)]
    return Case(*whens, default=Value(len(bounds)), output_field=IntegerField())


def _decisions(facts: QuerySet[Any], interval: Any, keys: list[str]) -> Any:
    """Decided facts counted per (interval of the decision, interval of the later of submission and decision)."""
    seconds = Sum(Seconds(F("submitted_at")), output_field=FloatField())
    return (
        facts.filter(decided_at__isnull=False)
        .order_by()
        .alias(latest=Greatest("decided_at", "submitted_at"))
        .annotate(k=interval("decided_at"), done=interval("latest"))
        .values(*keys, "k", "done")
        .annotate(n=Count("pk"), t=seconds)
    )


def _running(values: list[float]) -> list[float]:
    """running[k]: the sum of values[0..k] — what lies before boundary k."""
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


def _percentiles(decided: QuerySet[Any], spans: Sequence[Span], keys: list[str]) -> dict[Any, tuple[Any, Any]]:
    """PostgreSQL: (median, 90th percentile) of the processing times per (group, span)."""
    duration = Seconds(F("decided_at")) - Seconds(F("submitted_at"))
    aggregates: dict[str, Any] = {}
    for i, (lo, hi) in enumerate(spans):
        within = Q(decided_at__gte=lo, decided_at__lt=hi)
        aggregates[f"m{i}"] = Percentile(duration, share=0.5, discrete=False, filter=within)
        aggregates[f"p{i}"] = Percentile(duration, share=0.9, discrete=True, filter=within)
    rows = decided.order_by().values(*keys).annotate(**aggregates) if keys else [decided.aggregate(**aggregates)]
    return {
        (row[keys[0]] if keys else None, i): (row[f"m{i}"], row[f"p{i}"]) for row in rows for i in range(len(spans))
    }


def _empty(spans: Sequence[Span], now: dt.datetime) -> list[dict[str, Any]]:
    nothing = {f"{k}{i}": (None if k in "mp" else 0) for i in range(len(spans)) for k in "sdbamp"}
    return _rows(nothing, [[] for _span in spans], [min(hi, now) for _lo, hi in spans], postgres=True)


def _rows(totals: dict[str, Any], durations: list[list[float]], cuts: list[dt.datetime], postgres: bool) -> Any:
    rows = []
    for i, cut in enumerate(cuts):
        backlog = totals[f"b{i}"]
        if postgres:
            median, p90 = totals[f"m{i}"], totals[f"p{i}"]  # NULL where nothing was decided
        else:
            values = durations[i]
            median = statistics.median(values) if values else None
            p90 = nearest_rank(values, 0.9) if values else None
        age = (cut.timestamp() * backlog - float(totals[f"a{i}"])) / backlog if backlog else None
        rows.append(
            {
                "submitted": totals[f"s{i}"],
                "decided": totals[f"d{i}"],
                "median_days": _days(median) if median is not None else None,
                "p90_days": _days(p90) if p90 is not None else None,
                "backlog": backlog,
                "backlog_age_days": _days(age) if age is not None else None,
            }
        )
    return rows


def _durations_by_span(facts: QuerySet[Any], spans: Sequence[Span], field: str | None) -> dict[Any, list[list[float]]]:
    """SQLite: the processing times of the facts decided within the spans, per group and span."""
    lo, hi = min(s for s, _e in spans), max(e for _s, e in spans)
    columns = ["decided_at", "submitted_at"] + ([field] if field else [])
    decided = facts.filter(decided_at__gte=lo, decided_at__lt=hi).values_list(*columns)
    found: dict[Any, list[list[float]]] = {}
    for decided_at, submitted_at, *group in decided.iterator(chunk_size=5000):
        lists = found.setdefault(group[0] if field else None, [[] for _span in spans])
        for i, (s_lo, s_hi) in enumerate(spans):
            if s_lo <= decided_at < s_hi:
                lists[i].append((decided_at - submitted_at).total_seconds())
    return found


def payments(paid: QuerySet[Any], spans: Sequence[Span]) -> list[tuple[int, Decimal]]:
    """Per span: the number and the sum of the payments paid in it (``paid_at``, ``amount``)."""
    aggregates: dict[str, Any] = {}
    for i, (lo, hi) in enumerate(spans):
        within = Q(paid_at__gte=lo, paid_at__lt=hi)
        aggregates[f"n{i}"] = Count("pk", filter=within)
        aggregates[f"x{i}"] = Sum("amount", filter=within)
    if not spans:
        return []
    within_any = paid.filter(paid_at__gte=min(lo for lo, _hi in spans), paid_at__lt=max(hi for _lo, hi in spans))
    totals = within_any.aggregate(**aggregates)
    cent = Decimal("0.01")  # SQLite sums decimals as floats: 12.5, not 12.50
    return [(totals[f"n{i}"], (totals[f"x{i}"] or Decimal(0)).quantize(cent)) for i in range(len(spans))]
