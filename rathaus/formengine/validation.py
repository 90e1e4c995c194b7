"""Server-side validation of one step (``validate_step``) and of a whole answers object (``validate_all``).

HTML naming convention (no JavaScript needed):

* every input is named by its path: ``person.name.vorname``; repeat items carry the index:
  ``hunde.hund.0.rasse``; address parts add the part: ``person.anschrift.adresse.postal_code``; items of a
  sub-group carry both indices: ``personen.person.1.anschriften.0.plz``;
* each rendered repeat item posts a hidden marker ``hunde.hund.0._item`` so an item survives even when
  all its inputs are empty or files;
* a submit button named ``_add:hunde.hund`` adds an item, ``_remove:hunde.hund.1`` removes item 1; in a
  sub-group ``_add:personen.person.1.anschriften`` and ``_remove:personen.person.1.anschriften.0``.
  Such a post is not a "next" — ``StepResult.action`` is set, ``errors`` stay empty and ``ok`` is False.

Anything else that is posted is ignored: keys that are not in the step, values of invisible fields, and file
references — a file field only ever holds a reference the caller passes in ``files``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rathaus.core.text import storable

from . import i18n
from .conditions import is_empty
from .definition import ADDRESS_PARTS, Field, FormDefinition, Group, Step
from .rule_checks import check_rules
from .scope import Scope, prune_invisible
from .validators import (
    FieldInvalid,
    clean_address,
    clean_choice,
    clean_date,
    clean_email,
    clean_iban,
    clean_multichoice,
    clean_number,
    clean_phone,
    clean_text,
    clean_yesno,
)

MAX_ITEM_INDEX = 999
FILE_REF_KEYS = ("key", "name", "sha256", "size", "content_type")


class FileRef(TypedDict):
    key: str
    name: str
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class RepeatAction:
    kind: str  # "add" or "remove"
    group: str  # step.group, or for a sub-group the posted path of its parent item's: step.group.1.sub
    index: int | None = None


@dataclass(frozen=True)
class StepResult:
    """``answers``: cleaned values of visible fields of this step, ``{group: {field: value}}`` (repeat groups as
    lists). ``errors``: path → German messages. ``display``: what the citizen posted, for rendering the page
    again (invalid input kept as typed). ``action``: an add/remove of a repeat item, if that was the post.
    ``moved``: after a removal, old item path → new item path (``hunde.hund.2`` → ``hunde.hund.1``); apply it
    to stored file references with ``move_files``."""

    step_id: str
    answers: dict[str, Any]
    errors: dict[str, list[str]]
    display: dict[str, Any] = dc_field(default_factory=dict)
    action: RepeatAction | None = None
    moved: dict[str, str] = dc_field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and self.action is None


def validate_step(
    definition: FormDefinition,
    step_id: str,
    data: Mapping[str, Any],
    *,
    answers: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> StepResult:
    """Clean and check the posted values of one step against everything answered so far.

    ``data`` is request.POST (a QueryDict) or a dict from the JSON API (flat paths, or nested
    ``{group: {field: value}}``). ``files`` maps a field path to an already checked file reference.
    """
    definition = i18n.localize(definition)  # the form's own messages (required_message, …) in the page's language
    step = definition.step(step_id)
    flat = _flatten(step, data)
    return _validate(definition, step, flat, dict(answers or {}), files or {}, today or timezone.localdate())


def clean_all(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    *,
    files: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Re-validate every step in order. Returns (cleaned answers, errors by path).

    Keys that are not in the definition are errors here (only a hand-made answers object has them);
    values of invisible fields are dropped from the cleaned answers.
    """
    today = today or timezone.localdate()
    definition = i18n.localize(definition)
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, Mapping):
        return {}, {"": [_("Die Antworten müssen ein Objekt sein.")]}
    for key in answers:
        if not any(key == s.id for s in definition.steps):
            errors[str(key)] = [_("Unbekannter Schritt.")]
    cleaned: dict[str, Any] = {}
    for step in definition.steps:
        node = answers.get(step.id, {})
        if not isinstance(node, Mapping):
            errors[step.id] = [_("Die Antworten eines Schritts müssen ein Objekt sein.")]
            node = {}
        errors.update(_unknown_keys(step, node))
        flat = _flatten_nested(step, node)
        result = _validate(definition, step, flat, cleaned, files or {}, today, use_stored=False)
        cleaned[step.id] = result.answers
        for path, messages in result.errors.items():  # "not a list" and "too few items" may meet at one path
            errors[path] = [*errors.get(path, []), *messages]
    return cleaned, errors


