"""Writes and rendering of the half-yearly digitalisation report (issue 10).

Contract:
- :func:`create_report` freezes the figures of the period (``report_figures.compute``) and the comparison with
  the municipality's newest issued report; two drafts may not cover overlapping periods.
- :func:`save_commentary` changes one section's commentary of a draft (cleaned at the edge; Markdown, rendered
  sanitised).
- :func:`issue_report` renders the PDF (tagged PDF/UA-1, ``lang="de"``, title), stores it by content hash
  before the row that names it, and in one transaction marks the report issued and publishes
  ``steering.report_issued`` (records files it in the E-Akte). An issued report never changes again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rathaus.attachments import storage
from rathaus.core.errors import ValidationFailed
from rathaus.core.events import publish
from rathaus.core.text import TextRefused, clean_text
from rathaus.tenants.models import Municipality

from . import figure_chart, report_figures
from .events import ReportIssued
from .fields import FieldError, Spec, parse_date
from .models_reports import Report, ReportImmutable

if TYPE_CHECKING:
    from rathaus.identity.models import User

SECTIONS: tuple[tuple[str, str], ...] = (
    ("zusammenfassung", "Zusammenfassung"),
    ("leistungen", "Leistungen und Reifegrad"),
    ("nutzung", "Nutzung"),
    ("bearbeitung", "Bearbeitung"),
    ("intern", "Interne Digitalisierung"),
    ("projekte", "Projekte mit Ampel und Budget"),
    ("ausblick", "Ausblick"),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)
COMMENTARY_LIMIT = 20_000
MAX_DAYS = 366
PDF_VARIANT = "pdf/ua-1"  # tagged, with /Lang and the title shown (PDF/UA-minded, as identity's data export)
_DATE = Spec("date", "Datum", "date")


def half_year_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar half-year that ends before ``day``'s half-year begins (the last complete one)."""
    if day.month <= 6:
        return dt.date(day.year - 1, 7, 1), dt.date(day.year - 1, 12, 31)
    return dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)


def default_title(start: dt.date, end: dt.date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 6, 30) and start.year == end.year:
        return f"Digitalisierungsbericht 1. Halbjahr {start.year}"
    if (start.month, start.day, end.month, end.day) == (7, 1, 12, 31) and start.year == end.year:
        return f"Digitalisierungsbericht 2. Halbjahr {start.year}"
    return f"Digitalisierungsbericht {start:%d.%m.%Y} bis {end:%d.%m.%Y}"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("Bitte prüfen Sie die markierten Angaben.", errors=[{"field": field, "message": message}])


def create_report(*, tenant: Municipality, actor: User | None, raw: Mapping[str, Any]) -> Report:
    """A new draft for the period ``raw["start"]``–``raw["end"]`` (TT.MM.JJJJ or ISO, both days included)."""
    errors: list[dict[str, str]] = []
    dates: dict[str, dt.date | None] = {}
    for field in ("start", "end"):
        try:
            dates[field] = parse_date(clean_text(str(raw.get(field) or "")), _DATE)
        except (FieldError, TextRefused) as exc:
            errors.append({"field": field, "message": str(getattr(exc, "message", exc))})
            continue
        if dates[field] is None:
            errors.append({"field": field, "message": "Pflichtangabe fehlt."})
    try:
        title = clean_text(str(raw.get("title") or ""))
    except TextRefused as exc:
        errors.append({"field": "title", "message": exc.message})
        title = ""
    if len(title) > 200:
        errors.append({"field": "title", "message": "Ist zu lang (höchstens 200 Zeichen)."})
    if errors:
        raise ValidationFailed("Bitte prüfen Sie die markierten Angaben.", errors=errors)
    start, end = dates["start"], dates["end"]
    assert start is not None and end is not None
    if end < start:
        raise _invalid("end", "Das Ende des Berichtszeitraums liegt vor seinem Beginn.")
    if (end - start).days >= MAX_DAYS:
        raise _invalid("end", "Ein Bericht umfasst höchstens ein Jahr (üblich: ein Halbjahr).")
    if start > timezone.localdate():
        raise _invalid("start", "Der Berichtszeitraum darf nicht in der Zukunft beginnen.")
    with transaction.atomic():
        # One creation at a time per municipality, so two overlapping drafts cannot slip past the check.
        Municipality.objects.select_for_update().filter(pk=tenant.pk).first()
        reports = Report.objects.for_tenant(tenant)
        clash = reports.filter(status=Report.Status.DRAFT, period_start__lte=end, period_end__gte=start).first()
        if clash is not None:
            raise _invalid(
                "start",
                f"Für einen überschneidenden Zeitraum gibt es schon einen Entwurf: {clash.title}. "
                "Bitte bearbeiten Sie diesen oder wählen Sie einen anderen Zeitraum.",
            )
        previous = reports.filter(status=Report.Status.ISSUED).order_by("-period_end", "-issued_at").first()
        figures = report_figures.compute(tenant, start, end)
        return Report.objects.create(
            tenant=tenant,
            title=title or default_title(start, end),
            period_start=start,
            period_end=end,
            figures=figures,
            previous=previous,
            comparison=report_figures.compare(previous.figures if previous else None, figures),
            sections=[{"key": key, "title": name, "commentary": ""} for key, name in SECTIONS],
            created_by=actor,
        )


