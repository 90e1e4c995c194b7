"""The record of processing activities (Verzeichnis von Verarbeitungstätigkeiten, Art. 30 Abs. 1 DSGVO),
generated from the processes of the catalog that handle personal data; as CSV (the house CSV writer, formula
cells neutralised) and as tagged PDF (WeasyPrint, PDF/UA-1).

Each activity gives what Art. 30 (1) asks: the controller (the municipality with its address), the purposes,
the categories of data subjects and of personal data, the recipients, transfers to third countries, the
time limits for erasure and the technical and organisational measures — plus the legal basis, the unit and
the IT system, which a data-protection officer asks for next. Where a process's own Art. 30 field is empty,
a related catalog field stands in (named so in the record: purpose ← description, data subjects ← target
groups, data categories ← data processed, recipients ← participants); what is still missing is listed as a
gap, so the record shows what to complete instead of hiding it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rathaus.core.csv_cells import write_csv
from rathaus.tenants.models import Municipality

from .models import Process

PDF_VARIANT = "pdf/ua-1"
FALLBACK = " (aus {field})"
MISSING = "nicht angegeben"


@dataclasses.dataclass(frozen=True)
class Item:
    label: str
    value: str
    derived_from: str = ""  # the catalog field the value was taken from, if not its own Art. 30 field


@dataclasses.dataclass(frozen=True)
class Activity:
    key: str
    name: str
    unit: str
    items: list[Item]
    gaps: list[str]


def processes(tenant: Municipality) -> QuerySet[Process]:
    return Process.objects.for_tenant(tenant).filter(personal_data=True).select_related("org_unit").order_by("key")


def _pick(own: str, label: str, fallback: str = "", fallback_field: str = "") -> Item:
    if own.strip():
        return Item(label, own.strip())
    if fallback.strip():
        return Item(label, fallback.strip(), fallback_field)
    return Item(label, "")


def activity(process: Process) -> Activity:
    groups = ", ".join(process.target_group_labels())
    items = [
        _pick(process.gdpr_purpose, "Zwecke der Verarbeitung", process.description, "Beschreibung"),
        _pick(process.legal_basis, "Rechtsgrundlage"),
        _pick(process.gdpr_data_subjects, "Kategorien betroffener Personen", groups, "Zielgruppen"),
        _pick(process.personal_data_categories, "Kategorien personenbezogener Daten", process.data_processed,
              "verarbeitete Daten"),
        _pick(process.gdpr_recipients, "Empfänger", process.participants, "Prozessbeteiligte"),
        _pick(process.gdpr_third_country, "Übermittlung in Drittländer"),
        _pick(process.gdpr_retention, "Fristen für die Löschung"),
        _pick(process.gdpr_measures, "Technische und organisatorische Maßnahmen"),
        _pick(process.it_system, "Eingesetztes IT-Verfahren"),
    ]  # fmt: skip
    gaps = [i.label for i in items if not i.value and i.label != "Eingesetztes IT-Verfahren"]
    return Activity(process.key, process.name, str(process.org_unit), items, gaps)


def record(tenant: Municipality) -> dict[str, Any]:
    activities = [activity(p) for p in processes(tenant)]
    address = ", ".join(x for x in (tenant.street, f"{tenant.postal_code} {tenant.city}".strip()) if x)
    return {
        "tenant": tenant,
        "controller": {"name": tenant.name, "address": address, "email": tenant.email, "phone": tenant.phone},
        "activities": activities,
        "gaps": sum(len(a.gaps) for a in activities),
        "created_at": timezone.localtime().replace(microsecond=0),
    }


def _cell(item: Item) -> str:
    if not item.value:
        return MISSING
    return item.value + (FALLBACK.format(field=item.derived_from) if item.derived_from else "")


def as_csv(data: dict[str, Any]) -> str:
    controller = data["controller"]
    labels = [i.label for i in data["activities"][0].items] if data["activities"] else []
    header = ["Verantwortlicher", "Anschrift", "Prozessnummer", "Verarbeitungstätigkeit", "Organisationseinheit",
              *labels, "Lücken"]  # fmt: skip
    rows = [
        [controller["name"], controller["address"], a.key, a.name, a.unit, *(_cell(i) for i in a.items),
         ", ".join(a.gaps)]
        for a in data["activities"]
    ]  # fmt: skip
    return write_csv(header, rows, bom=True)


def as_pdf(data: dict[str, Any]) -> bytes:
    """The record as tagged PDF (PDF/UA-1: structure, language, title)."""
    from weasyprint import HTML

    with translation.override("de"):
        html = render_to_string("steering/gdpr_record_pdf.html", {**data, "missing": MISSING})
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)  # type: ignore[no-any-return]
