"""Writes to the catalog: import (JSON/CSV, all-or-nothing), export, and the OZG maturity from the steering
module's self-assessments."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Q
from pydantic import ValidationError

from rathaus.core.csv_cells import restore_formula, write_csv
from rathaus.core.errors import ImportRejected
from rathaus.core.validation import german_errors
from rathaus.tenants.models import Municipality, OrgUnit

from .models import Fee, LifeSituation, Service
from .schemas import LifeSituationRecord, ServiceRecord

CSV_COLUMNS = [
    "leika_key", "slug", "name", "short_description", "description", "required_documents", "fees",
    "legal_basis", "org_unit", "processing_time", "processing_days", "trust_level", "ozg_maturity",
    "ozg_level_legacy", "ozg_topic", "channels", "keywords", "life_situations", "is_top", "is_published",
]  # fmt: skip
_LIST_COLUMNS = ("required_documents", "channels", "keywords", "life_situations")
_FEE_SEPARATOR = " | "


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    life_situations: int


def bump_catalog_version(tenant: Municipality) -> None:
    """Tell every process's search index that the catalog changed (after commit)."""
    Municipality.objects.filter(pk=tenant.pk).update(catalog_version=F("catalog_version") + 1)


def _row_errors(row: str, errors: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{"row": row, **e} for e in errors]


def import_catalog(
    *, tenant: Municipality, document: dict[str, Any], row_labels: list[str] | None = None
) -> ImportResult:
    """Create or update services (matched by LeiKa key) and life situations (matched by slug).

    Guarantees: either every row is valid and all of them are stored in one transaction, or
    :class:`ImportRejected` is raised listing each faulty row and nothing is written.
    """
    if not isinstance(document, dict):
        raise ImportRejected("Die Datei muss ein JSON-Objekt mit »services« enthalten.")
    situations_raw = document.get("life_situations", [])
    services_raw = document.get("services")
    if not isinstance(services_raw, list) or not isinstance(situations_raw, list):
        raise ImportRejected("Die Datei muss eine Liste »services« enthalten.")
    labels = row_labels or [f"services[{i}]" for i in range(len(services_raw))]
    errors: list[dict[str, str]] = []

    situations: list[LifeSituationRecord] = []
    for i, raw in enumerate(situations_raw):
        try:
            situations.append(LifeSituationRecord.model_validate(raw))
        except ValidationError as exc:
            errors += _row_errors(f"life_situations[{i}]", german_errors(exc.errors()))

    units = {u.key: u for u in OrgUnit.objects.for_tenant(tenant)}
    known_situations = set(LifeSituation.objects.for_tenant(tenant).values_list("slug", flat=True))
    known_situations |= {s.slug for s in situations}
    existing = {s.leika_key: s for s in Service.objects.for_tenant(tenant)}
    slug_owner = {s.slug: key for key, s in existing.items()}

    records: list[ServiceRecord] = []
    seen_keys: set[str] = set()
    seen_slugs: set[str] = set()
    for label, raw in zip(labels, services_raw, strict=True):
        try:
            record = ServiceRecord.model_validate(raw)
        except ValidationError as exc:
            errors += _row_errors(label, german_errors(exc.errors()))
            continue
        row = []
        if record.org_unit not in units:
            row.append({"field": "org_unit", "message": f"Unbekannte Organisationseinheit »{record.org_unit}«."})
        for slug in record.life_situations:
            if slug not in known_situations:
                row.append({"field": "life_situations", "message": f"Unbekannte Lebenslage »{slug}«."})
        if record.leika_key in seen_keys:
            row.append({"field": "leika_key", "message": "Der LeiKa-Schlüssel kommt in der Datei doppelt vor."})
        if record.slug in seen_slugs:
            row.append({"field": "slug", "message": "Der Kurzname kommt in der Datei doppelt vor."})
        owner = slug_owner.get(record.slug)
        if owner is not None and owner != record.leika_key:
            row.append({"field": "slug", "message": "Der Kurzname gehört bereits einer anderen Leistung."})
        seen_keys.add(record.leika_key)
        seen_slugs.add(record.slug)
        errors += _row_errors(label, row)
        records.append(record)

    if errors:
        rows = len({e["row"] for e in errors})
        raise ImportRejected(f"{rows} fehlerhafte Zeile(n); es wurde nichts importiert.", errors=errors)

    with transaction.atomic():
        situation_objs = _upsert_situations(tenant, situations)
        created = updated = 0
        for label, record in zip(labels, records, strict=True):
            service = existing.get(record.leika_key)
            if service is None:
                service = Service(tenant=tenant, leika_key=record.leika_key)
                created += 1
            else:
                updated += 1
            _apply(service, record, units[record.org_unit])
            try:
                service.full_clean(validate_unique=False)
            except DjangoValidationError as exc:
                transaction.set_rollback(True)
                raise ImportRejected(
                    "1 fehlerhafte Zeile; es wurde nichts importiert.",
                    errors=[
                        {"row": label, "field": f, "message": " ".join(map(str, m))}
                        for f, m in exc.message_dict.items()
                    ],
                ) from None
            service.save()
            service.fees.all().delete()
            Fee.objects.bulk_create(
                Fee(service=service, position=i, **fee.model_dump()) for i, fee in enumerate(record.fees)
            )
            service.life_situations.set([situation_objs[s] for s in record.life_situations])
        bump_catalog_version(tenant)
    return ImportResult(created=created, updated=updated, life_situations=len(situations))