def save_commentary(*, tenant: Municipality, report_uuid: uuid.UUID, key: str, text: str) -> Report:
    """Set one section's commentary of a draft. ValidationFailed for bad text, ReportImmutable once issued."""
    if key not in SECTION_KEYS:
        raise _invalid("commentary", "Diesen Abschnitt gibt es nicht.")
    try:
        cleaned = clean_text(text, multiline=True)
    except TextRefused as exc:
        raise _invalid("commentary", exc.message) from None
    if len(cleaned) > COMMENTARY_LIMIT:
        raise _invalid("commentary", f"Ist zu lang (höchstens {COMMENTARY_LIMIT} Zeichen).")
    with transaction.atomic():
        report = Report.objects.for_tenant(tenant).select_for_update().get(uuid=report_uuid)
        if report.is_issued:
            raise ReportImmutable("Ein herausgegebener Bericht wird nicht mehr geändert.")
        report.sections = [{**s, "commentary": cleaned} if s["key"] == key else s for s in report.sections]
        report.save(update_fields=["sections", "updated_at"])
    return report


def delete_draft(*, tenant: Municipality, report_uuid: uuid.UUID) -> None:
    """Remove a draft (a wrong period, a duplicate); ReportImmutable for an issued report."""
    with transaction.atomic():
        report = Report.objects.for_tenant(tenant).select_for_update().get(uuid=report_uuid)
        report.delete()  # Report.delete refuses an issued report


def issue_report(*, tenant: Municipality, report_uuid: uuid.UUID, actor: User | None) -> Report:
    """Freeze the draft: PDF rendered and stored, status issued, ``steering.report_issued`` published.

    The PDF is rendered before the lock (it takes a moment); if the draft changed meanwhile, nothing is issued
    and ValidationFailed asks to look again.
    """
    report = Report.objects.for_tenant(tenant).get(uuid=report_uuid)
    if report.is_issued:
        raise ReportImmutable("Der Bericht ist schon herausgegeben.")
    issued_at = timezone.now()
    seen = report.updated_at
    pdf = render_pdf(report, issued_at=issued_at, issued_by=actor)
    sha256 = hashlib.sha256(pdf).hexdigest()
    storage.store(pdf, sha256)  # before the row that names it (see attachments.storage)
    with transaction.atomic():
        locked = Report.objects.for_tenant(tenant).select_for_update().get(pk=report.pk)
        if locked.is_issued:
            raise ReportImmutable("Der Bericht ist schon herausgegeben.")
        if locked.updated_at != seen:
            raise _invalid(
                "", "Der Entwurf wurde eben geändert. Bitte prüfen Sie die Vorschau und geben Sie ihn erneut heraus."
            )
        locked.status = Report.Status.ISSUED
        locked.issued_at = issued_at
        locked.issued_by = actor
        locked.pdf_sha256 = sha256
        locked.save(update_fields=["status", "issued_at", "issued_by", "pdf_sha256", "updated_at"])
        publish(
            tenant,
            "steering.report_issued",
            str(locked.uuid),
            ReportIssued(
                report=str(locked.uuid),
                title=locked.title,
                period_start=locked.period_start,
                period_end=locked.period_end,
                sha256=sha256,
            ),
        )
    return locked


def pdf_of(report: Report) -> bytes:
    """The issued report's frozen PDF; a draft's is rendered now (marked as draft)."""
    if report.is_issued:
        return storage.open_blob(storage.key_for(report.pdf_sha256))
    return render_pdf(report, issued_at=None, issued_by=None)


def referenced_blob_keys() -> list[str]:
    """The PDFs of issued reports (kept by the blob collector)."""
    hashes = Report.all_tenants.exclude(pdf_sha256="").values_list("pdf_sha256", flat=True)
    return [storage.key_for(h) for h in hashes]


# --- rendering ---------------------------------------------------------------------------------------------


def _num(value: Any, places: int | None = None) -> str:
    """A number the German way (1.234,5); "–" when there is none."""
    if value is None or value == "":
        return "–"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if places is None:
        places = 0 if number == number.to_integral_value() else 1
    text = f"{number:,.{places}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("\u202f", ".")


def _signed(value: Any, places: int | None = None) -> str:
    if value is None:
        return "–"
    number = Decimal(str(value))
    return ("+" if number > 0 else "") + _num(number, places)


