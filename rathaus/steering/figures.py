"""The live figures (issue 10) from steering's own fact tables: per period of a year and optionally one service.

Per period: applications submitted online; of those decided in the period the median and 90th percentile of
the days from submission to the first decision; the backlog at the period's end (for the running period:
now), i.e. submitted and not yet decided, and its average age in days; payments that reached *paid* in the
period (count and amount). A payment counts for a service when its reference is the number of an application
of that service.

The 90th percentile is the nearest-rank one (the smallest value with at least 90 % of the values at or below
it), so every figure is a real processing time. Periods are calendar months, quarters or half-years in the
municipality's time zone (settings.TIME_ZONE).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from rathaus.tenants.models import Municipality

from . import aggregates, month_totals
from .aggregates import nearest_rank as nearest_rank  # the report ranks its own lists
from .models_facts import ApplicationFact, PaymentFact

GRAINS = {"monat": 1, "quartal": 3, "halbjahr": 6}  # months per period
MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


@dataclasses.dataclass(frozen=True)
class Period:
    label: str
    start: dt.datetime  # inclusive, aware
    end: dt.datetime  # exclusive, aware


@dataclasses.dataclass(frozen=True)
class Row:
    period: Period
    submitted: int
    decided: int
    median_days: float | None
    p90_days: float | None
    backlog: int
    backlog_age_days: float | None
    payments: int
    paid_amount: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "period": self.period.label,
            "start": self.period.start.date().isoformat(),
            "end": (self.period.end - dt.timedelta(days=1)).date().isoformat(),
            "submitted": self.submitted,
            "decided": self.decided,
            "median_days": self.median_days,
            "p90_days": self.p90_days,
            "backlog": self.backlog,
            "backlog_age_days": self.backlog_age_days,
            "payments": self.payments,
            "paid_amount": str(self.paid_amount),
        }


def periods(year: int, grain: str) -> list[Period]:
    """The year's periods of ``grain`` (a key of :data:`GRAINS`), in order."""
    step = GRAINS[grain]
    out = []
    for first in range(1, 13, step):
        start = timezone.make_aware(dt.datetime(year, first, 1))
        nxt = first + step
        end = timezone.make_aware(dt.datetime(year + 1, 1, 1) if nxt > 12 else dt.datetime(year, nxt, 1))
        if grain == "monat":
            label = f"{MONTHS[first - 1]} {year}"
        elif grain == "quartal":
            label = f"Q{(first - 1) // 3 + 1} {year}"
        else:
            label = f"{(first - 1) // 6 + 1}. Halbjahr {year}"
        out.append(Period(label, start, end))
    return out


def figures(tenant: Municipality, *, year: int, grain: str, service: str = "") -> list[Row]:
    """One :class:`Row` per period of ``year``; ``service`` a LeiKa key or "" for every service.

    The counts come from the month totals (``month_totals.py``); facts are read only for the running month up
    to now (today's backlog) and for the percentiles of the facts decided in the year (``aggregates.py``).
    """
    spans = periods(year, grain)
    apps = ApplicationFact.objects.for_tenant(tenant).filter(submitted_at__isnull=False)
    pays = PaymentFact.objects.for_tenant(tenant)
    if service:
        apps = apps.filter(service=service)
        numbers = ApplicationFact.objects.for_tenant(tenant).filter(service=service).values("number")
        pays = pays.filter(reference__in=numbers)
    bounds = [(p.start, p.end) for p in spans]
    months = month_totals.by_month(tenant.pk, service)
    processing = aggregates.processing_totals(apps, months, bounds, now=timezone.now())
    paid = aggregates.payments(pays, bounds)
    return [
        Row(period=p, **figures, payments=count, paid_amount=amount)
        for p, figures, (count, amount) in zip(spans, processing, paid, strict=True)
    ]


def services_counted(tenant: Municipality) -> list[str]:
    """The LeiKa keys that have at least one submitted application in the facts (for the service filter), from
    the month totals: some hundred rows instead of a DISTINCT over every fact."""
    return month_totals.services(tenant.pk)
