"""Cases on the other channels (paper, in person, e-mail, phone) per service or process and month.

Until incoming mail and the counters feed them, the digitalisation unit and unit leads enter these numbers in
a form or import them as CSV/XLSX (the reading of ``sheets.py``). Every row is validated; an error names its
row and column, and one bad row imports nothing. A row for a month that already has numbers replaces them.

Who may enter what: the digitalisation unit and the administration every service and process; a unit lead
the processes of their units and the services their units provide.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from rathaus.catalog.selectors import published_services
from rathaus.core.csv_cells import restore_formula
from rathaus.core.errors import ImportRejected, ValidationFailed
from rathaus.identity import permissions
from rathaus.identity.models import User
from rathaus.identity.permissions import STEERING_UNITS
from rathaus.tenants.models import Municipality

from . import facts_cache, selectors, sheets
from .models_channels import CHANNELS, ChannelCount

MAX_COUNT = 10_000_000

# Spreadsheet column (lower case) -> field; the first title of each field is the one the template shows.
COLUMNS: dict[str, str] = {
    "leistung (leika-schlüssel)": "service",
    "leistung": "service",
    "leika": "service",
    "prozessnummer": "process",
    "prozess": "process",
    "monat": "month",
    "papier": "paper",
    "persönlich": "in_person",
    "e-mail": "email",
    "telefon": "phone",
}
TITLES = {
    "service": "Leistung (LeiKa-Schlüssel)",
    "process": "Prozessnummer",
    "month": "Monat",
    "paper": "Papier",
    "in_person": "Persönlich",
    "email": "E-Mail",
    "phone": "Telefon",
}
HELP = {
    "service": "LeiKa-Schlüssel der Leistung; oder die Prozessnummer ausfüllen, nicht beides",
    "process": "Nummer des Prozesses im Prozesskatalog, z. B. FB33-001",
    "month": "MM.JJJJ, z. B. 03.2026",
    "paper": "Anzahl der Fälle auf Papier oder per Post",
    "in_person": "Anzahl der Fälle persönlich vorgesprochen",
    "email": "Anzahl der Fälle per E-Mail",
    "phone": "Anzahl der Fälle per Telefon",
}
_MONTH = re.compile(r"^(?:(?:0?[1-9]|[12]\d|3[01])\.)?(0?[1-9]|1[0-2])\.(\d{4})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(?:-\d{2})?$")


@dataclasses.dataclass(frozen=True)
class Allowed:
    """What one person may enter: LeiKa key -> service name, process number -> process id."""

    services: dict[str, str]
    processes: dict[str, int]


def allowed_for(user: Any, tenant: Municipality) -> Allowed:
    services = published_services(tenant)
    processes = selectors.processes_visible_to(user, tenant)
    if not selectors.edits_everything(user, tenant):
        units = permissions.units_with_role(user, tenant, *STEERING_UNITS)
        services = services.filter(org_unit__in=units)
    return Allowed(
        services=dict(services.values_list("leika_key", "name")),
        processes=dict(processes.values_list("key", "pk")),
    )


def parse_month(value: Any) -> dt.date:
    """The first of the month of ``MM.JJJJ``, ``TT.MM.JJJJ``, ``JJJJ-MM`` or a spreadsheet date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    if m := _MONTH.match(text):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _ISO_MONTH.match(text):
        year, month = int(m.group(1)), int(m.group(2))
    else:
        raise ValueError("Monat im Format MM.JJJJ angeben, z. B. 03.2026.")
    if not 2000 <= year <= 2100:
        raise ValueError("Das Jahr muss zwischen 2000 und 2100 liegen.")
    return dt.date(year, month, 1)


def parse_count(value: Any) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool):
        raise ValueError("Eine Anzahl ist eine ganze Zahl.")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("Eine Anzahl ist eine ganze Zahl.")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(".", "").replace(" ", "")
        if not re.fullmatch(r"[-+]?\d+", text):
            raise ValueError("Eine Anzahl ist eine ganze Zahl, z. B. 120.")
        number = int(text)
    if number < 0:
        raise ValueError("Eine Anzahl kann nicht negativ sein.")
    if number > MAX_COUNT:
        raise ValueError(f"Mehr als {MAX_COUNT:,} Fälle in einem Monat sind nicht plausibel.".replace(",", "."))
    return number


