"""The further live figures (issue 10) per period, from steering's own tables only: online vs. other channels,
logins by trust level, E-Akte coverage and the share decided without media break.

* **Channels**: online = applications submitted online in the period (``ApplicationFact``); other channels =
  what the digitalisation unit entered for the period's months (``ChannelCount``); the online share of both.
* **Logins**: successful citizen and business logins per trust level (``LoginFact``).
* **E-Akte coverage**: documents filed electronically, cases opened, units and staff who filed at least one
  document in the period (``DocumentFact``, ``CaseFact``).
* **Without media break**: of the online applications first decided in the period, those that were filed in
  the E-Akte, decided with a sealed decision (every ``decision.issued`` is sealed) and — where a fee was due,
  before submission (``fee_first``) or raised by the decision — paid online: a paid payment whose reference
  is the application's number (fee first) or the decision's reference (fee of the decision).

Online applications and the media-break counts are added up from the month totals the consumers keep
(``month_totals.py``, ``ApplicationMonth``) instead of counting a million facts.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet

from rathaus.tenants.models import Municipality

from . import channels as channel_counts
from . import month_totals
from .figures import Period, periods
from .models_channels import CHANNELS, CaseFact, DocumentFact, LoginFact

TRUST_LEVELS = ("none", "low", "substantial", "high")  # rathaus.identity.trust, lowest first


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclasses.dataclass(frozen=True)
class ChannelRow:
    period: Period
    online: int
    other: dict[str, int]  # channel -> cases

    @property
    def other_total(self) -> int:
        return sum(self.other.values())

    @property
    def online_share(self) -> float | None:
        """Per cent of all cases that came online; None without any case."""
        return _share(self.online, self.online + self.other_total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "online": self.online,
            **{f"other_{c}": self.other[c] for c in CHANNELS},
            "other_total": self.other_total,
            "online_share_percent": self.online_share,
        }


def _per_period(rows: QuerySet[Any], field: str, spans: list[Period], **counts: Any) -> list[dict[str, int]]:
    """For each period, the aggregates ``counts`` (name -> (expression, extra Q)) over ``rows`` whose
    ``field`` lies in it: one query for all periods."""
    spec = {}
    for i, p in enumerate(spans):
        inside = Q(**{f"{field}__gte": p.start, f"{field}__lt": p.end})
        for name, (expression, distinct, extra) in counts.items():
            spec[f"{name}_{i}"] = Count(expression, distinct=distinct, filter=inside & extra)
    result = rows.aggregate(**spec) if spec else {}
    return [{name: result[f"{name}_{i}"] or 0 for name in counts} for i in range(len(spans))]


def channel_rows(tenant: Municipality, *, year: int, grain: str, service: str = "") -> list[ChannelRow]:
    spans = periods(year, grain)
    months = month_totals.by_month(tenant.pk, service)
    online = [{"n": month_totals.summed(months, p.start, p.end)["submitted"]} for p in spans]
    by_month = channel_counts.other_channels_by_month(tenant, year=year, service=service)
    rows = []
    for p, counted in zip(spans, online, strict=True):
        other = dict.fromkeys(CHANNELS, 0)
        for month, numbers in by_month.items():
            if p.start.date() <= month < p.end.date():
                for c in CHANNELS:
                    other[c] += numbers[c]
        rows.append(ChannelRow(p, counted["n"], other))
    return rows


@dataclasses.dataclass(frozen=True)
class LoginRow:
    period: Period
    by_level: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_level.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            **{f"logins_{k}": v for k, v in self.by_level.items()},
            "logins": self.total,
        }


def login_rows(tenant: Municipality, *, year: int, grain: str) -> list[LoginRow]:
    spans = periods(year, grain)
    facts = LoginFact.objects.for_tenant(tenant).filter(at__gte=spans[0].start, at__lt=spans[-1].end)
    levels = list(TRUST_LEVELS) + sorted(set(facts.values_list("trust_level", flat=True)) - set(TRUST_LEVELS))
    counted = _per_period(
        facts, "at", spans, **{f"l{i}": ("pk", False, Q(trust_level=lvl)) for i, lvl in enumerate(levels)}
    )
    return [LoginRow(p, {lvl: c[f"l{i}"] for i, lvl in enumerate(levels)}) for p, c in zip(spans, counted, strict=True)]


def logins_by_source(tenant: Municipality, *, year: int) -> list[tuple[str, str, int]]:
    """(way in, trust level, logins) of the year, most first."""
    spans = periods(year, "halbjahr")
    facts = (
        LoginFact.objects.for_tenant(tenant)
        .filter(at__gte=spans[0].start, at__lt=spans[-1].end)
        .values_list("source", "trust_level")
    )
    return [(s, lvl, n) for (s, lvl), n in Counter(facts).most_common()]


@dataclasses.dataclass(frozen=True)
class CoverageRow:
    period: Period
    documents: int
    cases: int
    units: int  # units that filed at least one document
    staff: int  # members of staff who filed at least one document

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "documents_filed": self.documents,
            "cases_opened": self.cases,
            "units_filing": self.units,
            "staff_filing": self.staff,
        }


def coverage_rows(tenant: Municipality, *, year: int, grain: str, unit: str = "") -> list[CoverageRow]:
    spans = periods(year, grain)
    docs = DocumentFact.objects.for_tenant(tenant).filter(filed_at__gte=spans[0].start, filed_at__lt=spans[-1].end)
    cases = CaseFact.objects.for_tenant(tenant).filter(opened_at__gte=spans[0].start, opened_at__lt=spans[-1].end)
    if unit:
        docs, cases = docs.filter(unit=unit), cases.filter(unit=unit)
    filed = _per_period(
        docs, "filed_at", spans, documents=("pk", False, Q()), units=("unit", True, Q()), staff=("staff", True, Q())
    )
    opened = _per_period(cases, "opened_at", spans, n=("pk", False, Q()))
    return [
        CoverageRow(period=p, documents=f["documents"], cases=o["n"], units=f["units"], staff=f["staff"])
        for p, f, o in zip(spans, filed, opened, strict=True)
    ]


def coverage_by_unit(tenant: Municipality, *, year: int) -> list[tuple[str, int, int, int]]:
    """(unit key, documents filed, cases opened, staff filing) of the year, by unit key."""
    spans = periods(year, "halbjahr")
    docs = DocumentFact.objects.for_tenant(tenant).filter(filed_at__gte=spans[0].start, filed_at__lt=spans[-1].end)
    cases = CaseFact.objects.for_tenant(tenant).filter(opened_at__gte=spans[0].start, opened_at__lt=spans[-1].end)
    filed = {
        u: (n, s)
        for u, n, s in docs.values("unit")
        .annotate(n=Count("pk"), s=Count("staff", distinct=True))
        .values_list("unit", "n", "s")
    }
    opened = dict(cases.values("unit").annotate(n=Count("pk")).values_list("unit", "n"))
    units = sorted(set(filed) | set(opened))
    return [(u, filed.get(u, (0, 0))[0], opened.get(u, 0), filed.get(u, (0, 0))[1]) for u in units]


@dataclasses.dataclass(frozen=True)
class MediaBreakRow:
    period: Period
    decided: int  # online applications first decided in the period
    filed: int  # ... of those filed in the E-Akte
    fee_due: int  # ... of those with a fee
    paid_online: int  # ... of those with a fee, every fee paid online
    without_break: int  # filed, sealed decision, and no fee or paid online

    @property
    def share(self) -> float | None:
        return _share(self.without_break, self.decided)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "decided_online_applications": self.decided,
            "filed_electronically": self.filed,
            "with_fee": self.fee_due,
            "fee_paid_online": self.paid_online,
            "without_media_break": self.without_break,
            "without_media_break_percent": self.share,
        }


def media_break_rows(tenant: Municipality, *, year: int, grain: str, service: str = "") -> list[MediaBreakRow]:
    """From the month totals of the decision month (``month_totals.contribution`` says what counts)."""
    months = month_totals.by_month(tenant.pk, service)
    rows = []
    for p in periods(year, grain):
        c = month_totals.summed(months, p.start, p.end)
        rows.append(
            MediaBreakRow(
                p, c["decided"], c["decided_filed"], c["decided_fee"], c["decided_fee_paid"], c["decided_without"]
            )
        )
    return rows
