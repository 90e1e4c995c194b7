"""JSON Schema (draft 2020-12) of a definition's answers object, for API clients.

The schema describes shapes and value constraints. What it cannot say — visibility, cross-field rules,
relative date limits, required fields inside conditional elements — the server checks (``validate_all``);
such fields are not listed as required and their limits are explained in the description.
"""

from __future__ import annotations

from typing import Any

from .definition import ADDRESS_PARTS, Field, FormDefinition, Group
from .validation import FILE_REF_KEYS
from .validators import TEXT_MAX, TEXTAREA_MAX

DIALECT = "https://json-schema.org/draft/2020-12/schema"
IBAN_PATTERN = r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"
PHONE_PATTERN = r"^\+?[0-9 ()/\-.]{6,30}$"
POSTAL_CODE_PATTERN = r"^[0-9]{5}$"
DATE_PATTERN = r"^(1[89][0-9]{2}|2[01][0-9]{2}|2200)-[0-9]{2}-[0-9]{2}$"
_ADDRESS_TITLES = {"street": "Straße", "house_number": "Hausnummer", "postal_code": "Postleitzahl", "city": "Ort"}


def json_schema(definition: FormDefinition) -> dict[str, Any]:
    steps: dict[str, Any] = {}
    required_steps = []
    for step in definition.steps:
        groups: dict[str, Any] = {}
        required_groups = []
        for group in step.groups:
            groups[group.id], needed = _group_schema(group)
            if needed:
                required_groups.append(group.id)
        steps[step.id] = _object(step.title, step.help, groups, required_groups)
        if required_groups:
            required_steps.append(step.id)
    schema = _object(definition.title, definition.description, steps, required_steps)
    return {
        "$schema": DIALECT,
        "$id": f"urn:rathaus:formular:{definition.id}:{definition.version}",
        **schema,
    }


def _object(title: str, description: str | None, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "title": title}
    if description:
        out["description"] = description
    out["properties"] = properties
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    return out


def _group_schema(group: Group) -> tuple[dict[str, Any], bool]:
    """(schema, whether the group must be present)."""
    properties = {f.id: field_schema(f) for f in group.fields}
    required = [f.id for f in group.fields if f.required and f.visible_if is None and f.required_if is None]
    for sub in group.groups:  # a person's addresses: an array of objects inside each item
        properties[sub.id], needed = _group_schema(sub)
        if needed:
            required.append(sub.id)
    item = _object(group.title, group.help, properties, required)
    conditional = group.visible_if is not None
    if group.repeat is None:
        return item, bool(required) and not conditional
    item["title"] = group.item_label or group.title
    array: dict[str, Any] = {"type": "array", "title": group.title, "items": item, "maxItems": group.repeat.max}
    if group.help:
        array["description"] = group.help
    if group.repeat.min:
        array["minItems"] = group.repeat.min
    return array, group.repeat.min > 0 and not conditional


def field_schema(field: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": field.label}
    notes = [field.help] if field.help else []
    kind = field.type
    if kind in ("text", "textarea"):
        schema["type"] = "string"
        schema["maxLength"] = field.max_length or (TEXTAREA_MAX if kind == "textarea" else TEXT_MAX)
        if field.min_length:
            schema["minLength"] = field.min_length
        if field.pattern:
            schema["pattern"] = f"^(?:{field.pattern})$"
    elif kind == "number":
        schema["type"] = "integer" if not field.decimals else "number"
        if field.decimals:
            schema["multipleOf"] = float(f"1e-{field.decimals}")  # at most that many decimal places, as the form
        if field.min is not None:
            schema["minimum"] = field.min
        if field.max is not None:
            schema["maximum"] = field.max
        if field.unit:
            notes.append(f"Einheit: {field.unit}")
    elif kind == "date":
        schema.update(type="string", format="date", pattern=DATE_PATTERN)  # the form takes years 1800-2200
        for option, word in (("date_min", "frühestens"), ("date_max", "spätestens")):
            spec = getattr(field, option)
            if spec:
                notes.append(f"{word}: {_date_words(spec)}")
    elif kind == "choice" and not field.choices:
        schema["type"] = "string"  # a code list still missing: the form cannot be published like this
    elif kind == "choice":
        schema.update(type="string", enum=[c.value for c in field.choices or ()])
        notes.append("Werte: " + "; ".join(f"{c.value} = {c.label}" for c in field.choices or ()))
    elif kind == "multichoice":
        schema.update(
            type="array", uniqueItems=True, items={"type": "string", "enum": [c.value for c in field.choices or ()]}
        )
        if field.min is not None:
            schema["minItems"] = int(field.min)
        if field.max is not None:
            schema["maxItems"] = int(field.max)
    elif kind == "yesno":
        schema["type"] = "boolean"
    elif kind == "address":
        schema.update(_address_schema())
    elif kind == "iban":
        schema.update(type="string", pattern=IBAN_PATTERN)
        notes.append("IBAN ohne Leerzeichen, Großbuchstaben; die Prüfziffer wird geprüft.")
    elif kind == "email":
        schema.update(type="string", format="email", maxLength=254)
    elif kind == "phone":
        schema.update(type="string", pattern=PHONE_PATTERN)
    elif kind == "file":
        schema.update(_file_schema(field))
    if field.visible_if is not None:
        notes.append("Nur anzugeben, wenn die Bedingung des Formulars erfüllt ist; sonst wird der Wert verworfen.")
    if field.required and field.required_if is not None:
        notes.append("Pflichtangabe, sobald die Bedingung des Formulars erfüllt ist (z. B. die Gruppe begonnen).")
    if field.codelist is not None:
        schema["x-fim-codelist"] = {"uri": field.codelist.uri, "version": field.codelist.version}
    if notes:
        schema["description"] = " ".join(notes)
    if field.fim_id:
        schema["x-fim-id"] = field.fim_id
    return schema


def _address_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {
        part: {"type": "string", "title": _ADDRESS_TITLES[part], "maxLength": 100} for part in ADDRESS_PARTS
    }
    properties["postal_code"] = {"type": "string", "title": "Postleitzahl", "pattern": POSTAL_CODE_PATTERN}
    properties["house_number"]["maxLength"] = 11
    return {
        "type": "object",
        "properties": properties,
        "required": ["street", "postal_code", "city"],
        "additionalProperties": False,
    }


def _file_schema(field: Field) -> dict[str, Any]:
    spec = field.file_spec
    return {
        "type": "object",
        "description": "Verweis auf eine zuvor hochgeladene und geprüfte Datei.",
        "properties": {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "size": {"type": "integer", "minimum": 0, "maximum": spec.max_bytes},
            "content_type": {"type": "string", "enum": list(spec.types)},
        },
        "required": list(FILE_REF_KEYS),
        "additionalProperties": False,
    }


def _date_words(spec: str) -> str:
    if not spec.startswith("today"):
        return spec
    if spec == "today":
        return "heute"
    sign, amount, unit = spec[5], spec[6:-1], spec[-1]
    units = {"d": "Tage", "w": "Wochen", "m": "Monate", "y": "Jahre"}[unit]
    return f"heute {'plus' if sign == '+' else 'minus'} {amount} {units}"
