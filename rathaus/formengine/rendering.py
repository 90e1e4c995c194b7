"""What the step templates need, computed in Python so the templates stay plain loops.

Progressive disclosure: only what applies is rendered. An element whose condition reads earlier steps is
decided by their answers; one whose condition reads a field of the SAME step (a *follow-up*) is decided by
what is answered on the step so far — without JavaScript, "Weiter" posts the answer and the step comes back
with the follow-up questions revealed (``revealed``); with JavaScript the step is re-rendered by the server
as soon as a controlling answer changes. Hidden elements are not required, not validated and not stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from . import i18n
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
    references,
    resolve_date,
)
from .definition import ADDRESS_PARTS, Field, FormDefinition, Group
from .presentation import display_value
from .scope import Scope
from .validation import file_size_label, file_types_label
from .validators import address_problems, format_number, german_date

RADIO_LIMIT = 7  # more choices than this render as a select
_AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "birth_date": "bday",
    "street": "street-address",
    "postal_code": "postal-code",
    "city": "address-level2",
    "email": "email",
    "phone": "tel",
}
_PART_LABELS = {"street": "Straße", "house_number": "Hausnummer", "postal_code": "Postleitzahl", "city": "Ort"}
_PART_AUTOCOMPLETE = {
    "street": "address-line1",
    "house_number": "",
    "postal_code": "postal-code",
    "city": "address-level2",
}


def html_id(path: str) -> str:
    return "f-" + path.replace(".", "-")


@dataclass
class Option:
    id: str
    value: str
    label: str
    checked: bool


@dataclass
class Part:
    id: str
    name: str
    label: str
    value: str
    autocomplete: str
    error: str
    inputmode: str = ""


@dataclass
class FieldView:
    path: str
    id: str
    type: str
    label: str
    help: str
    required: bool
    errors: list[str]
    condition_hint: str  # kept empty: follow-ups are shown only when they apply
    value: str = ""
    widget: str = "input"  # input, textarea, radios, checkboxes, select, address, file
    input_type: str = "text"
    attrs: dict[str, str] = dc_field(default_factory=dict)
    options: list[Option] = dc_field(default_factory=list)
    parts: list[Part] = dc_field(default_factory=list)
    current_file: str = ""
    follow_up: bool = False  # shown because of an answer on this step

    @property
    def describedby(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.id}-hint")
        if self.condition_hint:
            ids.append(f"{self.id}-condition")
        if self.errors:
            ids.append(f"{self.id}-error")
        return " ".join(ids)


@dataclass
class ItemView:
    title: str
    marker: str  # name of the hidden marker input of a repeat item
    remove: str  # name of the remove button
    fields: list[FieldView]
    groups: list[GroupView] = dc_field(default_factory=list)  # its sub-groups (a person's addresses)
    context: str = ""  # the items around it ("Person 2"), read out before its title


@dataclass
class GroupView:
    path: str
    id: str
    title: str
    help: str
    condition_hint: str
    repeat: bool
    items: list[ItemView]
    errors: list[str]
    add: str = ""
    add_label: str = ""
    follow_up: bool = False
    context: str = ""  # a sub-group: the item it belongs to ("Person 2")


def follow_ups(groups: list[GroupView]) -> set[str]:
    """Paths of the follow-up elements among the rendered ``groups`` (groups, or fields inside items)."""
    paths = {g.path for g in groups if g.follow_up}
    for group in groups:
        for item in group.items:
            paths.update(f.path for f in item.fields if f.follow_up)
            paths.update(follow_ups(item.groups))
    return paths


def controllers(definition: FormDefinition, step_id: str) -> list[str]:
    """Names (repeat indexes left out) of this step's fields that decide whether a follow-up is shown."""
    step = definition.step(step_id)
    found: set[str] = set()
    groups = [g for top in step.groups for _path, g in top.walk(top.id)]
    conditions = [g.visible_if for g in groups] + [f.visible_if for g in groups for f in g.fields]
    for cond in conditions:
        if cond is not None:
            found.update(p for p in references(cond) if p.split(".")[0] == step_id)
    return sorted(found)


