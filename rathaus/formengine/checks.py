"""Meaning checks of a structurally valid definition: ids, options per type, references, cycles."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .conditions import (
    All,
    AnyOf,
    Compare,
    CompareField,
    Condition,
    ConditionSyntaxError,
    Count,
    Not,
    ValidDate,
    parse_date_spec,
    references,
)
from .definition import Field, FormDefinition, Group, rule_step

Problems = list[tuple[str, str]]

# Which options each field type accepts (beyond id, fim_id, label, help, type, required, required_message,
# visible_if, prefill).
_OPTIONS: dict[str, set[str]] = {
    "text": {"min_length", "max_length", "pattern", "pattern_message"},
    "textarea": {"min_length", "max_length"},
    "number": {"min", "max", "decimals", "unit"},
    "date": {"date_min", "date_max"},
    "choice": {"choices", "codelist"},
    "multichoice": {"choices", "min", "max", "codelist"},
    "yesno": set(),
    "address": set(),
    "iban": set(),
    "email": set(),
    "phone": set(),
    "file": {"file"},
}
_ALL_OPTIONS = set().union(*_OPTIONS.values())
_PREFILL_TYPES: dict[str, set[str]] = {
    "first_name": {"text"},
    "last_name": {"text"},
    "birth_date": {"date"},
    "street": {"text"},
    "postal_code": {"text"},
    "city": {"text"},
    "email": {"email", "text"},
    "phone": {"phone", "text"},
    "address": {"address"},
}


def check_definition(definition: FormDefinition) -> Problems:
    problems: Problems = []
    problems += _check_ids(definition)
    if problems:
        return problems  # lookups below assume unique ids
    for step_index, step in enumerate(definition.steps):
        for group_index, group in enumerate(step.groups):
            problems += _check_group(definition, step.id, group, f"steps.{step_index}.groups.{group_index}", None)
    problems += _check_rules(definition)
    problems += _check_fees(definition)
    problems += _check_cycles(definition)
    return problems


def _check_group(definition: FormDefinition, step_id: str, group: Group, where: str, parent: str | None) -> Problems:
    """One group, its fields and (recursively) its sub-groups; ``parent`` is the enclosing group's path."""
    problems: Problems = []
    group_path = f"{parent or step_id}.{group.id}"
    if group.repeat and group.repeat.min > group.repeat.max:
        problems.append((f"{where}.repeat", "min darf nicht größer als max sein."))
    if group.groups and group.repeat is None:
        problems.append((f"{where}.groups", "Nur eine wiederholbare Gruppe kann Untergruppen enthalten."))
    if parent is not None and group.repeat is None:
        problems.append((f"{where}.repeat", "Eine Untergruppe muss wiederholbar sein („repeat“)."))
    if group.visible_if is not None:
        problems += _check_condition(definition, group.visible_if, f"{where}.visible_if", step_id, own=group_path)
    in_repeat = group.repeat is not None or parent is not None
    for field_index, field in enumerate(group.fields):
        fwhere = f"{where}.fields.{field_index}"
        own = f"{group_path}.{field.id}"
        problems += _check_field(field, fwhere)
        if field.visible_if is not None:
            problems += _check_condition(definition, field.visible_if, f"{fwhere}.visible_if", step_id, own=own)
        if field.required_if is not None:
            problems += _check_condition(definition, field.required_if, f"{fwhere}.required_if", step_id, own=own)
        if field.prefill and in_repeat:
            problems.append((f"{fwhere}.prefill", "Felder in wiederholbaren Gruppen können nicht vorbefüllt werden."))
    for sub_index, sub in enumerate(group.groups):
        problems += _check_group(definition, step_id, sub, f"{where}.groups.{sub_index}", group_path)
    return problems


def _check_ids(definition: FormDefinition) -> Problems:
    problems: Problems = []

    def dupes(ids: list[str], where: str, what: str) -> None:
        seen: set[str] = set()
        for index, value in enumerate(ids):
            if value in seen:
                problems.append((f"{where}.{index}.id", f"{what} „{value}“ ist doppelt vergeben."))
            seen.add(value)

    dupes([s.id for s in definition.steps], "steps", "Die Schritt-ID")
    dupes([r.id for r in definition.rules], "rules", "Die Regel-ID")
    for si, step in enumerate(definition.steps):
        dupes([g.id for g in step.groups], f"steps.{si}.groups", "Die Gruppen-ID")
        for gi, group in enumerate(step.groups):
            _group_ids(group, f"steps.{si}.groups.{gi}", dupes, problems)
    return problems


