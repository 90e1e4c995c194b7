"""Open data of the live figures (issue 10): the non-personal figures of one municipality and year, per
quarter, public (no login), as CSV and JSON under the licence "Datenlizenz Deutschland – Namensnennung – 2.0".

Only aggregates leave: no application numbers, no references, no people, no account or staff ids. **Small
numbers are suppressed**: a count below :data:`MIN_CASES` is not shown (empty in CSV, ``null`` in JSON), and a
figure computed from fewer cases (median, share, amount) is not shown either. The tables give no totals over
services, trust levels or units, so a suppressed cell cannot be worked out by subtraction. The file says so.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from rathaus.catalog.selectors import published_services
from rathaus.core.csv_cells import write_csv
from rathaus.tenants.models import Municipality
from rathaus.tenants.selectors import org_units

from . import figures, indicators
from .models_channels import CaseFact, ChannelCount, DocumentFact
from .models_facts import ApplicationFact

MIN_CASES = 5
LICENCE = {
    "id": "dl-de/by-2-0",
    "name": "Datenlizenz Deutschland – Namensnennung – Version 2.0",
    "url": "https://www.govdata.de/dl-de/by-2-0",
}
SUPPRESSION = (
    f"Werte unter {MIN_CASES} Fällen sind unterdrückt (CSV: leer, JSON: null); ebenso Median, Anteile und "
    f"Beträge, die auf weniger als {MIN_CASES} Fällen beruhen. Summen über Leistungen, Vertrauensniveaus oder "
    "Organisationseinheiten werden nicht veröffentlicht, damit unterdrückte Werte nicht errechnet werden können."
)
CACHE_SECONDS = 600
COLUMNS = ("bereich", "zeitraum", "schluessel", "bezeichnung", "kennzahl", "wert")
MEASURES = {
    "online_antraege": "Online eingegangene Anträge",
    "andere_kanaele": "Fälle auf anderen Kanälen (Papier, persönlich, E-Mail, Telefon; erfasst)",
    "beschieden": "Beschiedene Online-Anträge",
    "median_tage": "Median der Tage vom Eingang bis zum Bescheid",
    "ohne_medienbruch_prozent": "Anteil ohne Medienbruch beschieden (Prozent)",
    "zahlungen_online": "Online-Zahlungen",
    "betrag_eur": "Online gezahlter Betrag (EUR)",
    "anmeldungen": "Anmeldungen",
    "dokumente_eakte": "Elektronisch abgelegte Dokumente",
    "vorgaenge_eakte": "In der E-Akte angelegte Vorgänge",
}


def shown(count: int) -> int | None:
    """``count`` if it may be published, else None (suppressed)."""
    return count if count >= MIN_CASES else None


def _services(tenant: Municipality, year: int) -> dict[str, str]:
    """LeiKa key -> name of the services with any figure in ``year``."""
    names = dict(published_services(tenant).values_list("leika_key", "name"))
    start = timezone.make_aware(dt.datetime(year, 1, 1))
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1))
    keys = set(
        ApplicationFact.objects.for_tenant(tenant)
        .filter(Q(submitted_at__gte=start, submitted_at__lt=end) | Q(decided_at__gte=start, decided_at__lt=end))
        .exclude(service="")
        .values_list("service", flat=True)
        .distinct()
    )
    keys |= set(
        ChannelCount.objects.for_tenant(tenant)
        .filter(month__year=year)
        .exclude(service="")
        .values_list("service", flat=True)
    )
    return {key: names.get(key, key) for key in sorted(keys)}


def dataset(tenant: Municipality, year: int) -> dict[str, Any]:
    """The year's open data of ``tenant``: metadata and one record per (area, quarter, key, measure)."""
    records: list[dict[str, Any]] = []

    def add(area: str, period: str, key: str, label: str, measure: str, value: Any) -> None:
        records.append(
            {
                "bereich": area,
                "zeitraum": period,
                "schluessel": key,
                "bezeichnung": label,
                "kennzahl": measure,
                "wert": value,
            }
        )

    for key, name in _services(tenant, year).items():
        rows = figures.figures(tenant, year=year, grain="quartal", service=key)
        ch = indicators.channel_rows(tenant, year=year, grain="quartal", service=key)
        media = indicators.media_break_rows(tenant, year=year, grain="quartal", service=key)
        for r, c, m in zip(rows, ch, media, strict=True):
            label = r.period.label
            enough_decided = r.decided >= MIN_CASES
            add("leistung", label, key, name, "online_antraege", shown(r.submitted))
            add("leistung", label, key, name, "andere_kanaele", shown(c.other_total))
            add("leistung", label, key, name, "beschieden", shown(r.decided))
            add("leistung", label, key, name, "median_tage", r.median_days if enough_decided else None)
            without_ok = enough_decided and m.without_break >= MIN_CASES
            add("leistung", label, key, name, "ohne_medienbruch_prozent", m.share if without_ok else None)
            add("leistung", label, key, name, "zahlungen_online", shown(r.payments))
            add("leistung", label, key, name, "betrag_eur", str(r.paid_amount) if r.payments >= MIN_CASES else None)
    for row in indicators.login_rows(tenant, year=year, grain="quartal"):
        for level, n in row.by_level.items():
            add("anmeldung", row.period.label, level, indicators_level_label(level), "anmeldungen", shown(n))
    units = dict(org_units(tenant).values_list("key", "name"))
    for label, unit, documents, cases in _coverage_by_unit_and_quarter(tenant, year):
        add("e_akte", label, unit, units.get(unit, unit), "dokumente_eakte", shown(documents))
        add("e_akte", label, unit, units.get(unit, unit), "vorgaenge_eakte", shown(cases))
    return {
        "titel": f"Kennzahlen der Digitalisierung {year}",
        "herausgeber": tenant.name,
        "jahr": year,
        "stand": timezone.now().replace(microsecond=0).isoformat(),
        "lizenz": LICENCE,
        "namensnennung": f"{tenant.name}, Kennzahlen der Digitalisierung {year}, dl-de/by-2-0",
        "unterdrueckung": SUPPRESSION,
        "mindestfallzahl": MIN_CASES,
        "kennzahlen": MEASURES,
        "daten": records,
    }