def step_view(
    definition: FormDefinition,
    step_id: str,
    answers: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    today: date,
    visible: Mapping[str, Any] | None = None,
) -> list[GroupView]:
    """``answers`` give the values shown (as typed); ``visible`` (default: ``answers``) the cleaned answers that
    decide what is shown."""
    definition = i18n.localize(definition)  # texts in the page's language, German marked where untranslated
    step = definition.step(step_id)
    scope = Scope(definition, answers if visible is None else visible, today)
    step_node = answers.get(step_id)
    step_node = step_node if isinstance(step_node, Mapping) else {}
    groups = []
    for group in step.groups:
        group_path = f"{step_id}.{group.id}"
        view = _group_view(definition, group, group_path, group_path, step_node, errors, scope, step_id, "")
        if view is not None:
            groups.append(view)
    return groups


def _group_view(
    definition: FormDefinition,
    group: Group,
    path: str,
    at: str,
    holder: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    scope: Scope,
    step_id: str,
    context: str,
) -> GroupView | None:
    """The group at ``path`` (posted at ``at``) in ``holder`` (the step's answers, or the item around it whose
    title is ``context``); None when it does not apply."""
    if not scope.holds(group.visible_if):
        return None
    node = holder.get(group.id)
    if group.repeat is None:
        items = [ItemView("", "", "", _fields(definition, group, node, at, errors, scope, step_id))]
    else:
        stored = node if isinstance(node, list) else []
        count = max(len(stored), group.repeat.min)
        items = []
        for index in range(count):
            prefix = f"{at}.{index}"
            item = stored[index] if index < len(stored) else {}
            item = item if isinstance(item, Mapping) else {}
            item_scope = scope.at(path, index)
            fields = _fields(definition, group, item, prefix, errors, item_scope, step_id)
            label = f"{group.item_label or group.title} {index + 1}"
            own = f"{context}, {label}" if context else label
            subs = [
                _group_view(
                    definition, sub, f"{path}.{sub.id}", f"{prefix}.{sub.id}", item, errors, item_scope, step_id, own
                )
                for sub in group.groups
            ]
            view_item = ItemView(label, f"{prefix}._item", f"_remove:{prefix}", fields, [v for v in subs if v], context)
            items.append(view_item)
    view = GroupView(
        at,
        html_id(at),
        group.title,
        group.help or "",
        "",
        group.repeat is not None,
        items,
        list(errors.get(at, [])),
        follow_up=_same_step(group.visible_if, step_id),
        context=context,
    )
    if group.repeat is not None and len(items) < group.repeat.max:
        view.add = f"_add:{at}"
        view.add_label = _("„%(label)s“ hinzufügen") % {"label": group.item_label or group.title}
    return view


def _fields(
    definition: FormDefinition,
    group: Group,
    node: Any,
    prefix: str,
    errors: Mapping[str, list[str]],
    scope: Scope,
    step_id: str,
) -> list[FieldView]:
    values = node if isinstance(node, Mapping) else {}
    views = []
    for field in group.fields:
        if not scope.holds(field.visible_if):
            continue
        path = f"{prefix}.{field.id}"
        view = FieldView(
            path=path,
            id=html_id(path),
            type=field.type,
            label=field.label,
            help=field.help or "",
            required=field.required and scope.holds(field.required_if),
            errors=list(errors.get(path, [])),
            condition_hint="",
            follow_up=_same_step(field.visible_if, step_id),
        )
        _widget(view, field, values.get(field.id))
        views.append(view)
    return views


