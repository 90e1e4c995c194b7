"""The OZG dashboard of live figures (/intern/steuerung/kennzahlen/), its CSV and JSON export.

Only the digitalisation unit and the municipality's administration (``STEERING``) see it; everything comes
from steering's own fact tables of this municipality (``figures.py``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rathaus.catalog.selectors import published_services
from rathaus.core.csv_cells import write_csv
from rathaus.identity.decorators import staff_required
from rathaus.identity.permissions import STEERING
from rathaus.tenants.http import TenantRequest
from rathaus.tenants.selectors import org_units

from . import facts_cache, figure_chart, figures, indicator_sections
from .views import _page

steering_staff = staff_required(*STEERING)
GRAIN_LABELS = {"monat": "Monat", "quartal": "Quartal", "halbjahr": "Halbjahr"}


def _filters(request: TenantRequest) -> tuple[int, str, str, dict[str, str]]:
    """Year, grain, service from the query; anything unknown falls back to this year, quarters, all services."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("jahr", this_year))
    except ValueError:
        year = this_year
    if not 2000 <= year <= this_year + 1:
        year = this_year
    grain = request.GET.get("art", "quartal")
    if grain not in figures.GRAINS:
        grain = "quartal"
    names = {s.leika_key: s.name for s in published_services(request.tenant)}
    tenant = request.tenant
    for key in facts_cache.cached(tenant.pk, "services", lambda: figures.services_counted(tenant)):
        names.setdefault(key, key)
    service = request.GET.get("leistung", "")
    if service not in names:
        service = ""
    return year, grain, service, names


def _unit(request: TenantRequest) -> tuple[str, dict[str, str]]:
    """The organisation unit filter of the E-Akte figures (its key, or "" for all) and the units by key."""
    units = dict(org_units(request.tenant).values_list("key", "name"))
    unit = request.GET.get("einheit", "")
    return (unit if unit in units else ""), units


def _rows(tenant: Any, year: int, grain: str, service: str) -> list[figures.Row]:
    """The figures of the filters, computed once per state of the facts (``facts_cache``)."""
    return facts_cache.cached(
        tenant.pk,
        f"rows:{year}:{grain}:{service}",
        lambda: figures.figures(tenant, year=year, grain=grain, service=service),
    )


def _short(label: str) -> str:
    return label.rsplit(" ", 1)[0]


@steering_staff
@require_GET
def dashboard(request: TenantRequest) -> HttpResponse:
    year, grain, service, names = _filters(request)
    rows = _rows(request.tenant, year, grain, service)
    labels = [_short(r.period.label) for r in rows]
    scope = names[service] if service else _("alle Leistungen")
    submitted = sum(r.submitted for r in rows)
    decided = sum(r.decided for r in rows)
    busiest = max(rows, key=lambda r: r.submitted)
    summary_apps = _(
        "%(year)s gingen für %(scope)s %(n)s Anträge online ein; am meisten im Zeitraum %(label)s (%(m)s)."
    ) % {"year": year, "scope": scope, "n": submitted, "label": busiest.period.label, "m": busiest.submitted}
    medians = [r for r in rows if r.median_days is not None]
    if medians:
        slowest = max(medians, key=lambda r: r.median_days or 0)
        summary_times = _(
            "%(n)s Anträge wurden beschieden; die längste mittlere Bearbeitungszeit (Median) hatte %(label)s "
            "mit %(days)s Tagen."
        ) % {"n": decided, "label": slowest.period.label, "days": number_format(slowest.median_days or 0, 1)}
    else:
        summary_times = _("Im Jahr %(year)s wurde kein Online-Antrag beschieden.") % {"year": year}
    charts = [
        {
            "id": "chart-antraege",
            "heading": _("Online-Anträge je Zeitraum"),
            "summary": summary_apps,
            "svg": mark_safe(  # built by figure_chart, which escapes every text
                figure_chart.bars(
                    "chart-antraege",
                    _("Online-Anträge %(year)s, %(scope)s") % {"year": year, "scope": scope},
                    _("Balkendiagramm: eingegangene Online-Anträge je Zeitraum; die Tabelle enthält dieselben Werte."),
                    labels,
                    [r.submitted for r in rows],
                )
            ),
        },
        {
            "id": "chart-dauer",
            "heading": _("Bearbeitungszeit (Median in Tagen) je Zeitraum"),
            "summary": summary_times,
            "svg": mark_safe(
                figure_chart.bars(
                    "chart-dauer",
                    _("Median der Tage vom Eingang bis zum Bescheid %(year)s, %(scope)s")
                    % {"year": year, "scope": scope},
                    _("Balkendiagramm: Median der Bearbeitungszeit je Zeitraum; ohne Bescheid kein Balken."),
                    labels,
                    [r.median_days for r in rows],
                )
            ),
        },
    ]
    unit, units = _unit(request)
    query = (
        f"?jahr={year}&art={grain}" + (f"&leistung={service}" if service else "") + (f"&einheit={unit}" if unit else "")
    )
    unit_label = units[unit] if unit else _("alle Organisationseinheiten")
    asked = json.dumps([get_language(), year, grain, service, scope, unit, unit_label])
    sections = facts_cache.cached(
        request.tenant.pk,
        "sections:" + hashlib.sha256(asked.encode()).hexdigest(),
        lambda: indicator_sections.sections(
            request.tenant, year=year, grain=grain, service=service, scope=scope, unit=unit, unit_label=unit_label
        ),
    )
    context: dict[str, Any] = {
        "sections": sections,
        "unit": unit,
        "units": sorted(units.items(), key=lambda kv: kv[1]),
        "rows": rows,
        "charts": charts,
        "year": year,
        "grain": grain,
        "service": service,
        "grains": list(GRAIN_LABELS.items()),
        "services": sorted(names.items(), key=lambda kv: kv[1]),
        "scope": scope,
        "query": query,
    }
    return _page(request, "steering/figures.html", context)