def record_maturity(
    *, tenant: Municipality, service_id: int, level: int, criteria: Mapping[str, int], assessed_on: dt.date
) -> bool:
    """The service's OZG maturity becomes the stage of a self-assessment, unless a later one is recorded already.

    Called by the steering module inside the transaction that stores the assessment. Returns whether the catalog
    now shows this assessment (False: the service has a newer one, or is not the municipality's).
    """
    if not 0 <= level <= 7:
        raise ValueError(f"OZG maturity is a stage from 0 to 7, not {level}")
    newer = Q(ozg_maturity_assessed_on__gt=assessed_on)
    changed = (
        Service.objects.for_tenant(tenant)
        .filter(pk=service_id)
        .exclude(newer)
        .update(ozg_maturity=level, ozg_maturity_criteria=dict(criteria), ozg_maturity_assessed_on=assessed_on)
    )
    if changed:
        bump_catalog_version(tenant)
    return bool(changed)


def _upsert_situations(tenant: Municipality, records: list[LifeSituationRecord]) -> dict[str, LifeSituation]:
    by_slug = {s.slug: s for s in LifeSituation.objects.for_tenant(tenant)}
    for position, record in enumerate(records):
        situation = by_slug.get(record.slug) or LifeSituation(tenant=tenant, slug=record.slug)
        situation.name, situation.description, situation.position = record.name, record.description, position
        if "translations" in record.model_fields_set:
            situation.translations = record.model_dump(exclude_none=True)["translations"]
        situation.save()
        by_slug[record.slug] = situation
    return by_slug


# Fields the CSV format does not carry: a CSV import keeps what the service has.
_KEPT_UNLESS_GIVEN = {"translations", "easy_language", "sign_language_video", "login_attributes"}


def _apply(service: Service, record: ServiceRecord, unit: OrgUnit) -> None:
    skip = {"fees", "life_situations", "org_unit", "leika_key"} | (_KEPT_UNLESS_GIVEN - record.model_fields_set)
    if service.ozg_maturity_assessed_on is not None:
        skip.add("ozg_maturity")  # the stage of the latest self-assessment, not a number from a file
    data = record.model_dump(exclude=skip)
    if "translations" in data:
        data["translations"] = {
            language: {k: v for k, v in content.items() if v is not None}
            for language, content in data["translations"].items()
        }
    for key, value in data.items():
        setattr(service, key, value)
    service.org_unit = unit


def export_catalog(tenant: Municipality) -> dict[str, Any]:
    """The whole catalog in the exchange format; ``import_catalog`` of the result is a no-op."""
    services = (
        Service.objects.for_tenant(tenant)
        .select_related("org_unit")
        .prefetch_related("fees", "life_situations")
        .order_by("name")
    )
    return {
        "format": "rathaus-catalog/1",
        "municipality": {"slug": tenant.slug, "name": tenant.name, "ags": tenant.ags},
        "life_situations": [
            {"slug": s.slug, "name": s.name, "description": s.description, "translations": s.translations}
            for s in LifeSituation.objects.for_tenant(tenant).order_by("position", "name")
        ],
        "services": [export_service(s) for s in services],
    }