def _widget(view: FieldView, field: Field, value: Any) -> None:
    kind = field.type
    if field.prefill in _AUTOCOMPLETE:
        view.attrs["autocomplete"] = _AUTOCOMPLETE[field.prefill]
    if kind in ("choice", "multichoice", "yesno"):
        if kind == "yesno":
            choices = [("ja", _("Ja")), ("nein", _("Nein"))]
            chosen = (
                {"ja"} if value in (True, "ja", "true") else {"nein"} if value in (False, "nein", "false") else set()
            )
        else:
            choices = [(c.value, c.label) for c in field.choices or ()]
            if not choices and field.codelist is not None:
                view.help = " ".join(
                    p
                    for p in (
                        view.help,
                        _("Die Auswahlliste (Codeliste %(uri)s) fehlt noch.") % {"uri": field.codelist.uri},
                    )
                    if p
                )
            chosen = (
                {str(v) for v in value}
                if isinstance(value, (list, tuple))
                else {str(value)}
                if value is not None
                else set()
            )
        view.options = [
            Option(view.id if i == 0 else f"{view.id}-{i}", v, label, v in chosen)
            for i, (v, label) in enumerate(choices)
        ]
        view.widget = "checkboxes" if kind == "multichoice" else "select" if len(choices) > RADIO_LIMIT else "radios"
        return
    if kind == "address":
        raw = value if isinstance(value, Mapping) else {}
        parts = {p: str(raw.get(p) or "") for p in ADDRESS_PARTS}
        problems = address_problems({k: v.strip() for k, v in parts.items() if v.strip()}) if view.errors else {}
        view.widget = "address"
        view.parts = [
            Part(
                id=view.id if p == "street" else f"{view.id}-{p}",
                name=f"{view.path}.{p}",
                label=_PART_LABELS[p],
                value=parts[p],
                autocomplete=_PART_AUTOCOMPLETE[p],
                error=problems.get(p, ""),
                inputmode="numeric" if p == "postal_code" else "",
            )
            for p in ADDRESS_PARTS
        ]
        return
    if kind == "file":
        spec = field.file_spec
        view.widget = "file"
        view.input_type = "file"
        view.attrs["accept"] = ",".join(spec.types)
        limits = _("Erlaubt: %(types)s; höchstens %(size)s.") % {
            "types": file_types_label(spec.types),
            "size": file_size_label(spec.max_bytes),
        }
        view.help = f"{view.help} {limits}".strip()
        if isinstance(value, Mapping) and value.get("name"):
            view.current_file = display_value(field, value)
        return
    view.value = _input_value(field, value)
    if kind == "textarea":
        view.widget = "textarea"
    elif kind == "date":
        view.input_type = "date"
    elif kind == "email":
        view.input_type = "email"
        view.attrs.setdefault("autocomplete", "email")
    elif kind == "phone":
        view.input_type = "tel"
        view.attrs.setdefault("autocomplete", "tel")
    elif kind == "number":
        view.attrs["inputmode"] = "decimal" if field.decimals else "numeric"
    elif kind == "iban":
        view.attrs.update(autocomplete="off", spellcheck="false", inputmode="text")
    if field.max_length:
        view.attrs["maxlength"] = str(field.max_length)


def _input_value(field: Field, value: Any) -> str:
    if value is None or isinstance(value, (Mapping, list)):
        return ""
    if field.type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_number(value).replace(".", "")
    return str(value)


# --- conditions in words ---------------------------------------------------------------------------


def _same_step(cond: Condition | None, step_id: str) -> bool:
    return cond is not None and any(path.split(".")[0] == step_id for path in references(cond))


def describe(definition: FormDefinition, cond: Condition, today: date) -> str:
    """A condition in plain German, e.g. „Haben Sie einen Nachweis?“ mit „Ja“ beantwortet ist."""
    if isinstance(cond, All):
        return _(" und ").join(describe(definition, c, today) for c in cond.items)
    if isinstance(cond, AnyOf):
        return _(" oder ").join(describe(definition, c, today) for c in cond.items)
    if isinstance(cond, Not):
        return _("nicht gilt: %(c)s") % {"c": describe(definition, cond.item, today)}
    if isinstance(cond, ValidDate):
        parts = ", ".join(f"„{_label(definition, p)}“" for p in (cond.day, cond.month, cond.year))
        return f"{parts} ein gültiges Datum ergeben"
    if isinstance(cond, Count):
        group = definition.group(cond.group)
        words = {"equals": "genau", "gt": "mehr als", "gte": "mindestens", "lt": "weniger als", "lte": "höchstens"}
        return f"bei „{group.title}“ {words[cond.op]} {cond.value} Einträge angegeben sind"
    label = f"„{_label(definition, cond.field)}“"
    if isinstance(cond, CompareField):
        other = f"„{_label(definition, cond.other)}“"
        words = {
            "equals": "gleich",
            "gt": "größer als",
            "gte": "mindestens so groß wie",
            "lt": "kleiner als",
            "lte": "höchstens so groß wie",
        }
        return f"{label} {words[cond.op]} {other} ist"
    return _describe_compare(definition, cond, label, today)