HEADER = (
    "Zeitraum", "Beginn", "Ende", "Leistung", "Online-Anträge", "Beschieden", "Median Tage", "90. Perzentil Tage",
    "Rückstand", "Rückstand Alter Tage", "Zahlungen", "Betrag EUR",
    "Andere Kanäle", "Online-Anteil Prozent", "Ohne Medienbruch", "Ohne Medienbruch Prozent",
    "Anmeldungen", "Anmeldungen substanziell oder hoch", "Dokumente E-Akte", "Einheiten mit Ablage",
    "Beschäftigte mit Ablage",
)  # fmt: skip


@steering_staff
@require_GET
def export(request: TenantRequest, fmt: str) -> HttpResponse:
    year, grain, service, _names = _filters(request)
    unit, _units = _unit(request)
    rows: list[dict[str, Any]] = [r.as_dict() for r in _rows(request.tenant, year, grain, service)]
    more = indicator_sections.export_rows(request.tenant, year=year, grain=grain, service=service, unit=unit)
    name = f"kennzahlen-{year}-{grain}{'-' + service if service else ''}"
    if fmt == "json":
        body = {"year": year, "grain": grain, "service": service or None, "unit": unit or None, "periods": rows, **more}
        response: HttpResponse = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    lines = [
        _csv_row(r, service) + _csv_more(*parts)
        for r, *parts in zip(rows, more["channels"], more["media_break"], more["logins"], more["e_akte"], strict=True)
    ]
    response = HttpResponse(write_csv(HEADER, lines, bom=True), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _csv_row(r: dict[str, Any], service: str) -> list[object]:
    days = (_de(r["median_days"]), _de(r["p90_days"]))
    return [
        r["period"], r["start"], r["end"], service, r["submitted"], r["decided"], *days,
        r["backlog"], _de(r["backlog_age_days"]), r["payments"], _de(r["paid_amount"]),
    ]  # fmt: skip


def _csv_more(
    channel: dict[str, Any], media: dict[str, Any], login: dict[str, Any], files: dict[str, Any]
) -> list[object]:
    return [
        channel["other_total"], _de(channel["online_share_percent"]), media["without_media_break"],
        _de(media["without_media_break_percent"]), login["logins"],
        login.get("logins_substantial", 0) + login.get("logins_high", 0), files["documents_filed"],
        files["units_filing"], files["staff_filing"],
    ]  # fmt: skip


def _de(value: object) -> str:
    """A number as German spreadsheets read it (decimal comma); empty when there is none."""
    return "" if value is None else str(value).replace(".", ",")
