"""Writes of the process catalog and the prioritisation: every change versioned, imports all or nothing.

Guarantees:

- ``save_process`` and ``import_processes`` write the process and a :class:`ProcessVersion` (who, when, from
  where, each changed field's old and new value) in one transaction; a save that changes nothing writes no
  version.
- ``import_processes`` validates every row first and writes nothing if one row is wrong
  (:class:`ImportRejected` with ``errors`` = ``[{row, column, message}]``, German).
- Board decisions and maturity assessments are written once and never changed (``models.ImmutableRecord``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from rathaus.catalog import services as catalog_services
from rathaus.core.errors import ImportRejected, ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.tenants.models import Municipality

from . import maturity, scoring, selectors
from .fields import BY_KEY, FIELDS, export_cell, parse_row
from .models import BoardDecision, MaturityAssessment, PriorityWeights, Process, ProcessVersion

if TYPE_CHECKING:
    from rathaus.identity.models import User

    from .sheets import Row

_MODEL_FIELDS = [spec.key for spec in FIELDS if spec.key not in ("org_unit", "services")]


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def _plain(value: Any) -> Any:
    """A value as the history stores it (JSON)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return list(value)
    return value


def snapshot(process: Process) -> dict[str, Any]:
    """The process's attributes as the history compares them (unit and services by their keys)."""
    values = {key: _plain(getattr(process, key)) for key in _MODEL_FIELDS}
    values["org_unit"] = process.org_unit.key if process.org_unit_id else None
    values["services"] = selectors.service_keys_of(process) if process.pk else []
    return values


def _apply(
    *,
    tenant: Municipality,
    actor: User | None,
    process: Process | None,
    values: Mapping[str, Any],
    units: Mapping[str, int],
    services: Mapping[str, int],
    source: str,
) -> tuple[Process, bool]:
    """Write one validated row (inside the caller's transaction); (process, whether anything changed)."""
    created = process is None
    before = {} if process is None else snapshot(process)
    if process is None:
        process = Process(tenant=tenant)
    for key in _MODEL_FIELDS:
        if key in values:
            setattr(process, key, values[key])
    process.org_unit_id = units[values["org_unit"]]
    after = {key: _plain(getattr(process, key)) for key in _MODEL_FIELDS}
    after["org_unit"] = values["org_unit"]
    after["services"] = list(values.get("services", before.get("services", [])))
    changes = {k: [before.get(k), after[k]] for k in after if created or before.get(k) != after[k]}
    if not changes:
        return process, False
    process.version += 1
    process.save()
    if created or "services" in changes:
        process.services.set([services[key] for key in after["services"]])
    ProcessVersion.objects.create(
        tenant=tenant, process=process, number=process.version, changed_by=actor, source=source, changes=changes
    )
    return process, True


def save_process(
    *,
    tenant: Municipality,
    actor: User | None,
    raw: Mapping[str, Any],
    process: Process | None = None,
    expected_version: int | None = None,
    allowed_units: Mapping[str, int],
    source: str = "form",
) -> Process:
    """Create (``process`` None) or change one process from form input; ValidationFailed with ``errors``
    ``[{field, column, message}]``. ``expected_version``: the version the form was opened on — if someone
    saved in between, nothing is written and the person is told to reload (no silent overwrite)."""
    units = selectors.all_unit_keys(tenant)
    services = selectors.service_keys(tenant)
    values, errors = parse_row(raw, units=units, services=services)
    if "org_unit" in values and values["org_unit"] not in allowed_units:
        errors.append(
            {
                "field": "org_unit",
                "column": BY_KEY["org_unit"].title,
                "message": "Für diese Organisationseinheit dürfen Sie keine Prozesse pflegen.",
            }
        )
    if errors:
        raise ValidationFailed("Bitte prüfen Sie die markierten Angaben.", errors=errors)
    try:
        with transaction.atomic():
            if process is not None:
                process = (
                    Process.objects.for_tenant(tenant).select_for_update().select_related("org_unit").get(pk=process.pk)
                )
                if expected_version is not None and process.version != expected_version:
                    raise ValidationFailed(
                        "Der Prozess wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu "
                        "und übernehmen Sie Ihre Änderungen noch einmal."
                    )
            clash = Process.objects.for_tenant(tenant).filter(key=values["key"])
            if process is not None:
                clash = clash.exclude(pk=process.pk)
            if clash.exists():
                raise ValidationFailed(
                    "Bitte prüfen Sie die markierten Angaben.",
                    errors=[
                        {
                            "field": "key",
                            "column": BY_KEY["key"].title,
                            "message": "Diese Prozessnummer ist schon vergeben.",
                        }
                    ],
                )
            saved, _changed = _apply(
                tenant=tenant,
                actor=actor,
                process=process,
                values=values,
                units=units,
                services=services,
                source=source,
            )
    except IntegrityError:
        raise ValidationFailed(
            "Die Prozessnummer wurde gerade gleichzeitig vergeben. Bitte erneut speichern."
        ) from None
    return saved


