"""The attributes of a process (seed 001) as one table of fields: parsed the same way from a spreadsheet
row (XLSX, CSV) and from the page's form, written the same way into the export.

A unit fills the catalog in a spreadsheet, so cells arrive as text (CSV), numbers and dates (XLSX), with
German habits: ``ja``/``nein``, ``31.12.2026``, ``12,5``, ``mittel``. :func:`parse_row` turns one row into
the model's values and a list of errors ``{field, column, message}`` in German, each naming the column a
person sees in the spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from rathaus.core.csv_cells import restore_formula
from rathaus.core.text import TextRefused, clean_text

from .models import Level, ProcessType, TargetGroup

# A single digitalisation project costs well below this many thousand euros; a larger figure almost always
# means somebody typed euros into a T€ column (180000 for 180 T€).
MAX_TEUR = Decimal(50_000)


class FieldError(ValueError):
    """One cell's problem, in German."""


@dataclass(frozen=True)
class Spec:
    key: str
    title: str  # the spreadsheet column and the form label
    kind: str  # text, multiline, int, decimal, teur, date, bool, level, choice, choices, unit, services
    required: bool = False
    max_length: int = 0
    maximum: int = 0
    help: str = ""


FIELDS: tuple[Spec, ...] = (
    Spec("key", "Prozessnummer", "text", required=True, max_length=30, help="z. B. FB33-001; eindeutig"),
    Spec("name", "Bezeichnung", "text", required=True, max_length=200),
    Spec("org_unit", "Organisationseinheit", "unit", required=True, help="Kürzel der Einheit, z. B. FB33"),
    Spec("description", "Beschreibung", "multiline", max_length=5000),
    Spec("target_groups", "Zielgruppen", "choices", help="Bürger, Unternehmen, Politik, andere Einrichtungen"),
    Spec("process_type", "Art des Prozesses", "choice", required=True, help="Steuerung, Output oder Service"),
    Spec("product", "Produkt", "text", max_length=30, help="Nummer im Produktplan, z. B. 01.02.01"),
    Spec("participants", "Prozessbeteiligte", "multiline", max_length=2000),
    Spec("trigger", "Auslöser", "multiline", max_length=2000),
    Spec("result", "Ergebnis", "multiline", max_length=2000),
    Spec("data_processed", "Verarbeitete Daten", "multiline", max_length=2000),
    Spec("personal_data", "Personenbezogene Daten", "bool", help="ja oder nein"),
    Spec("personal_data_categories", "Kategorien personenbezogener Daten", "multiline", max_length=1000),
    # For the record of processing activities (Art. 30 DSGVO; gdpr_record.py), where personal data is processed.
    Spec("gdpr_purpose", "Zweck der Verarbeitung (DSGVO)", "multiline", max_length=2000),
    Spec("gdpr_data_subjects", "Kategorien betroffener Personen", "multiline", max_length=1000),
    Spec("gdpr_recipients", "Empfänger personenbezogener Daten", "multiline", max_length=2000),
    Spec("gdpr_third_country", "Übermittlung in Drittländer", "multiline", max_length=1000, help="leer oder »keine«"),
    Spec("gdpr_retention", "Löschfristen", "multiline", max_length=1000, help="z. B. 10 Jahre nach Abschluss"),
    Spec("gdpr_measures", "Technische und organisatorische Maßnahmen", "multiline", max_length=3000),
    Spec("cases_per_year", "Fälle pro Jahr", "int", maximum=10_000_000),
    Spec("minutes_per_case", "Minuten je Fall", "int", maximum=100_000),
    Spec("staff_cost_rate", "Personalkostensatz (€ je Stunde)", "decimal", maximum=1000),
    Spec("deficits", "Defizite", "multiline", max_length=2000),
    Spec("deficit_level", "Gewicht der Defizite", "level", help="keine, gering, mittel oder hoch"),
    Spec("legal_basis", "Gesetzliche Grundlagen", "multiline", max_length=2000),
    Spec("digital_duty", "Gesetzliche Pflicht zum digitalen Angebot", "bool", help="ja oder nein"),
    Spec("digital_duty_basis", "Grundlage der Pflicht", "text", max_length=200, help="z. B. § 5 EGovG NRW"),
    Spec("digital_duty_due", "Digital anzubieten bis", "date", help="TT.MM.JJJJ"),
    Spec("automation_potential", "Automatisierungsmöglichkeit", "level", help="keine, gering, mittel oder hoch"),
    Spec("it_system", "Eingesetztes IT-Verfahren", "text", max_length=200),
    Spec("it_extension_potential", "Erweiterungsmöglichkeit des IT-Verfahrens", "level"),
    Spec("budget_need_teur", "Budgetbedarf der Digitalisierung (T€)", "teur"),
    Spec("staff_need_days", "Personalbedarf der Digitalisierung (Personentage)", "int", maximum=100_000),
    Spec("services", "Leistungen (LeiKa-Schlüssel)", "services", help="mehrere durch Komma getrennt"),
)
BY_KEY = {spec.key: spec for spec in FIELDS}
REQUIRED_COLUMNS = tuple(spec.key for spec in FIELDS if spec.required)

