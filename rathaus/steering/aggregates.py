"""The processing and payment figures of several periods, computed by the database in one query each.

``figures.py`` (the dashboard) and ``report_figures.py`` (the half-yearly report) ask the same questions of the
fact tables for a list of periods: how many applications were submitted and decided in each, the median and
90th percentile of the days from submission to decision, the backlog at each period's end and its average age,
and the payments. Loading every fact into Python for that costs seconds and hundreds of megabytes at a million
applications (``bench/steering.py``); here each figure is a filtered aggregate, so one query reads the tenant's
facts once and returns one number per period and figure.

- PostgreSQL computes the median (``percentile_cont(0.5)``, the mean of the two middle values for an even
  count, as ``statistics.median``) and the 90th percentile (``percentile_disc(0.9)``: the nearest rank, a real
  processing time) itself.
- SQLite (the embedded mode of a small town) has no percentile aggregate: the durations of the applications
  decided within the periods are read (one number each) and ranked in Python the same way.

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
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.expressions import Combinable

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
    """:func:`processing` for each value of ``field`` (e.g. the service) at once: one query, one row per value
    (``field=None``: one group, keyed None). Values without any fact in reach are missing."""
    cuts = [min(hi, now) for _lo, hi in spans]
    postgres = connection.vendor == "postgresql"
    duration = Seconds(F("decided_at")) - Seconds(F("submitted_at"))
    aggregates: dict[str, Any] = {}
    for i, ((lo, hi), cut) in enumerate(zip(spans, cuts, strict=True)):
        decided = Q(decided_at__gte=lo, decided_at__lt=hi)
        waiting = Q(submitted_at__lt=cut) & (Q(decided_at__isnull=True) | Q(decided_at__gte=cut))
        aggregates[f"s{i}"] = Count("pk", filter=Q(submitted_at__gte=lo, submitted_at__lt=hi))
        aggregates[f"d{i}"] = Count("pk", filter=decided)
        aggregates[f"b{i}"] = Count("pk", filter=waiting)
        aggregates[f"a{i}"] = Sum(Seconds(F("submitted_at")), filter=waiting, output_field=FloatField())
        if postgres:
            aggregates[f"m{i}"] = Percentile(duration, share=0.5, discrete=False, filter=decided)
            aggregates[f"p{i}"] = Percentile(duration, share=0.9, discrete=True, filter=decided)
    # Facts decided before every span (and before its backlog's cut, for a span after now) touch none of the
    # figures: skip them (they are most of an old town's).
    earliest = min(min(lo, cut) for (lo, _hi), cut in zip(spans, cuts, strict=True))
    relevant = facts.filter(Q(decided_at__isnull=True) | Q(decided_at__gte=earliest))
    if field is None:
        groups = {None: relevant.aggregate(**aggregates)}
    else:
        grouped = relevant.order_by().values(field).annotate(**aggregates)
        groups = {row[field]: row for row in grouped}
    durations = {} if postgres else _durations_by_span(relevant, spans, field)
    return {
        key: _rows(totals, durations.get(key, [[] for _span in spans]), cuts, postgres)
        for key, totals in groups.items()
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
    totals = paid.aggregate(**aggregates) if spans else {}
    cent = Decimal("0.01")  # SQLite sums decimals as floats: 12.5, not 12.50
    return [(totals[f"n{i}"], (totals[f"x{i}"] or Decimal(0)).quantize(cent)) for i in range(len(spans))]