def import_processes(
    *,
    tenant: Municipality,
    actor: User | None,
    rows: Sequence[Row],
    allowed_units: Mapping[str, int],
    source: str = "import",
) -> ImportResult:
    """Create or update processes by their number from spreadsheet rows; all rows or none.

    ``allowed_units``: the units the importing person may fill (a unit lead: their own); a row of another
    unit, or one that would move or change another unit's process, is an error of that row.
    """
    units = selectors.all_unit_keys(tenant)
    services = selectors.service_keys(tenant)
    existing = dict(Process.objects.for_tenant(tenant).values_list("key", "org_unit__key"))
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, raw in rows:
        values, row_errors = parse_row(raw, units=units, services=services)
        key = values.get("key")
        if key:
            if key in seen:
                row_errors.append(
                    {
                        "field": "key",
                        "column": BY_KEY["key"].title,
                        "message": f"Die Prozessnummer steht schon in Zeile {seen[key]}.",
                    }
                )
            seen.setdefault(key, number)
            owner = existing.get(key)
            if owner is not None and owner not in allowed_units:
                row_errors.append(
                    {
                        "field": "key",
                        "column": BY_KEY["key"].title,
                        "message": "Der Prozess gehört einer Einheit, die Sie nicht pflegen dürfen.",
                    }
                )
        if "org_unit" in values and values["org_unit"] not in allowed_units:
            row_errors.append(
                {
                    "field": "org_unit",
                    "column": BY_KEY["org_unit"].title,
                    "message": "Für diese Organisationseinheit dürfen Sie keine Prozesse pflegen.",
                }
            )
        errors += [{"row": number, **e} for e in row_errors]
        parsed.append((number, values))
    if errors:
        count = len({e["row"] for e in errors})
        raise ImportRejected(
            f"{count} fehlerhafte Zeile(n); es wurde nichts importiert. Bitte korrigieren Sie die Zeilen in der "
            "Tabelle und laden Sie die Datei erneut hoch.",
            errors=errors,
        )
    created = updated = unchanged = 0
    try:
        with transaction.atomic():
            current = {
                p.key: p
                for p in Process.objects.for_tenant(tenant)
                .select_for_update()
                .select_related("org_unit")
                .filter(key__in=seen)
            }
            for _number, values in parsed:
                process = current.get(values["key"])
                _saved, changed = _apply(
                    tenant=tenant,
                    actor=actor,
                    process=process,
                    values=values,
                    units=units,
                    services=services,
                    source=source,
                )
                if process is None:
                    created += 1
                elif changed:
                    updated += 1
                else:
                    unchanged += 1
    except IntegrityError:
        raise ImportRejected(
            "Ein anderer Import hat gleichzeitig dieselben Prozessnummern angelegt; es wurde nichts importiert. "
            "Bitte laden Sie die Datei erneut hoch."
        ) from None
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def export_rows(processes: Sequence[Process]) -> list[list[Any]]:
    """The spreadsheet rows of ``processes`` (the columns of ``fields.FIELDS``)."""
    rows = []
    for process in processes:
        values = snapshot(process)
        values.update({key: getattr(process, key) for key in _MODEL_FIELDS})
        rows.append([export_cell(spec, values[spec.key]) for spec in FIELDS])
    return rows


# ------------------------------------------------------------------------------------------ prioritisation


def save_weights(*, tenant: Municipality, actor: User | None, raw: Mapping[str, object]) -> dict[str, int]:
    weights, errors = scoring.parse_weights(raw)
    if errors:
        raise ValidationFailed("Die Gewichte sind nicht gültig.", errors=errors)
    PriorityWeights.objects.for_tenant(tenant).update_or_create(
        tenant=tenant, defaults={"weights": weights, "updated_by": actor}
    )
    return weights


def record_decision(
    *, tenant: Municipality, actor: User | None, decided_on: dt.date, note: str, today: dt.date
) -> BoardDecision:
    """Freeze the current ranking (with the current weights) as the board's decision of ``decided_on``."""
    try:
        note = clean_text(note, multiline=True)
    except TextRefused as exc:
        raise ValidationFailed(exc.message, errors=[{"field": "note", "message": exc.message}]) from None
    if len(note) > 2000:
        raise ValidationFailed("Der Vermerk ist zu lang (höchstens 2000 Zeichen).")
    weights = selectors.current_weights(tenant)
    ranked = selectors.ranking(tenant, weights, today=today)
    if not ranked:
        raise ValidationFailed("Der Prozesskatalog ist leer: Es gibt keine Rangfolge, die beschlossen werden könnte.")
    ranking = [
        {
            "rank": r.scored.rank,
            "uuid": str(r.process.uuid),
            "key": r.process.key,
            "name": r.process.name,
            "unit": r.process.org_unit.name,
            "benefit": r.scored.benefit,
            "feasibility": r.scored.feasibility,
            "score": r.scored.score,
        }
        for r in ranked
    ]
    return BoardDecision.objects.create(
        tenant=tenant, decided_on=decided_on, note=note, weights=weights, ranking=ranking, created_by=actor
    )


# ----------------------------------------------------------------------------------------------- maturity


def assess_maturity(
    *,
    tenant: Municipality,
    actor: User | None,
    service_id: int,
    raw: Mapping[str, object],
    note: str,
    assessed_on: dt.date,
) -> MaturityAssessment:
    """A new self-assessment of the service (all 13 criteria rated); the weakest criterion is its stage."""
    if service_id not in selectors.service_keys(tenant).values():
        raise ValidationFailed("Diese Leistung gibt es im Katalog der Kommune nicht.")
    stages, errors = maturity.parse_criteria(raw)
    try:
        note = clean_text(note, multiline=True)
    except TextRefused as exc:
        errors.append({"field": "note", "message": exc.message})
    if len(note) > 2000:
        errors.append({"field": "note", "message": "Der Vermerk ist zu lang (höchstens 2000 Zeichen)."})
    if errors:
        raise ValidationFailed("Bitte bewerten Sie jedes Kriterium.", errors=errors)
    with transaction.atomic():
        assessment = MaturityAssessment.objects.create(
            tenant=tenant,
            service_id=service_id,
            criteria=stages,
            level=maturity.level_of(stages),
            note=note,
            assessed_on=assessed_on,
            created_by=actor,
        )
        # The catalog's maturity is the latest assessment (an older one entered later does not replace it).
        catalog_services.record_maturity(
            tenant=tenant, service_id=service_id, level=assessment.level, criteria=stages, assessed_on=assessed_on
        )
    return assessment