def validate_all(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    *,
    files: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> dict[str, list[str]]:
    """Errors of a complete answers object (empty = acceptable). Call before accepting a submission."""
    return clean_all(definition, answers, files=files, today=today)[1]


def kept_as_typed(result: StepResult) -> dict[str, Any]:
    """The step's answers for "save and continue later": cleaned values where a field is valid, the value as
    typed (made storable: see ``core.text.storable``) where its cleaning failed, so the citizen finds it again
    with its error. Summary and submission check everything again (``clean_all``)."""
    kept = copy.deepcopy(result.answers)
    for path in result.errors:
        parts = path.split(".")[1:]
        if len(parts) < 2:
            continue  # a group's error (too few items) has no typed value of its own (nor one of a sub-group:
            # its list of items is kept anyway, see below)
        typed = _lookup(result.display, parts)
        if typed is None or _lookup(kept, parts) is not None:
            continue  # nothing typed, or the value is valid and only a cross-field rule failed
        container = _lookup(kept, parts[:-1])
        if isinstance(container, dict):
            container[parts[-1]] = storable(typed)
    return kept


def _lookup(node: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node


def typed_errors(
    definition: FormDefinition,
    answers: Mapping[str, Any],
    *,
    files: Mapping[str, Any] | None = None,
    step_id: str | None = None,
    today: date | None = None,
) -> dict[str, list[str]]:
    """Errors of stored answers that were kept as typed (``kept_as_typed``): only fields that hold a value,
    so a step the citizen has not reached yet shows no "Bitte … an" for its empty fields."""
    errors = clean_all(definition, answers, files=files, today=today)[1]
    out = {}
    for path, messages in errors.items():
        parts = path.split(".")
        if step_id is not None and parts[0] != step_id:
            continue
        if definition.has_field(_base(path)) and not is_empty(_lookup(answers, parts)):
            out[path] = messages
    return out


def move_files(files: Mapping[str, Any], result: StepResult) -> dict[str, Any]:
    """File references keyed by path, re-keyed after a repeat item was removed (the removed item's go)."""
    if result.action is None or result.action.kind != "remove":
        return dict(files)
    removed = f"{result.action.group}.{result.action.index}."
    out: dict[str, Any] = {}
    moves = sorted(result.moved.items(), key=lambda move: -len(move[0]))  # an item inside a moved item first
    for path, ref in files.items():
        if path.startswith(removed):
            continue
        for old, new in moves:
            if path.startswith(old + "."):
                path = new + path[len(old) :]
                break
        out[path] = ref
    return out


def _base(path: str) -> str:
    """A posted path without its repeat indices: ``s.personen.1.anschriften.0.plz`` → ``s.personen.anschriften.plz``."""
    return ".".join(p for p in path.split(".") if not p.isdigit())


# --- reading posted data ---------------------------------------------------------------------------


def _flatten(step: Step, data: Mapping[str, Any]) -> dict[str, list[Any]]:
    if hasattr(data, "getlist"):
        return {str(k): list(data.getlist(k)) for k in data}
    if any("." in str(k) or str(k).startswith("_") for k in data):
        return {str(k): [v] for k, v in data.items()}
    group_ids = {g.id for g in step.groups}
    node = data
    if not set(data) <= group_ids and isinstance(data.get(step.id), Mapping):
        node = data[step.id]
    return _flatten_nested(step, node)


def _flatten_nested(step: Step, node: Mapping[str, Any]) -> dict[str, list[Any]]:
    flat: dict[str, list[Any]] = {}

    def put(group: Group, value: Any, prefix: str) -> None:
        if group.repeat is not None:
            for index, item in enumerate(value if isinstance(value, list) else []):
                flat[f"{prefix}.{index}._item"] = ["1"]
                if isinstance(item, Mapping):
                    for f in group.fields:
                        if f.id in item:
                            flat[f"{prefix}.{index}.{f.id}"] = [item[f.id]]
                    for sub in group.groups:
                        put(sub, item.get(sub.id), f"{prefix}.{index}.{sub.id}")
        elif isinstance(value, Mapping):
            for f in group.fields:
                if f.id in value:
                    flat[f"{prefix}.{f.id}"] = [value[f.id]]

    for group in step.groups:
        put(group, node.get(group.id), f"{step.id}.{group.id}")
    return flat


def _unknown_keys(step: Step, node: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def check(group: Group, value: Any, at: str) -> None:
        field_ids = {f.id for f in group.fields}
        subs = {g.id: g for g in group.groups}
        if group.repeat is not None and not isinstance(value, list):
            errors[at] = [_("Eine wiederholbare Gruppe muss eine Liste sein.")]
            return
        items = list(enumerate(value)) if group.repeat is not None else [(None, value)]
        for index, item in items:
            prefix = at + ("" if index is None else f".{index}")
            if not isinstance(item, Mapping):
                errors[prefix] = [_("Die Antworten einer Gruppe müssen ein Objekt sein.")]
                continue
            for key in item:
                if key in subs:
                    check(subs[key], item[key], f"{prefix}.{key}")
                elif key not in field_ids:
                    errors[f"{prefix}.{key}"] = [_("Unbekanntes Feld.")]

    groups = {g.id: g for g in step.groups}
    for group_id, value in node.items():
        group = groups.get(group_id)
        if group is None:
            errors[f"{step.id}.{group_id}"] = [_("Unbekannte Gruppe.")]
            continue
        check(group, value, f"{step.id}.{group_id}")
    return errors


def _raw(flat: Mapping[str, list[Any]], path: str, field: Field) -> Any:
    if field.type == "address":
        whole = flat.get(path)
        if whole and isinstance(whole[-1], Mapping):
            return whole[-1]
        parts = {p: flat[f"{path}.{p}"][-1] for p in ADDRESS_PARTS if flat.get(f"{path}.{p}")}
        return parts or None
    values = flat.get(path) or []
    if field.type == "multichoice":
        out: list[Any] = []
        for value in values:
            out.extend(value if isinstance(value, (list, tuple)) else [value])
        return [v for v in out if v not in (None, "")]
    return values[-1] if values else None


def _action(definition: FormDefinition, step: Step, flat: Mapping[str, Any]) -> RepeatAction | None:
    def repeat_group(posted: str) -> bool:
        """``posted`` names a repeat group of this step, with an index after every enclosing group."""
        parts = posted.split(".")
        if parts[0] != step.id or len(parts) % 2 or any(not p.isdigit() for p in parts[2:-1:2]):
            return False
        if any(int(p) > MAX_ITEM_INDEX for p in parts[2:-1:2]):
            return False
        base = _base(posted)
        return definition.has_group(base) and definition.group(base).repeat is not None

    for key in flat:
        if key.startswith("_add:") and repeat_group(key[5:]):
            return RepeatAction("add", key[5:])
        if key.startswith("_remove:"):
            group_path, _sep, index = key[8:].rpartition(".")
            if repeat_group(group_path) and index.isdigit():
                return RepeatAction("remove", group_path, int(index))
    return None


def _item_indices(flat: Mapping[str, Any], group_path: str) -> list[int]:
    pattern = re.compile(re.escape(group_path) + r"\.(\d{1,3})\.")
    found = {int(m.group(1)) for key in flat if (m := pattern.match(key))}
    return sorted(i for i in found if i <= MAX_ITEM_INDEX)


# --- cleaning --------------------------------------------------------------------------------------


class _Work:
    """Mutable state of one step validation."""

    def __init__(
        self, definition: FormDefinition, step: Step, files: Mapping[str, Any], stored: Mapping[str, Any], posted: bool
    ) -> None:
        self.definition = definition
        self.posted = posted  # a post (files by path are fresh uploads) rather than a stored answers object
        self.step = step
        self.files = files
        self.known_refs = {ref["key"]: ref for ref in files.values() if isinstance(ref, Mapping) and "key" in ref}
        self.stored = stored
        self.cleaned: dict[str, Any] = {}
        self.display: dict[str, Any] = {}
        self.errors: dict[str, list[str]] = {}


def _validate(
    definition: FormDefinition,
    step: Step,
    flat: dict[str, list[Any]],
    answers: dict[str, Any],
    files: Mapping[str, Any],
    today: date,
    *,
    use_stored: bool = True,
) -> StepResult:
    stored = answers.get(step.id) if isinstance(answers.get(step.id), Mapping) and use_stored else {}
    work = _Work(definition, step, files, stored or {}, posted=use_stored)
    action = _action(definition, step, flat)
    moved: dict[str, str] = {}
    for group in step.groups:
        group_path = f"{step.id}.{group.id}"
        work.cleaned[group.id], work.display[group.id] = _clean_group(
            work, group, flat, group_path, group_path, action, moved, today
        )
    merged = copy.deepcopy(dict(answers))
    merged[step.id] = work.cleaned
    hidden_groups, hidden_fields = prune_invisible(definition, merged, [step.id], today)
    _required_and_counts(work, hidden_groups, hidden_fields, Scope(definition, merged, today))
    if action is None:
        check_rules(definition, step, merged, today, work.errors)
    errors = {} if action else _drop_hidden(work.errors, hidden_groups, hidden_fields)
    return StepResult(step.id, merged[step.id], errors, work.display, action, moved)


def _clean_group(
    work: _Work,
    group: Group,
    flat: Mapping[str, list[Any]],
    read_at: str,
    at: str,
    action: RepeatAction | None,
    moved: dict[str, str],
    today: date,
) -> tuple[Any, Any]:
    """(cleaned answers, answers as typed) of ``group``, posted under ``read_at`` and kept under ``at`` (they
    differ inside an item that moved up because one before it was removed). A repeat group gives lists; each
    item holds the lists of its sub-groups."""
    if group.repeat is None:
        return _clean_item(work, group, flat, read_at, at, today)
    indices = _item_indices(flat, read_at)
    if action and action.group == read_at:
        if action.kind == "remove" and action.index in indices:
            indices.remove(action.index)
        elif action.kind == "add" and len(indices) < group.repeat.max:
            indices.append(max(indices, default=-1) + 1)
    if len(indices) > group.repeat.max:
        work.errors[at] = [_max_items_message(group)]
        indices = indices[: group.repeat.max]
    moved.update({f"{read_at}.{old}": f"{at}.{new}" for new, old in enumerate(indices) if read_at != at or old != new})
    items, shown_items = [], []
    for new, old in enumerate(indices):
        item, shown = _clean_item(work, group, flat, f"{read_at}.{old}", f"{at}.{new}", today)
        for sub in group.groups:
            sub_items, sub_shown = _clean_group(
                work, sub, flat, f"{read_at}.{old}.{sub.id}", f"{at}.{new}.{sub.id}", action, moved, today
            )
            if sub_items:
                item[sub.id], shown[sub.id] = sub_items, sub_shown
        items.append(item)
        shown_items.append(shown)
    return items, shown_items


def _clean_item(
    work: _Work, group: Group, flat: Mapping[str, list[Any]], read_prefix: str, prefix: str, today: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    item: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    for field in group.fields:
        path = f"{prefix}.{field.id}"
        raw = _raw(flat, f"{read_prefix}.{field.id}", field)
        if field.type == "file":
            raw = _file_value(work, field, f"{read_prefix}.{field.id}", path, raw)
        if is_empty(raw):
            continue
        shown[field.id] = raw
        try:
            item[field.id] = _clean_value(field, raw, today)
        except FieldInvalid as exc:
            work.errors[path] = exc.messages
    return item, shown


def _clean_value(field: Field, raw: Any, today: date) -> Any:
    kind = field.type
    if kind in ("text", "textarea"):
        return clean_text(field, raw)
    if kind == "number":
        return clean_number(field, raw)
    if kind == "date":
        return clean_date(field, raw, today)
    if kind == "choice":
        return clean_choice(field, raw)
    if kind == "multichoice":
        return clean_multichoice(field, raw)
    if kind == "yesno":
        return clean_yesno(raw)
    if kind == "address":
        return clean_address(raw)
    if kind == "iban":
        return clean_iban(raw)
    if kind == "email":
        return clean_email(raw)
    if kind == "phone":
        return clean_phone(raw)
    return _check_file(field, raw)


def _file_value(work: _Work, field: Field, read_path: str, path: str, posted: Any) -> Any:
    """A fresh upload for this input, else a posted or stored reference — but only one the caller vouched for.

    For a stored answers object (``validate_all``) only the reference in the answers counts, and it must be
    one of ``files``: answers and files that disagree mean a tampered object."""
    fresh = work.files.get(read_path) if work.posted else None
    if isinstance(fresh, Mapping):
        return {k: fresh.get(k) for k in FILE_REF_KEYS}
    if hasattr(posted, "read") or is_empty(posted):
        posted = _stored(work.stored, read_path)
        if posted is None:
            return None
    trusted = work.known_refs.get(posted.get("key")) if isinstance(posted, Mapping) else None
    if trusted is None or (isinstance(posted, Mapping) and posted.get("sha256") != trusted.get("sha256")):
        work.errors[path] = [_("Diese Datei kennen wir nicht. Bitte laden Sie sie erneut hoch.")]
        return None
    return {k: trusted.get(k) for k in FILE_REF_KEYS}


def _stored(stored: Mapping[str, Any], path: str) -> Any:
    node: Any = {path.split(".", 1)[0]: stored}
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping):
            node = node.get(part)
        else:
            return None
    return node if isinstance(node, Mapping) else None


def _check_file(field: Field, ref: Any) -> dict[str, Any]:
    spec = field.file_spec
    if ref.get("content_type") not in spec.types:
        raise FieldInvalid(
            _("Dieser Dateityp ist hier nicht erlaubt. Erlaubt: %(types)s.") % {"types": file_types_label(spec.types)}
        )
    size = ref.get("size")
    if not isinstance(size, int) or size > spec.max_bytes:
        raise FieldInvalid(_("Die Datei ist zu groß (höchstens %(size)s).") % {"size": file_size_label(spec.max_bytes)})
    return dict(ref)


def file_types_label(types: tuple[str, ...]) -> str:
    names = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG", "image/tiff": "TIFF"}
    return ", ".join(names.get(t, t) for t in types)


def file_size_label(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB").replace(".", ",")
    if size >= 1024:
        return f"{size // 1024} KB"
    return f"{size} Bytes"


# --- required, counts, rules -----------------------------------------------------------------------


_OWN_DATA_MESSAGES = {
    "first_name": "Bitte geben Sie Ihren Vornamen an.",
    "last_name": "Bitte geben Sie Ihren Familiennamen an.",
    "birth_date": "Bitte geben Sie Ihr Geburtsdatum an, z. B. 31.01.1980.",
    "email": "Bitte geben Sie Ihre E-Mail-Adresse an, z. B. name@example.de.",
    "phone": "Bitte geben Sie Ihre Telefonnummer an, z. B. 0211 123456.",
    "address": "Bitte geben Sie Ihre Anschrift an (Straße, Hausnummer, Postleitzahl und Ort).",
}


def _required_message(field: Field) -> str:
    """What is missing, naming the field: the definition's own words if it has them, "Ihr …" for the
    citizen's own data (fields prefilled from the account), else the field's label."""
    if field.required_message:
        return field.required_message
    if field.prefill in _OWN_DATA_MESSAGES:
        return _(_OWN_DATA_MESSAGES[field.prefill])
    label = {"label": field.label.rstrip(":")}
    if field.type == "yesno":
        return _("Bitte beantworten Sie die Frage „%(label)s“ mit „Ja“ oder „Nein“.") % label
    if field.type == "choice":
        return _("Bitte wählen Sie bei „%(label)s“ eine Möglichkeit aus.") % label
    if field.type == "multichoice":
        return _("Bitte wählen Sie bei „%(label)s“ mindestens eine Möglichkeit aus.") % label
    if field.type == "file":
        return _("Bitte laden Sie bei „%(label)s“ eine Datei hoch.") % label
    if field.type == "address":
        return _("Bitte geben Sie bei „%(label)s“ die Anschrift an (Straße, Hausnummer, Postleitzahl und Ort).") % label
    if field.type == "iban":
        return _("Bitte geben Sie bei „%(label)s“ die IBAN an, z. B. DE89 3704 0044 0532 0130 00.") % label
    if field.type == "email":
        return _("Bitte geben Sie bei „%(label)s“ die E-Mail-Adresse an, z. B. name@example.de.") % label
    if field.type == "phone":
        return _("Bitte geben Sie bei „%(label)s“ die Telefonnummer an, z. B. 0211 123456.") % label
    if field.type == "date":
        return _("Bitte geben Sie bei „%(label)s“ ein Datum an, z. B. 31.01.2026.") % label
    if field.type == "number":
        return _("Bitte geben Sie bei „%(label)s“ eine Zahl an.") % label
    return _("Bitte füllen Sie das Feld „%(label)s“ aus.") % label


def _max_items_message(group: Group) -> str:
    n = group.repeat.max if group.repeat else 0
    return ngettext(
        "Bitte geben Sie höchstens %(n)d Eintrag an.", "Bitte geben Sie höchstens %(n)d Einträge an.", n
    ) % {"n": n}


def _required_and_counts(work: _Work, hidden_groups: set[str], hidden_fields: set[str], scope: Scope) -> None:
    step = work.step
    for group in step.groups:
        group_path = f"{step.id}.{group.id}"
        _required_in(work, group, group_path, group_path, work.cleaned, hidden_groups, hidden_fields, scope)


def _required_in(
    work: _Work,
    group: Group,
    path: str,
    at: str,
    holder: Mapping[str, Any],
    hidden_groups: set[str],
    hidden_fields: set[str],
    scope: Scope,
) -> None:
    """Required fields and item counts of ``group`` (definition path ``path``, posted at ``at``) and of its
    sub-groups in each of its items."""
    if at in hidden_groups:
        return
    node = holder.get(group.id)
    if group.repeat is not None:
        items = node if isinstance(node, list) else []
        if len(items) < group.repeat.min and at not in work.errors:
            n = group.repeat.min
            work.errors[at] = [
                ngettext(
                    "Bitte geben Sie mindestens %(n)d Eintrag an.",
                    "Bitte geben Sie mindestens %(n)d Einträge an.",
                    n,
                )
                % {"n": n}
            ]
        places = [(f"{at}.{i}", item, scope.at(path, i)) for i, item in enumerate(items)]
    else:
        places = [(at, node if isinstance(node, dict) else {}, scope)]
    for prefix, item, item_scope in places:
        if not isinstance(item, Mapping):
            continue
        for field in group.fields:
            field_path = f"{prefix}.{field.id}"
            if (
                field.required
                and field_path not in hidden_fields
                and field_path not in work.errors
                and is_empty(item.get(field.id))
                and item_scope.holds(field.required_if)
            ):
                work.errors[field_path] = [_required_message(field)]
        for sub in group.groups:
            _required_in(
                work, sub, f"{path}.{sub.id}", f"{prefix}.{sub.id}", item, hidden_groups, hidden_fields, item_scope
            )


def _drop_hidden(
    errors: dict[str, list[str]], hidden_groups: set[str], hidden_fields: set[str]
) -> dict[str, list[str]]:
    def hidden(path: str) -> bool:
        parts = path.split(".")
        return path in hidden_fields or any(".".join(parts[:n]) in hidden_groups for n in range(2, len(parts) + 1))

    return {path: messages for path, messages in errors.items() if not hidden(path)}