_TRUE = {"ja", "j", "yes", "true", "wahr", "x", "1"}
_FALSE = {"nein", "n", "no", "false", "falsch", "0", ""}
_LEVEL_WORDS = {str(label).lower(): value for value, label in Level.choices}
_TYPE_WORDS = {str(label).lower(): value for value, label in ProcessType.choices}
_GROUP_WORDS = {str(label).lower(): value for value, label in TargetGroup.choices} | {
    "bürger": TargetGroup.CITIZENS.value,
    "gewerbe": TargetGroup.BUSINESSES.value,
    "wirtschaft": TargetGroup.BUSINESSES.value,
    "einrichtungen": TargetGroup.INSTITUTIONS.value,
    "verwaltung": TargetGroup.INSTITUTIONS.value,
}
_INT = re.compile(r"^\d{1,12}$")
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def column_of(header: str) -> str | None:
    """The field a spreadsheet column stands for: its German title or its key (case and blanks ignored)."""
    wanted = " ".join(str(header).split()).casefold()
    for spec in FIELDS:
        if wanted in (spec.title.casefold(), spec.key.casefold()):
            return spec.key
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet keeps "2017" typed into a text column as a number
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return restore_formula(str(value))


def _clean(value: Any, spec: Spec, multiline: bool = False) -> str:
    try:
        text = clean_text(_text(value), multiline=multiline)
    except TextRefused as exc:
        raise FieldError(exc.message) from None
    if spec.max_length and len(text) > spec.max_length:
        raise FieldError(f"Ist zu lang (höchstens {spec.max_length} Zeichen).")
    return text


def parse_int(value: Any, spec: Spec) -> int | None:
    if isinstance(value, bool):
        raise FieldError("Muss eine ganze Zahl sein.")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise FieldError("Muss eine ganze Zahl sein.")
        number = int(value)
    else:
        text = _clean(value, spec).replace(" ", "")
        if text == "":
            return None
        if _THOUSANDS.match(text.lstrip("-")):  # German thousands: 12.000
            text = text.replace(".", "")
        if text.startswith("-") and _INT.match(text[1:]):
            raise FieldError("Darf nicht negativ sein.")
        if not _INT.match(text):
            raise FieldError("Muss eine ganze Zahl sein.")
        number = int(text)
    if number < 0:
        raise FieldError("Darf nicht negativ sein.")
    if spec.maximum and number > spec.maximum:
        raise FieldError(f"Darf höchstens {spec.maximum:,} sein.".replace(",", "."))
    return number


def parse_decimal(value: Any, spec: Spec) -> Decimal | None:
    if isinstance(value, bool):
        raise FieldError("Muss eine Zahl sein.")
    if isinstance(value, int | float | Decimal):
        text = str(value)
    else:
        text = _clean(value, spec).replace(" ", "").replace("€", "")
        if text == "":
            return None
        if "," in text:  # German: 1.234,5
            text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldError("Muss eine Zahl sein (z. B. 12,5).") from None
    if not number.is_finite():
        raise FieldError("Muss eine Zahl sein (z. B. 12,5).")
    if number < 0:
        raise FieldError("Darf nicht negativ sein.")
    if spec.kind == "teur" and number > MAX_TEUR:
        raise FieldError("Das sind mehr als 50 Mio. €. Beträge bitte in T€ (Tausend Euro) angeben: 180 für 180.000 €.")
    if spec.maximum and number > spec.maximum:
        raise FieldError(f"Darf höchstens {spec.maximum} sein.")
    places = 1 if spec.kind == "teur" else 2
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise FieldError(f"Höchstens {places} Nachkommastelle(n).")
    return number.quantize(Decimal(1).scaleb(-places))


def parse_date(value: Any, spec: Spec) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _clean(value, spec)
    if text == "":
        return None
    match = _GERMAN_DATE.match(text)
    parts = (match[3], match[2], match[1]) if match else None
    if parts is None and (match := _ISO_DATE.match(text)):
        parts = (match[1], match[2], match[3])
    if parts is None:
        raise FieldError("Datum bitte als TT.MM.JJJJ angeben (z. B. 31.12.2026).")
    try:
        date = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise FieldError("Dieses Datum gibt es nicht.") from None
    if not 2000 <= date.year <= 2100:
        raise FieldError("Das Jahr muss zwischen 2000 und 2100 liegen.")
    return date


def parse_bool(value: Any, spec: Spec) -> bool:
    if isinstance(value, bool):
        return value
    text = _clean(value, spec).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldError("Bitte »ja« oder »nein« angeben.")