def _describe_compare(definition: FormDefinition, cond: Compare, label: str, today: date) -> str:
    field = definition.field(cond.field) if definition.has_field(cond.field) else None
    op, value = cond.op, cond.value
    if op == "filled":
        return f"{label} ausgefüllt ist" if value else f"{label} leer ist"
    if field is not None and field.type == "yesno" and op in ("equals", "not_equals"):
        yes = value in (True, "ja", "true")
        if op == "not_equals":
            yes = not yes
        return f"{label} mit „{'Ja' if yes else 'Nein'}“ beantwortet ist"
    if op in ("gt", "gte", "lt", "lte"):
        shown = _value_words(value, today)
        if field is not None and field.type == "date":
            words = {"gt": "nach dem", "gte": "ab dem", "lt": "vor dem", "lte": "bis zum"}
            return f"{label} {words[op]} {shown} liegt"
        words = {"gt": "größer als", "gte": "mindestens", "lt": "kleiner als", "lte": "höchstens"}
        return f"{label} {words[op]} {shown} ist"
    values = value if isinstance(value, tuple) else (value,)
    shown_values = " oder ".join(f"„{field.choice_label(v) if field else v}“" for v in values)
    if op in ("not_equals", "not_in"):
        return f"bei {label} nicht {shown_values} gewählt ist"
    return f"bei {label} {shown_values} gewählt ist"


def _value_words(value: Any, today: date) -> str:
    if isinstance(value, str):
        try:
            return german_date(resolve_date(value, today))
        except ConditionSyntaxError:
            return value
    return format_number(value)


def _label(definition: FormDefinition, path: str) -> str:
    base = definition.field_path(path)
    if base is not None:
        label = definition.field(base).label
        part = path[len(base) + 1 :] if len(path) > len(base) else None
        return f"{label} – {_PART_LABELS.get(part, part)}" if part else label
    return path


# --- error summary ---------------------------------------------------------------------------------


@dataclass
class ErrorLink:
    href: str
    text: str


def error_links(definition: FormDefinition, errors: Mapping[str, list[str]]) -> list[ErrorLink]:
    """One link per message, in the order of the form, pointing at the field's first input. A message inside
    a repeat item names the item first ("Person 2, Anschrift 1: …"), so it can be told from its twins."""
    definition = i18n.localize(definition)

    def order(path: str) -> tuple[int, ...]:
        parts = path.split(".")
        try:
            step = definition.step(parts[0])
            position = [definition.step_index(parts[0])]
            group_ids = [g.id for g in step.groups]
            position.append(group_ids.index(parts[1]) if len(parts) > 1 and parts[1] in group_ids else 0)
            group = step.groups[position[-1]]
            for part in parts[2:]:
                if part.isdigit():
                    position.append(int(part))
                    continue
                subs = [g.id for g in group.groups]
                if part in subs:
                    position += [1, subs.index(part)]
                    group = group.groups[subs.index(part)]
                else:
                    position += [0, _field_position((group,), group.id, part)]
            return tuple(position)
        except (KeyError, ValueError, IndexError):
            return (10_000,)

    links = []
    for path in sorted(errors, key=order):
        label = ""
        base = ".".join(p for p in path.split(".") if not p.isdigit())
        field_path = definition.field_path(path)
        if field_path is not None:
            label = definition.field(field_path).label
        elif base.count(".") >= 1 and definition.has_group(base):
            label = definition.group(base).title
        context = item_context(definition, path)
        for message in errors[path]:
            if not label or label.rstrip(":?").lower() in message.lower():
                text = message  # the message names the field already
            else:
                text = f"{label} {message}" if label[-1] in "?:" else f"{label}: {message}"
            links.append(ErrorLink(f"#{html_id(path)}", f"{context}: {text}" if context else text))
    return links


def item_context(definition: FormDefinition, path: str) -> str:
    """The repeat items a posted path lies in, by their titles: ``s.personen.1.anschriften.0.plz`` →
    "Person 2, Anschrift 1" (empty outside repeat items)."""
    parts = path.split(".")
    names: list[str] = []
    group_path = parts[0]
    for index, part in enumerate(parts[1:], start=1):
        if part.isdigit():
            continue
        candidate = f"{group_path}.{part}"
        if not definition.has_group(candidate):
            break
        group_path = candidate
        if index + 1 < len(parts) and parts[index + 1].isdigit():
            group = definition.group(group_path)
            names.append(f"{group.item_label or group.title} {int(parts[index + 1]) + 1}")
    return ", ".join(names)


def _field_position(groups: tuple[Group, ...], group_id: str, field_id: str) -> int:
    for group in groups:
        if group.id == group_id:
            ids = [f.id for f in group.fields]
            return ids.index(field_id) if field_id in ids else 0
    return 0