def export_service(service: Service) -> dict[str, Any]:
    return {
        "leika_key": service.leika_key,
        "slug": service.slug,
        "name": service.name,
        "short_description": service.short_description,
        "description": service.description,
        "required_documents": list(service.required_documents),
        "fees": [
            {
                "label": f.label,
                "amount_min": str(f.amount_min),
                "amount_max": str(f.amount_max),
                "legal_basis": f.legal_basis,
            }
            for f in service.fees.all()
        ],
        "legal_basis": service.legal_basis,
        "org_unit": service.org_unit.key,
        "processing_time": service.processing_time,
        "processing_days": service.processing_days,
        "trust_level": service.trust_level,
        "ozg_maturity": service.ozg_maturity,
        "ozg_level_legacy": service.ozg_level_legacy,
        "ozg_topic": service.ozg_topic,
        "channels": list(service.channels),
        "keywords": list(service.keywords),
        "life_situations": sorted(s.slug for s in service.life_situations.all()),
        "is_top": service.is_top,
        "is_published": service.is_published,
        "translations": service.translations,
        "easy_language": service.easy_language,
        "sign_language_video": service.sign_language_video,
        "login_attributes": list(service.login_attributes),
    }


def export_csv(tenant: Municipality) -> str:
    """Services as CSV (semicolon, UTF-8): lists one item per line in the cell, fees as
    ``Bezeichnung | von | bis | Rechtsgrundlage`` one per line. A cell a spreadsheet would run as a formula
    gets an apostrophe in front, which :func:`parse_csv` takes off again."""
    rows = []
    for service in export_catalog(tenant)["services"]:
        row = {k: v for k, v in service.items() if k in CSV_COLUMNS}
        for column in _LIST_COLUMNS:
            row[column] = "\n".join(row[column])
        row["fees"] = "\n".join(
            _FEE_SEPARATOR.join([f["label"], f["amount_min"], f["amount_max"], f["legal_basis"]]) for f in row["fees"]
        )
        row["processing_days"] = "" if row["processing_days"] is None else row["processing_days"]
        row["is_top"] = "ja" if row["is_top"] else "nein"
        row["is_published"] = "ja" if row["is_published"] else "nein"
        rows.append([row.get(column, "") for column in CSV_COLUMNS])
    return write_csv(CSV_COLUMNS, rows)


def parse_csv(text: str) -> tuple[dict[str, Any], list[str]]:
    """CSV → exchange document and row labels ("Zeile 2" …), for :func:`import_catalog`."""
    text = text.lstrip("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in ("leika_key", "slug", "name", "org_unit") if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected(f"Der CSV-Datei fehlen die Spalten: {', '.join(missing)}.")
    services: list[dict[str, Any]] = []
    labels: list[str] = []
    for number, row in enumerate(reader, start=2):
        # Spreadsheet rows: the header is row 1; cells with line breaks still count as one row.
        labels.append(f"Zeile {number}")
        item: dict[str, Any] = {k: restore_formula(v or "").strip() for k, v in row.items() if k in CSV_COLUMNS}
        for column in _LIST_COLUMNS:
            item[column] = [v.strip() for v in item.get(column, "").splitlines() if v.strip()]
        item["fees"] = [_parse_fee(line) for line in item.get("fees", "").splitlines() if line.strip()]
        for column in ("processing_days",):
            if item.get(column, "") == "":
                item[column] = None
        for column in ("ozg_maturity", "ozg_level_legacy"):
            if item.get(column, "") == "":
                item.pop(column, None)
        for column in ("is_top", "is_published"):
            if column in item:
                item[column] = {"ja": True, "nein": False, "": column == "is_published"}.get(
                    item[column].lower(), item[column]
                )
        services.append(item)
    return {"services": services}, labels


def _parse_fee(line: str) -> dict[str, Any]:
    parts = [p.strip() for p in line.split("|")]
    parts += [""] * (4 - len(parts))
    label, low, high, basis = parts[:4]

    def amount(value: str) -> str:
        value = value.replace("€", "").replace("EUR", "").strip().replace(",", ".")
        try:
            return str(Decimal(value))
        except InvalidOperation:
            return value  # pydantic reports it with the row

    return {"label": label, "amount_min": amount(low), "amount_max": amount(high or low), "legal_basis": basis}