def _word(value: Any, spec: Spec, words: Mapping[str, Any], values: Sequence[Any], hint: str) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value in values:
        return value
    text = _clean(value, spec).lower()
    if text in words:
        return words[text]
    for candidate in values:
        if text == str(candidate):
            return candidate
    raise FieldError(f"Unbekannter Wert »{_clean(value, spec)[:40]}«; erlaubt: {hint}.")


def _list(value: Any, spec: Spec) -> list[str]:
    if isinstance(value, list | tuple):
        items = [_clean(v, spec) for v in value]
    else:
        items = [part.strip() for part in re.split(r"[,;\n]", _clean(value, spec, multiline=True))]
    return [item for item in items if item]


def parse_level(value: Any, spec: Spec) -> int:
    if value in (None, ""):
        return Level.NONE
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return int(_word(value, spec, _LEVEL_WORDS, Level.values, "keine, gering, mittel, hoch (oder 0–3)"))


def parse_choice(value: Any, spec: Spec) -> str:
    return str(_word(value, spec, _TYPE_WORDS, ProcessType.values, "Steuerung, Output, Service"))


def parse_groups(value: Any, spec: Spec) -> list[str]:
    groups: list[str] = []
    for item in _list(value, spec):
        group = _word(
            item, spec, _GROUP_WORDS, TargetGroup.values, "Bürger, Unternehmen, Politik, andere Einrichtungen"
        )
        if group not in groups:
            groups.append(group)
    return groups


PARSERS: dict[str, Callable[[Any, Spec], Any]] = {
    "text": lambda v, s: _clean(v, s),
    "multiline": lambda v, s: _clean(v, s, multiline=True),
    "int": parse_int,
    "decimal": parse_decimal,
    "teur": parse_decimal,
    "date": parse_date,
    "bool": parse_bool,
    "level": parse_level,
    "choice": parse_choice,
    "choices": parse_groups,
    "unit": lambda v, s: _clean(v, s),
    "services": lambda v, s: sorted(set(_list(v, s))),
}


def parse_row(
    raw: Mapping[str, Any], *, units: Mapping[str, int], services: Mapping[str, int]
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """(values for the model, errors). ``units``: unit key → id; ``services``: LeiKa key → id, both of the
    municipality. Only the columns present are parsed (the others keep their values); the
    required ones always. The values name the unit by its key and the services by their
    LeiKa keys (sorted), as the spreadsheet does."""
    values: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    def error(spec: Spec, message: str) -> None:
        errors.append({"field": spec.key, "column": spec.title, "message": message})

    for spec in FIELDS:
        if spec.key not in raw and not spec.required:
            continue  # a column the spreadsheet leaves out keeps the stored value
        try:
            value = PARSERS[spec.kind](raw.get(spec.key), spec)
        except FieldError as exc:
            error(spec, str(exc))
            continue
        if spec.required and value in ("", None):
            error(spec, "Pflichtangabe fehlt.")
            continue
        if spec.kind == "unit":
            if value not in units:
                error(spec, f"Unbekannte Organisationseinheit »{value[:40]}«.")
                continue
            values["org_unit"] = value
        elif spec.kind == "services":
            unknown = [key for key in value if key not in services]
            if unknown:
                error(spec, f"Unbekannte Leistung (LeiKa-Schlüssel): {', '.join(k[:20] for k in unknown[:5])}.")
                continue
            values["services"] = value
        else:
            values[spec.key] = value
    if values.get("cases_per_year") is None and "cases_per_year" in values:
        values["cases_per_year"] = 0
    if values.get("personal_data_categories") and values.get("personal_data") is False:
        del values["personal_data_categories"]
        error(
            BY_KEY["personal_data_categories"],
            "Kategorien nur angeben, wenn personenbezogene Daten verarbeitet werden.",
        )
    if values.get("digital_duty_due") and values.get("digital_duty") is False:
        del values["digital_duty_due"]
        error(BY_KEY["digital_duty_due"], "Ein Termin nur, wenn ein Gesetz das digitale Angebot verlangt.")
    return values, errors


def export_cell(spec: Spec, value: Any) -> Any:
    """A value of the model as the spreadsheet shows it (and :func:`parse_row` reads it back)."""
    if value is None:
        return ""
    if spec.kind == "bool":
        return "ja" if value else "nein"
    if spec.kind == "level":
        return str(Level(value).label)
    if spec.kind == "choice":
        return str(ProcessType(value).label)
    if spec.kind == "choices":
        return ", ".join(str(TargetGroup(v).label) for v in value if v in TargetGroup.values)
    if spec.kind == "services":
        return ", ".join(value)
    if spec.kind == "date":
        return value.strftime("%d.%m.%Y")
    if spec.kind in ("decimal", "teur"):
        return str(value).replace(".", ",")
    return value