def parse_row(raw: Mapping[str, Any], allowed: Allowed) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """One row (field -> cell) as model values and its errors ``[{field, column, message}]``."""
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    def error(field: str, message: str) -> None:
        errors.append({"field": field, "column": TITLES[field], "message": message})

    service = restore_formula(str(raw.get("service") or "").strip())
    process = restore_formula(str(raw.get("process") or "").strip())
    if service and process:
        error("service", "Bitte entweder eine Leistung oder einen Prozess angeben, nicht beides.")
    elif not service and not process:
        error("service", "Bitte eine Leistung (LeiKa-Schlüssel) oder eine Prozessnummer angeben.")
    elif service:
        if service not in allowed.services:
            error("service", f"Die Leistung »{service[:40]}« ist unbekannt oder Ihnen nicht zugeordnet.")
        values["service"] = service
    else:
        if process not in allowed.processes:
            error("process", f"Der Prozess »{process[:30]}« ist unbekannt oder Ihnen nicht zugeordnet.")
        else:
            values["process_id"] = allowed.processes[process]
        values["process_key"] = process
    try:
        values["month"] = parse_month(raw.get("month"))
    except ValueError as exc:
        error("month", str(exc))
    for field in CHANNELS:
        try:
            values[field] = parse_count(raw.get(field))
        except ValueError as exc:
            error(field, str(exc))
    return values, errors


def _write(tenant: Municipality, actor: User | None, values: Mapping[str, Any], source: str) -> ChannelCount:
    lookup: dict[str, Any] = {"month": values["month"]}
    if values.get("service"):
        lookup.update(service=values["service"], process=None)
    else:
        lookup.update(service="", process_id=values["process_id"])
    row, _created = (
        ChannelCount.objects.for_tenant(tenant)
        .select_for_update()
        .update_or_create(
            tenant=tenant,
            **lookup,
            defaults={**{f: values[f] for f in CHANNELS}, "source": source, "updated_by": actor},
        )
    )
    facts_cache.changed(tenant.pk)  # the dashboard's figures are computed anew once this commits
    return row


def save_count(*, tenant: Municipality, actor: User, raw: Mapping[str, Any]) -> ChannelCount:
    """One month of one service or process from the form; ValidationFailed with ``errors`` per field."""
    values, errors = parse_row(raw, allowed_for(actor, tenant))
    if errors:
        raise ValidationFailed("Bitte prüfen Sie die markierten Angaben.", errors=errors)
    with transaction.atomic():
        return _write(tenant, actor, values, "form")


