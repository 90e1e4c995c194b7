"""Prefill from the citizen's profile, and the human-readable summary (summary page, PDF receipt)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import i18n
from .conditions import is_empty
from .definition import Field, FormDefinition, Group
from .scope import Scope
from .validation import file_size_label
from .validators import format_number, german_date, parse_date_input

_STREET_AND_NUMBER = re.compile(r"^(?P<street>.*?\D)\s+(?P<number>\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$")


def prefill(definition: FormDefinition, profile: Mapping[str, Any]) -> dict[str, Any]:
    """Initial answers for fields that ask for a profile value (``prefill``); empty profile values are skipped.

    Profile keys: first_name, last_name, birth_date (date or ISO string), street ("Musterweg 12" or just the
    street with house_number separately), house_number, postal_code, city, email, phone.
    """
    answers: dict[str, Any] = {}
    for entry in definition.all_fields():
        key = entry.field.prefill
        if key is None or entry.in_repeat:
            continue
        value = _profile_value(key, profile)
        if is_empty(value):
            continue
        answers.setdefault(entry.step.id, {}).setdefault(entry.group.id, {})[entry.field.id] = value
    return answers


def _profile_value(key: str, profile: Mapping[str, Any]) -> Any:
    if key == "address":
        street, number = split_street(str(profile.get("street") or ""), str(profile.get("house_number") or ""))
        parts = {
            "street": street,
            "house_number": number,
            "postal_code": str(profile.get("postal_code") or "").strip(),
            "city": str(profile.get("city") or "").strip(),
        }
        return {k: v for k, v in parts.items() if v}
    value = profile.get(key)
    if key == "birth_date" and value:
        try:
            return parse_date_input(value).isoformat()
        except ValueError:
            return None
    return str(value).strip() if value not in (None, "") else None


def split_street(street: str, house_number: str = "") -> tuple[str, str]:
    """ "Musterweg 12a" → ("Musterweg", "12a") unless the house number is given separately."""
    street = street.strip()
    if house_number.strip():
        return street, house_number.strip()
    match = _STREET_AND_NUMBER.match(street)
    if match:
        return match.group("street").strip(), match.group("number").replace(" ", "")
    return street, ""


# --- summary ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    path: str
    label: str
    value: str
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryGroup:
    path: str
    title: str
    rows: list[SummaryRow]


@dataclass(frozen=True)
class SummaryStep:
    id: str
    title: str
    groups: list[SummaryGroup]


def summary(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    *,
    today: date | None = None,
    errors: Mapping[str, list[str]] | None = None,
) -> list[SummaryStep]:
    """Labels and display values of every visible, answered field, step by step; a row carries the messages
    ``errors`` has for its path (an answer saved as typed that is not valid yet)."""
    errors = errors or {}
    definition = i18n.localize(definition)  # labels in the page's language, German marked where untranslated
    scope = Scope(definition, answers, today or timezone.localdate())
    steps = []
    for step in definition.steps:
        step_node = answers.get(step.id)
        step_node = step_node if isinstance(step_node, Mapping) else {}
        groups: list[SummaryGroup] = []
        for group in step.groups:
            group_path = f"{step.id}.{group.id}"
            groups += _summary_groups(group, group_path, group_path, step_node, scope, errors, "")
        if groups:
            steps.append(SummaryStep(step.id, step.title, groups))
    return steps


def _summary_groups(
    group: Group,
    path: str,
    at: str,
    holder: Mapping[str, Any],
    scope: Scope,
    errors: Mapping[str, list[str]],
    context: str,
) -> list[SummaryGroup]:
    """The group's rows; a repeat group one block per item ("Hund 2"), each followed by the blocks of its
    sub-groups' items, titled with the item they belong to ("Person 2, Anschrift 1")."""
    if not scope.holds(group.visible_if):
        return []
    node = holder.get(group.id)
    if group.repeat is None:
        rows = _rows(scope, group.fields, node, at, errors)
        return [SummaryGroup(at, group.title, rows)] if rows else []
    out = []
    for index, item in enumerate(node if isinstance(node, list) else []):
        title = f"{group.item_label or group.title} {index + 1}"
        title = f"{context}, {title}" if context else title
        item_scope = scope.at(path, index)
        prefix = f"{at}.{index}"
        rows = _rows(item_scope, group.fields, item, prefix, errors, context=title)
        if rows or not group.groups:
            out.append(SummaryGroup(prefix, title, rows))
        if isinstance(item, Mapping):
            for sub in group.groups:
                out += _summary_groups(sub, f"{path}.{sub.id}", f"{prefix}.{sub.id}", item, item_scope, errors, title)
    return out


def _rows(
    scope: Scope,
    fields: tuple[Field, ...],
    item: Any,
    prefix: str,
    errors: Mapping[str, list[str]],
    *,
    context: str = "",
) -> list[SummaryRow]:
    """The rows of one group or repeat item; in an item each label names the item first ("Person 2, Anschrift 1:
    Ort"), so the summary, the receipt and the case file tell the items apart in a plain list of rows."""
    if not isinstance(item, Mapping):
        return []
    rows = []
    for field in fields:
        value = item.get(field.id)
        if is_empty(value) or not scope.holds(field.visible_if):
            continue
        path = f"{prefix}.{field.id}"
        label: str = field.label
        if context:
            german = isinstance(label, i18n.GermanText) or isinstance(context, i18n.GermanText)
            label = (i18n.GermanText if german else str)(f"{context}: {label}")
        rows.append(SummaryRow(path, label, display_value(field, value), tuple(errors.get(path, ()))))
    return rows


def display_value(field: Field, value: Any) -> str:
    """A value as the citizen reads it: choices by label, dates dd.mm.yyyy, Ja/Nein, files by name.

    A value kept as typed (a draft saved with an invalid answer) is shown as typed, never refused here."""
    kind = field.type
    if kind == "choice":
        return field.choice_label(value)
    if kind == "multichoice":
        items = value if isinstance(value, list) else [value]
        return ", ".join(field.choice_label(v) for v in items)
    if kind == "yesno":
        return _("Ja") if value is True else _("Nein") if value is False else str(value)
    if kind == "date":
        try:
            return german_date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == "number":
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
            return str(value)
        return format_number(value) + (f" {field.unit}" if field.unit else "")
    if kind == "address" and isinstance(value, Mapping):
        street = " ".join(str(p) for p in (value.get("street", ""), value.get("house_number", "")) if p)
        town = " ".join(str(p) for p in (value.get("postal_code", ""), value.get("city", "")) if p)
        return ", ".join(p for p in (street, town) if p)
    if kind == "file" and isinstance(value, Mapping):
        size = value.get("size")
        return (
            f"{value.get('name', '')} ({file_size_label(size)})"
            if isinstance(size, int)
            else str(value.get("name", ""))
        )
    if kind == "iban" and isinstance(value, str) and value.isalnum():
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return str(value)