def _group_ids(group: Group, where: str, dupes: Callable[[list[str], str, str], None], problems: Problems) -> None:
    dupes([f.id for f in group.fields], f"{where}.fields", "Die Feld-ID")
    # a sub-group's id names a key of the item, as a field's does: it must differ from both
    taken = {f.id for f in group.fields}
    for index, sub in enumerate(group.groups):
        if sub.id in taken:
            problems.append((f"{where}.groups.{index}.id", f"Die Untergruppen-ID „{sub.id}“ ist doppelt vergeben."))
        taken.add(sub.id)
        _group_ids(sub, f"{where}.groups.{index}", dupes, problems)


def _check_field(field: Field, where: str) -> Problems:
    problems: Problems = []
    allowed = _OPTIONS[field.type]
    for option in sorted(_ALL_OPTIONS - allowed):
        if getattr(field, option) is not None:
            problems.append((f"{where}.{option}", f"„{option}“ ist für den Feldtyp „{field.type}“ nicht erlaubt."))
    if field.type in ("choice", "multichoice"):
        values = [c.value for c in field.choices or ()]
        if not values and not (field.codelist and field.codelist.missing):
            problems.append((f"{where}.choices", "Auswahlfelder brauchen mindestens eine Auswahlmöglichkeit."))
        if len(set(values)) != len(values):
            problems.append((f"{where}.choices", "Die Werte der Auswahlmöglichkeiten müssen eindeutig sein."))
    if field.min is not None and field.max is not None and field.min > field.max:
        problems.append((f"{where}.min", "min darf nicht größer als max sein."))
    if field.min_length is not None and field.max_length is not None and field.min_length > field.max_length:
        problems.append((f"{where}.min_length", "min_length darf nicht größer als max_length sein."))
    if field.pattern is not None:
        try:
            re.compile(field.pattern)
        except re.error as exc:
            problems.append((f"{where}.pattern", f"Ungültiger regulärer Ausdruck: {exc}."))
    for option in ("date_min", "date_max"):
        spec = getattr(field, option)
        if spec is not None:
            try:
                parse_date_spec(spec)
            except ConditionSyntaxError as exc:
                problems.append((f"{where}.{option}", str(exc)))
    if field.prefill and field.type not in _PREFILL_TYPES[field.prefill]:
        problems.append((f"{where}.prefill", f"„{field.prefill}“ passt nicht zum Feldtyp „{field.type}“."))
    return problems


def _leaves(cond: Condition) -> Iterator[Compare | CompareField | Count | ValidDate]:
    if isinstance(cond, (All, AnyOf)):
        for item in cond.items:
            yield from _leaves(item)
    elif isinstance(cond, Not):
        yield from _leaves(cond.item)
    else:
        yield cond


def _field_path(definition: FormDefinition, path: str) -> str | None:
    """The field path a condition path refers to (``step.group.field``, in a sub-group
    ``step.group.sub.field``, or an address part), else None."""
    if definition.has_field(path):
        return path
    base, _dot, part = path.rpartition(".")
    if definition.has_field(base) and definition.field(base).type == "address":
        return base if part in ("street", "house_number", "postal_code", "city") else None
    return None


def _check_condition(
    definition: FormDefinition, cond: Condition, where: str, step_id: str | None, own: str | None = None
) -> Problems:
    """References must exist; visibility may only look at this or earlier steps and not at itself."""
    problems: Problems = []
    limit = definition.step_index(step_id) if step_id else None
    for leaf in _leaves(cond):
        if isinstance(leaf, Count):
            if not definition.has_group(leaf.group):
                problems.append((where, f"„count“ verweist auf „{leaf.group}“, das keine Gruppe ist."))
            continue
        if isinstance(leaf, ValidDate):
            paths = [leaf.day, leaf.month, leaf.year]
        else:
            paths = [leaf.field] + ([leaf.other] if isinstance(leaf, CompareField) else [])
        for path in paths:
            target = _field_path(definition, path)
            if target is None:
                problems.append((where, f"Die Bedingung verweist auf das unbekannte Feld „{path}“."))
                continue
            if own and (target == own or target.startswith(own + ".")):
                problems.append((where, f"Die Bedingung darf nicht vom eigenen Element „{path}“ abhängen."))
            if limit is not None and definition.step_index(target.split(".")[0]) > limit:
                problems.append((where, f"Die Bedingung verweist auf „{path}“ in einem späteren Schritt."))
        if isinstance(leaf, Compare):
            problems += _check_literal(definition, leaf, where)
    return problems


