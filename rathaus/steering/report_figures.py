"""The figures of a digitalisation report, computed once when the report is created and then frozen as JSON.

Everything comes from steering's own tables: the fact tables fed by events (applications, decisions,
payments), the process catalog, the maturity assessments and the projects — and the catalog's list of
published services through its selector. ``key_figures`` are the numbers compared with the previous report
("seit dem letzten Bericht"); the other parts are the tables of the sections.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from rathaus.catalog.selectors import published_services
from rathaus.tenants.models import Municipality

from . import aggregates, indicators
from .figures import MONTHS
from .maturity import STAGES
from .models import MaturityAssessment, Milestone, Process, Project, ProjectBudget
from .models_channels import CHANNELS
from .models_facts import ApplicationFact, PaymentFact

VERSION = 1

# key -> (label, unit, higher is better?) in the order the comparison table shows them.
KEY_FIGURES: dict[str, tuple[str, str, bool | None]] = {
    "services_published": ("Leistungen im Portal", "", True),
    "services_stage3": ("Leistungen ab Reifegrad 3 (online mit allen Nachweisen)", "", True),
    "services_assessed": ("Leistungen mit Reifegradbewertung", "", True),
    "online_applications": ("Online-Anträge im Berichtszeitraum", "", True),
    "payments": ("Online-Zahlungen", "", True),
    "paid_amount": ("online gezahlt", "€", True),
    "decided": ("beschiedene Online-Anträge", "", True),
    "median_days": ("Bearbeitungszeit (Median)", "Tage", False),
    "p90_days": ("Bearbeitungszeit (90. Perzentil)", "Tage", False),
    "backlog": ("offene Online-Anträge am Ende des Zeitraums", "", False),
    "backlog_age_days": ("mittleres Alter der offenen Anträge", "Tage", False),
    "processes": ("Prozesse im Prozesskatalog", "", None),
    "processes_digital_duty": ("Prozesse mit gesetzlicher Pflicht zum digitalen Angebot", "", None),
    "projects": ("Digitalisierungsprojekte", "", None),
    "projects_red": ("Projekte mit Ampel rot", "", False),
    "budget_planned_teur": ("Projektbudget geplant", "T€", None),
    "budget_spent_teur": ("Projektbudget ausgegeben", "T€", None),
    # Only for reports over one calendar half-year (see ``_indicators``).
    "online_share_percent": ("Anteil online an allen erfassten Fällen", "%", True),
    "logins": ("Anmeldungen im Portal", "", True),
    "documents_filed": ("in der E-Akte abgelegte Dokumente", "", True),
    "staff_filing": ("Beschäftigte, die in der E-Akte ablegen", "", True),
    "without_media_break_percent": ("Anteil ohne Medienbruch entschieden", "%", True),
}
CHANNEL_LABELS = {"paper": "Papier", "in_person": "persönlich", "email": "E-Mail", "phone": "Telefon"}
LEVEL_LABELS = {
    "none": "ohne Vertrauensniveau",
    "low": "Vertrauensniveau niedrig",
    "substantial": "Vertrauensniveau substanziell",
    "high": "Vertrauensniveau hoch",
}


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day))


def _months(start: dt.date, end: dt.date) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """The calendar months touched by [start, end] (inclusive), each cut to the period."""
    out = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + dt.timedelta(days=32)).replace(day=1)
        lo, hi = max(first, start), min(following - dt.timedelta(days=1), end)
        out.append((f"{MONTHS[first.month - 1]} {first.year}", _aware(lo), _aware(hi + dt.timedelta(days=1))))
        first = following
    return out


def compute(tenant: Municipality, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The frozen figures of the period [start, end] (both days included)."""
    lo, hi = _aware(start), _aware(end + dt.timedelta(days=1))
    # The database computes every figure (aggregates.py): the period, its months and each service at once.
    apps = ApplicationFact.objects.for_tenant(tenant).filter(submitted_at__isnull=False)
    month_spans = _months(start, end)
    spans = [(lo, hi)] + [(m_lo, m_hi) for _label, m_lo, m_hi in month_spans]
    now = timezone.now()
    total, *per_month = aggregates.processing(apps, spans, now=now)
    paid_total, *paid_months = aggregates.payments(PaymentFact.objects.for_tenant(tenant), spans)
    months = [
        {**figures, "label": label, "payments": count, "paid_amount": str(amount)}
        for (label, _lo, _hi), figures, (count, amount) in zip(month_spans, per_month, paid_months, strict=True)
    ]
    services = {s.leika_key: s for s in published_services(tenant)}
    by_service = []
    for key, (row,) in sorted(aggregates.processing_by(apps, [(lo, hi)], now=now, field="service").items()):
        if key and (row["submitted"] or row["decided"] or row["backlog"]):
            name = services[key].name if key in services else key
            by_service.append({"key": key, "name": name, **row})
    by_service.sort(key=lambda r: (-r["submitted"], r["name"]))

    maturity = _maturity(tenant, end, services.values())
    internal = _internal(tenant, end)
    projects, budget = _projects(tenant, start, end)
    amount = paid_total[1]
    further = _indicators(tenant, start, end)
    key_figures = {
        "services_published": len(services),
        "services_stage3": sum(1 for s in maturity["services"] if s["level"] >= 3),
        "services_assessed": len(maturity["services"]),
        "online_applications": total["submitted"],
        "payments": paid_total[0],
        "paid_amount": str(amount),
        "decided": total["decided"],
        "median_days": total["median_days"],
        "p90_days": total["p90_days"],
        "backlog": total["backlog"],
        "backlog_age_days": total["backlog_age_days"],
        "processes": internal["processes"],
        "processes_digital_duty": internal["digital_duty"],
        "projects": len(projects),
        "projects_red": sum(1 for p in projects if p["status"] == Project.Status.RED),
        "budget_planned_teur": budget["planned"],
        "budget_spent_teur": budget["spent"],
    }
    if further is not None:
        key_figures.update(
            {
                "online_share_percent": further["channels"]["online_share_percent"],
                "logins": further["logins"]["logins"],
                "documents_filed": further["coverage"]["documents_filed"],
                "staff_filing": further["coverage"]["staff_filing"],
                "without_media_break_percent": further["media_break"]["without_media_break_percent"],
            }
        )
    return {
        "version": VERSION,
        "computed_at": timezone.now().isoformat(),
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "key_figures": key_figures,
        "months": months,
        "services": by_service[:20],
        "maturity": maturity,
        "internal": internal,
        "projects": projects,
        "budget": budget,
        "outlook": _outlook(tenant, end),
        "indicators": further,
    }