def context(report: Report, *, issued_at: dt.datetime | None = None, issued_by: Any = None) -> dict[str, Any]:
    """What the preview page and the PDF show: sections with commentary, tables, charts and their summaries."""
    f = report.figures
    k = f.get("key_figures", {})
    months = f.get("months", [])
    labels = [m["label"].split(" ")[0] for m in months]
    year_span = f"{report.period_start:%d.%m.%Y} – {report.period_end:%d.%m.%Y}"
    charts = {
        "nutzung": _chart(
            "bericht-antraege",
            f"Online-Anträge je Monat, {year_span}",
            labels,
            [m["submitted"] for m in months],
            _busiest(months),
        ),
        "bearbeitung": _chart(
            "bericht-dauer",
            f"Bearbeitungszeit (Median in Tagen) je Monat, {year_span}",
            labels,
            [m["median_days"] for m in months],
            _slowest(months),
        ),
        "leistungen": _chart(
            "bericht-reifegrad",
            "Leistungen je Reifegradstufe (OZG-Reifegradmodell 2.0)",
            [str(s["stage"]) for s in f.get("maturity", {}).get("stages", [])],
            [s["count"] for s in f.get("maturity", {}).get("stages", [])],
            _maturity_summary(f.get("maturity", {})),
        ),
    }
    comparison = [
        {
            **row,
            "before_text": _num(row["before"], 2 if row["unit"] == "€" else None),
            "now_text": _num(row["now"], 2 if row["unit"] == "€" else None),
            "change_text": _signed(row["change"], 2 if row["unit"] == "€" else None),
        }
        for row in report.comparison
    ]
    sections = [{**s, "chart": charts.get(s["key"])} for s in report.sections]
    return {
        "report": report,
        "figures": f,
        "k": {key: _num(value) for key, value in k.items()},
        "months": [{**m, "paid_text": _num(m["paid_amount"], 2)} for m in months],
        "comparison": comparison,
        "sections": sections,
        "previous": report.previous,
        "issued_at": issued_at or report.issued_at,
        "issued_by": issued_by or report.issued_by,
        "tenant": report.tenant,
        "projects": [
            {**p, **{key: _num(p[key], 1) for key in ("planned", "committed", "spent")}} for p in f.get("projects", [])
        ],
        "budget": {key: _num(v, 1) for key, v in f.get("budget", {}).items()},
        "internal": {**f.get("internal", {}), "cost_text": _num(f.get("internal", {}).get("cost_per_year"))},
        "indicators": _formatted(f.get("indicators")),
    }


def _formatted(value: Any) -> Any:
    """Every number of a frozen JSON part written the German way; None stays None (the template asks for it)."""
    if isinstance(value, dict):
        return {key: _formatted(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_formatted(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _num(value)
    return value


def _chart(ident: str, title: str, labels: list[str], values: list[Any], summary: str) -> dict[str, str]:
    desc = "Balkendiagramm; die Tabelle darunter enthält dieselben Werte."
    return {
        "id": ident,
        "title": title,
        "summary": summary,
        "svg": figure_chart.bars(ident, title, desc, labels, values),
    }


def _busiest(months: list[dict[str, Any]]) -> str:
    if not any(m["submitted"] for m in months):
        return "Im Berichtszeitraum ging kein Online-Antrag ein."
    top = max(months, key=lambda m: m["submitted"])
    total = sum(m["submitted"] for m in months)
    return (
        f"Im Berichtszeitraum gingen {_num(total)} Online-Anträge ein, "
        f"die meisten im {top['label']} ({_num(top['submitted'])})."
    )


def _slowest(months: list[dict[str, Any]]) -> str:
    timed = [m for m in months if m["median_days"] is not None]
    if not timed:
        return "Im Berichtszeitraum wurde kein Online-Antrag beschieden."
    top = max(timed, key=lambda m: m["median_days"])
    low = min(timed, key=lambda m: m["median_days"])
    return (
        f"Die mittlere Bearbeitungszeit (Median) lag zwischen {_num(low['median_days'], 1)} Tagen ({low['label']}) "
        f"und {_num(top['median_days'], 1)} Tagen ({top['label']})."
    )


def _maturity_summary(maturity: dict[str, Any]) -> str:
    assessed = maturity.get("services", [])
    if not assessed:
        return "Bis zum Ende des Berichtszeitraums wurde keine Leistung nach dem Reifegradmodell bewertet."
    online = sum(1 for s in assessed if s["level"] >= 3)
    return (
        f"{_num(len(assessed))} Leistungen sind bewertet, {_num(online)} davon erreichen mindestens Stufe 3; "
        f"{_num(maturity.get('not_assessed', 0))} veröffentlichte Leistungen sind noch nicht bewertet."
    )


def render_html(report: Report, *, issued_at: dt.datetime | None = None, issued_by: Any = None) -> str:
    with translation.override("de"):
        return render_to_string("steering/reports/pdf.html", context(report, issued_at=issued_at, issued_by=issued_by))


def render_pdf(report: Report, *, issued_at: dt.datetime | None, issued_by: Any) -> bytes:
    from weasyprint import HTML  # imported here: loading pango takes a moment and most requests don't need it

    html = render_html(report, issued_at=issued_at, issued_by=issued_by)
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)  # type: ignore[no-any-return]