def read_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """The rows of a CSV or XLSX file as ``(row number, {field: cell})``; ImportRejected for no such table."""
    if len(data) > sheets.MAX_BYTES:
        raise ImportRejected("Die Datei ist größer als 5 MB.")
    table = sheets._xlsx_table(data) if data.startswith(b"PK\x03\x04") else sheets._csv_table(data)
    if not table or not any(cell not in (None, "") for cell in table[0]):
        raise ImportRejected("Die Datei enthält keine Kopfzeile mit den Spalten der Vorlage.")
    header, *body = table
    columns: list[str | None] = []
    unknown = []
    for cell in header:
        title = str(cell or "").strip().lstrip("\ufeff").lower()
        if not title:
            columns.append(None)
        elif title not in COLUMNS:
            unknown.append(str(cell)[:60])
        elif COLUMNS[title] in columns:
            raise ImportRejected(f"Die Spalte »{str(cell)[:60]}« kommt doppelt vor.")
        else:
            columns.append(COLUMNS[title])
    if unknown:
        raise ImportRejected(
            "Unbekannte Spalte(n): " + ", ".join(f"»{u}«" for u in unknown) + ". Erlaubt sind die Spalten der Vorlage."
        )
    if "month" not in columns or ("service" not in columns and "process" not in columns):
        raise ImportRejected("Es fehlen Pflichtspalten: »Monat« und »Leistung (LeiKa-Schlüssel)« oder »Prozessnummer«.")
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, cells in enumerate(body, start=2):
        if all(cell in (None, "") or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        if len(rows) >= sheets.MAX_ROWS:
            raise ImportRejected(f"Die Datei hat mehr als {sheets.MAX_ROWS} Zeilen; bitte aufteilen.")
        rows.append((number, {key: cells[i] for i, key in enumerate(columns) if key and i < len(cells)}))
    if not rows:
        raise ImportRejected("Die Datei enthält keine Zeilen mit Zahlen (nur eine Kopfzeile).")
    return rows


def import_counts(
    *, tenant: Municipality, actor: User, rows: Sequence[tuple[int, Mapping[str, Any]]]
) -> tuple[int, int]:
    """Write every row or none; ImportRejected with ``errors`` ``[{row, column, message}]``.
    Returns (rows written, of which new)."""
    allowed = allowed_for(actor, tenant)
    errors: list[dict[str, Any]] = []
    parsed = []
    seen: dict[tuple[str, str, dt.date], int] = {}
    for number, raw in rows:
        values, row_errors = parse_row(raw, allowed)
        if not row_errors:
            key = (
                ("s", values["service"], values["month"])
                if "service" in values
                else ("p", values["process_key"], values["month"])
            )
            if key in seen:
                row_errors.append(
                    {
                        "field": "month",
                        "column": TITLES["month"],
                        "message": f"Dieser Monat steht schon in Zeile {seen[key]}.",
                    }
                )
            seen.setdefault(key, number)
        errors.extend({"row": number, **e} for e in row_errors)
        parsed.append(values)
    if errors:
        raise ImportRejected(
            f"Nichts importiert: {len(errors)} Fehler in {len({e['row'] for e in errors})} Zeile(n).", errors=errors
        )
    before = ChannelCount.objects.for_tenant(tenant).count()
    with transaction.atomic():
        for values in parsed:
            _write(tenant, actor, values, "import")
        new = ChannelCount.objects.for_tenant(tenant).count() - before
    return len(parsed), new


def counts_for(tenant: Municipality, *, year: int, allowed: Allowed | None = None) -> QuerySet[ChannelCount]:
    """The year's entries (newest month first); limited to what ``allowed`` names, if given."""
    rows = ChannelCount.objects.for_tenant(tenant).filter(month__year=year).select_related("process")
    if allowed is not None:
        rows = rows.filter(Q(service__in=list(allowed.services)) | Q(process_id__in=list(allowed.processes.values())))
    return rows.order_by("-month", "service", "process__key")


def other_channels_by_month(tenant: Municipality, *, year: int, service: str = "") -> dict[dt.date, dict[str, int]]:
    """Month -> channel -> cases entered for ``year``: for one LeiKa key (its own rows and those of processes
    linked to it) or, with ``service`` empty, every row."""
    rows = ChannelCount.objects.for_tenant(tenant).filter(month__year=year)
    if service:
        linked = ChannelCount.objects.for_tenant(tenant).filter(process__services__leika_key=service).values("pk")
        rows = rows.filter(Q(service=service) | Q(pk__in=linked))
    out: dict[dt.date, dict[str, int]] = {}
    for month, *numbers in rows.values_list("month", *CHANNELS):
        slot = out.setdefault(month, dict.fromkeys(CHANNELS, 0))
        for field, n in zip(CHANNELS, numbers, strict=True):
            slot[field] += n
    return out


def load_demo(tenant: Municipality, *, months: int = 6, today: dt.date | None = None) -> int:
    """The demo municipality's other channels: for each published service and each of the last ``months``
    complete months, plausible counts (fixed per service and month, so a second run changes nothing), written
    like an import. Returns the rows written."""
    today = today or dt.date.today()
    first = today.replace(day=1)
    written = 0
    with transaction.atomic():
        for key in sorted(published_services(tenant).values_list("leika_key", flat=True)):
            for back in range(1, months + 1):
                index = first.year * 12 + first.month - 1 - back
                month = dt.date(index // 12, index % 12 + 1, 1)
                seed = sum(ord(c) for c in key) + month.month * 7
                values = {
                    "service": key, "month": month, "paper": 10 + seed % 40, "in_person": 5 + seed % 25,
                    "email": 2 + seed % 12, "phone": seed % 9,
                }  # fmt: skip
                _write(tenant, None, values, "demo")
                written += 1
    return written