def _indicators(tenant: Municipality, start: dt.date, end: dt.date) -> dict[str, Any] | None:
    """Other channels, logins, E-Akte coverage and media breaks of a calendar half-year (``indicators.py``
    counts them per calendar period; distinct staff and units cannot be summed over other spans): else None."""
    if start.year != end.year or (start.month, start.day, end.month, end.day) not in ((1, 1, 6, 30), (7, 1, 12, 31)):
        return None
    half = 0 if start.month == 1 else 1
    year = start.year
    channels = indicators.channel_rows(tenant, year=year, grain="halbjahr")[half].as_dict()
    logins = indicators.login_rows(tenant, year=year, grain="halbjahr")[half]
    return {
        "channels": channels,
        "other_channels": [{"channel": CHANNEL_LABELS.get(c, c), "cases": channels[f"other_{c}"]} for c in CHANNELS],
        "logins": logins.as_dict(),
        "logins_by_level": [{"level": LEVEL_LABELS.get(k, k), "logins": v} for k, v in logins.by_level.items()],
        "coverage": indicators.coverage_rows(tenant, year=year, grain="halbjahr")[half].as_dict(),
        "media_break": indicators.media_break_rows(tenant, year=year, grain="halbjahr")[half].as_dict(),
    }


def _maturity(tenant: Municipality, end: dt.date, services: Iterable[Any]) -> dict[str, Any]:
    """Each published service's stage as assessed by the end of the period (the newest assessment then)."""
    latest: dict[int, MaturityAssessment] = {}
    newest_first = ("service_id", "-assessed_on", "-created_at", "-pk")
    for a in MaturityAssessment.objects.for_tenant(tenant).filter(assessed_on__lte=end).order_by(*newest_first):
        latest.setdefault(a.service_id, a)
    assessed = []
    missing = 0
    for service in services:
        a = latest.get(service.pk)
        if a is None:
            missing += 1
        else:
            assessed.append({"name": service.name, "level": a.level, "assessed_on": a.assessed_on.isoformat()})
    assessed.sort(key=lambda s: (-s["level"], s["name"]))
    stages = [{"stage": n, "label": label, "count": sum(1 for s in assessed if s["level"] == n)} for n, label in STAGES]
    return {"stages": stages, "services": assessed, "not_assessed": missing}