def indicators_level_label(level: str) -> str:
    return {"none": "ohne Vertrauensniveau", "low": "niedrig", "substantial": "substanziell", "high": "hoch"}.get(
        level, level
    )


def _coverage_by_unit_and_quarter(tenant: Municipality, year: int) -> list[tuple[str, str, int, int]]:
    """(quarter, unit key, documents filed, cases opened), one query per table."""
    spans = figures.periods(year, "quartal")
    out = []

    def per_unit(model: Any, field: str) -> dict[str, list[int]]:
        spec = {
            f"q{i}": Count("pk", filter=Q(**{f"{field}__gte": p.start, f"{field}__lt": p.end}))
            for i, p in enumerate(spans)
        }
        rows = model.objects.for_tenant(tenant).filter(
            **{f"{field}__gte": spans[0].start, f"{field}__lt": spans[-1].end}
        )
        return {r["unit"]: [r[f"q{i}"] for i in range(len(spans))] for r in rows.values("unit").annotate(**spec)}

    documents, cases = per_unit(DocumentFact, "filed_at"), per_unit(CaseFact, "opened_at")
    for i, p in enumerate(spans):
        for unit in sorted(set(documents) | set(cases)):
            out.append((p.label, unit, documents.get(unit, [0] * 4)[i], cases.get(unit, [0] * 4)[i]))
    return out


def cached_dataset(tenant: Municipality, year: int) -> dict[str, Any]:
    """:func:`dataset`, kept for ten minutes: the URL is public."""
    key = f"steering:opendata:{tenant.pk}:{year}"
    data = cache.get(key)
    if data is None:
        data = dataset(tenant, year)
        cache.set(key, data, CACHE_SECONDS)
    return data


def as_csv(data: dict[str, Any]) -> str:
    """The records as CSV (house writer: formula cells neutralised); every row names the licence, the first
    row carries the attribution and the suppression rule in ``hinweis`` (the JSON has them as fields)."""
    header = [*COLUMNS, "lizenz", "hinweis"]
    note = f"{data['namensnennung']}; Lizenz: {LICENCE['id']} ({LICENCE['url']}); {SUPPRESSION}"
    lines = []
    for i, record in enumerate(data["daten"]):
        value = record["wert"]
        cell = "" if value is None else str(value).replace(".", ",")
        lines.append([*(record[c] for c in COLUMNS[:-1]), cell, LICENCE["id"], note if i == 0 else ""])
    if not lines:
        lines.append(["", "", "", "", "", "", LICENCE["id"], note])
    return write_csv(header, lines, bom=True)