def _check_literal(definition: FormDefinition, leaf: Compare, where: str) -> Problems:
    target = _field_path(definition, leaf.field)
    if target is None or target != leaf.field:
        return []
    field = definition.field(target)
    if leaf.op in ("gt", "gte", "lt", "lte"):
        if field.type == "date" and not isinstance(leaf.value, str):
            return [(where, f"„{leaf.field}“ ist ein Datum; vergleichen Sie mit einem Datum wie „today-14d“.")]
        if field.type == "number" and isinstance(leaf.value, str):
            return [(where, f"„{leaf.field}“ ist eine Zahl; vergleichen Sie mit einer Zahl.")]
        if field.type not in ("date", "number"):
            return [(where, f"„{leaf.op}“ ist nur für Zahlen und Datumsangaben möglich.")]
    if field.type in ("choice", "multichoice") and leaf.op in ("equals", "not_equals", "in", "not_in", "contains"):
        allowed = {c.value for c in field.choices or ()}
        values = leaf.value if isinstance(leaf.value, tuple) else (leaf.value,)
        unknown = [str(v) for v in values if str(v) not in allowed]
        if unknown:
            return [(where, f"„{', '.join(unknown)}“ ist keine Auswahlmöglichkeit von „{leaf.field}“.")]
    if field.type == "yesno" and leaf.op in ("equals", "not_equals") and leaf.value not in (True, False, "ja", "nein"):
        return [(where, f"„{leaf.field}“ ist ein Ja/Nein-Feld; vergleichen Sie mit true oder false.")]
    return []


def _check_rules(definition: FormDefinition) -> Problems:
    problems: Problems = []
    for index, rule in enumerate(definition.rules):
        where = f"rules.{index}"
        problems += _check_condition(definition, rule.check, f"{where}.check", None)
        for path in rule.fields:
            if not definition.has_field(path):
                problems.append((f"{where}.fields", f"Die Regel zeigt ihre Meldung am unbekannten Feld „{path}“."))
        if problems:
            continue
        step = rule_step(definition, rule.check, rule.fields)
        for path in rule.fields:
            if path.split(".")[0] != step:
                problems.append(
                    (f"{where}.fields", f"„{path}“ liegt nicht im Schritt „{step}“, in dem die Regel geprüft wird.")
                )
    return problems


def _check_fees(definition: FormDefinition) -> Problems:
    problems: Problems = []
    for index, fee in enumerate(definition.fees):
        where = f"fees.{index}"
        if fee.per is not None:
            if definition.has_group(fee.per):
                if definition.group(fee.per).repeat is None:
                    problems.append((f"{where}.per", f"„{fee.per}“ ist keine wiederholbare Gruppe."))
            elif not definition.has_field(fee.per) or definition.field(fee.per).type != "number":
                problems.append(
                    (f"{where}.per", f"„{fee.per}“ ist weder ein Zahlenfeld noch eine wiederholbare Gruppe.")
                )
            elif definition.field(fee.per).decimals:
                problems.append((f"{where}.per", f"„{fee.per}“ muss eine ganze Zahl sein."))
        if fee.when is not None:
            problems += _check_condition(definition, fee.when, f"{where}.when", None)
    return problems


def _check_cycles(definition: FormDefinition) -> Problems:
    """Visibility conditions must not depend on each other in a circle."""
    deps: dict[str, set[str]] = {}
    for entry in definition.all_fields():
        needs: set[str] = set()
        for cond in (entry.field.visible_if, entry.group.visible_if, *(g.visible_if for g in entry.outer)):
            if cond is not None:
                needs |= {p for p in (_field_path(definition, r) for r in references(cond)) if p}
        deps[entry.path] = needs
    state: dict[str, int] = {}

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2:
            return False
        state[node] = 1
        for nxt in deps.get(node, ()):
            if nxt in deps and visit(nxt):
                return True
        state[node] = 2
        return False

    for node in deps:
        if visit(node):
            return [("", f"Die Sichtbarkeitsbedingungen hängen im Kreis voneinander ab (bei „{node}“).")]
    return []