def _internal(tenant: Municipality, end: dt.date) -> dict[str, Any]:
    processes = list(Process.objects.for_tenant(tenant).select_related("org_unit"))
    costs = [(p, p.cost_per_year) for p in processes]
    costliest = sorted((pc for pc in costs if pc[1] is not None), key=lambda pc: -(pc[1] or 0))[:5]
    overdue = [p for p in processes if p.digital_duty and p.digital_duty_due and p.digital_duty_due <= end]
    return {
        "processes": len(processes),
        "personal_data": sum(1 for p in processes if p.personal_data),
        "digital_duty": sum(1 for p in processes if p.digital_duty),
        "duty_due_by_end": len(overdue),
        "high_automation": sum(1 for p in processes if p.automation_potential >= 3),
        "cases_per_year": sum(p.cases_per_year for p in processes),
        "hours_per_year": str(sum((p.hours_per_year or Decimal(0) for p in processes), Decimal(0))),
        "cost_per_year": str(sum((c or Decimal(0) for _p, c in costs), Decimal(0))),
        "costliest": [{"key": p.key, "name": p.name, "unit": p.org_unit.name, "cost": str(c)} for p, c in costliest],
    }


def _projects(tenant: Municipality, start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], dict[str, str]]:
    years = range(start.year, end.year + 1)
    budgets = {
        row["project"]: row
        for row in ProjectBudget.objects.for_tenant(tenant)
        .filter(year__in=years)
        .values("project")
        .annotate(planned=Sum("planned_teur"), committed=Sum("committed_teur"), spent=Sum("spent_teur"))
    }
    upcoming: dict[int, Milestone] = {}
    for m in Milestone.objects.for_tenant(tenant).filter(done_on__isnull=True).order_by("due_on", "pk"):
        upcoming.setdefault(m.project_id, m)
    out = []
    totals = {"planned": Decimal(0), "committed": Decimal(0), "spent": Decimal(0)}
    for p in Project.objects.for_tenant(tenant).select_related("action_field"):
        b = budgets.get(p.pk, {})
        money = {k: Decimal(b.get(k) or 0) for k in totals}
        for k in totals:
            totals[k] += money[k]
        m = upcoming.get(p.pk)
        out.append(
            {
                "name": p.name,
                "action_field": p.action_field.name,
                "status": p.status,
                "status_label": str(Project.Status(p.status).label),
                "status_reason": p.status_reason,
                **{k: str(v) for k, v in money.items()},
                "next_milestone": m.title if m else "",
                "next_due": m.due_on.isoformat() if m else "",
            }
        )
    return out, {k: str(v) for k, v in totals.items()}


def _outlook(tenant: Municipality, end: dt.date) -> dict[str, Any]:
    """What falls due in the six months after the period: open milestones and legal duties to go digital."""
    horizon = end + dt.timedelta(days=183)
    milestones = (
        Milestone.objects.for_tenant(tenant)
        .filter(done_on__isnull=True, due_on__gt=end, due_on__lte=horizon)
        .select_related("project")
        .order_by("due_on", "pk")
    )
    duties = Process.objects.for_tenant(tenant).filter(
        digital_duty=True, digital_duty_due__gt=end, digital_duty_due__lte=horizon
    )
    return {
        "until": horizon.isoformat(),
        "milestones": [
            {"project": m.project.name, "title": m.title, "due_on": m.due_on.isoformat()} for m in milestones
        ],
        "duties": [
            {"key": p.key, "name": p.name, "due_on": p.digital_duty_due.isoformat() if p.digital_duty_due else ""}
            for p in duties.order_by("digital_duty_due", "key")
        ],
    }


def compare(before: dict[str, Any] | None, now: dict[str, Any]) -> list[dict[str, Any]]:
    """Per key figure: label, unit, the previous report's value, this one's, and the change (None if unknown)."""
    previous = (before or {}).get("key_figures", {})
    out = []
    for key, (label, unit, better_up) in KEY_FIGURES.items():
        old, new = previous.get(key), now["key_figures"].get(key)
        if key not in previous and key not in now["key_figures"]:
            continue  # a figure neither report has (half-year-only indicators)
        change: str | None = None
        trend = ""
        if old is not None and new is not None:
            delta = Decimal(str(new)) - Decimal(str(old))
            change = str(delta)
            if delta and better_up is not None:
                trend = "besser" if (delta > 0) == better_up else "schlechter"
        out.append(
            {"key": key, "label": label, "unit": unit, "before": old, "now": new, "change": change, "trend": trend}
        )
    return out
