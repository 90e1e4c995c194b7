"""A minimal truthful applicant that drives the real step validation through an imported FIM form.

The applicant is a natural person, acts for herself (no legal representative, no authorised agent), lives in
Germany and fills in only what the form insists on: each step is posted, and only the fields the validation
reports as missing (required, a minimum number of entries, a cross-field rule) are filled, round by round.
Choices prefer the answer this person gives (Nein, keine, natürliche Person, in Deutschland, ich stimme zu).

``forced`` lists the fields she had to fill although they do not apply to her (a legal person's data, a
representative's, an address abroad): each is a form that cannot be filled in truthfully.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from rathaus.formengine import FormDefinition, validate_all, validate_step
from rathaus.formengine.definition import Field

TODAY = date(2026, 6, 15)
_PREFERRED = (
    "nein",
    "keine",
    "kein ",
    "natürliche person",
    "in deutschland",
    "deutschland",
    "deutsch",
    "ich stimme zu",
    "ich bestätige",
    "zustimm",
    "selbst",
    "für mich",
    "neuantrag",
    "einen neuantrag",
    "antragsteller",
)
_NOT_FOR_HER = re.compile(
    r"juristische|vertret|bevollmächtigt|vollmacht|ausland|außerhalb von deutschland",
    re.I,
)
_TEXT_CANDIDATES = (
    "Muster",
    "Musterstraße",
    "12345",
    "1",
    "12",
    "123",
    "DE",
    "A1",
    "max@example.de",
    "+49 211 123456",
    "0211 123456",
    "09:30",
    "2026-01-01 10:00",
    "123456789012",
    "WVWZZZ1JZXW000001",
)


@dataclass
class Outcome:
    completed: bool
    steps_done: int
    forced: list[str] = dc_field(default_factory=list)  # paths she had to fill that do not apply to her
    stuck: str = ""  # why she could not go on
    filled: int = 0


# A second applicant: represented by a natural person (a parent, a guardian). She answers „Ja“ to questions
# about representation and picks the natural person; everything else as above.
REPRESENTED = re.compile(r"vertret|bevollm", re.I)
_REPRESENTED_CHOICES = ("gesetzlichen vertreter (natürliche person)", "natürliche person")


def complete(definition: FormDefinition, *, max_rounds: int = 40, represented: bool = False) -> Outcome:
    """Drive every step as the minimal applicant (or, with ``represented``, one with a representative)."""
    answers: dict[str, Any] = {}
    files: dict[str, Any] = {}
    outcome = Outcome(False, 0)
    for step in definition.steps:
        data: dict[str, Any] = {}
        for _round in range(max_rounds):
            result = validate_step(definition, step.id, data, answers=answers, files=files, today=TODAY)
            if result.ok:
                answers[step.id] = result.answers
                outcome.steps_done += 1
                break
            progress = False
            for path, messages in result.errors.items():
                if _fill(definition, path, data, files, outcome, represented=represented):
                    progress = True
                elif not outcome.stuck:
                    outcome.stuck = f"{path}: {' '.join(messages)}"
            if not progress:
                return outcome
        else:
            outcome.stuck = outcome.stuck or f"{step.id}: keine Ruhe nach {max_rounds} Runden"
            return outcome
    errors = validate_all(definition, answers, files=files, today=TODAY)
    outcome.completed = not errors
    if errors:
        outcome.stuck = "; ".join(f"{p}: {m[0]}" for p, m in list(errors.items())[:3])
    return outcome


def _fill(
    definition: FormDefinition,
    path: str,
    data: dict[str, Any],
    files: dict[str, Any],
    out: Outcome,
    *,
    represented: bool = False,
) -> bool:
    parts = path.split(".")
    base = [p for p in parts if not p.isdigit()]
    if not parts[-1].isdigit() and definition.has_group(".".join(base)):  # too few items (also of a sub-group)
        group = definition.group(".".join(base))
        if group.repeat is None:
            return False
        taken = {key[len(path) + 1 :].split(".")[0] for key in data if key.startswith(path + ".")}
        data[f"{path}.{len(taken)}._item"] = "1"
        return True
    field_path = definition.field_path(path)
    if field_path is None:
        return False
    entry = definition.entry(field_path)
    field = entry.field
    if entry.in_repeat and not any(p.isdigit() for p in parts):
        # a rule's message at a field of a repeat group: give it (and each repeat group around it) an entry
        indexed: list[str] = [parts[0]]
        for group_path, group in definition.group_chain(entry.group_path):
            indexed.append(group_path.rsplit(".", 1)[1])
            if group.repeat is not None:
                if not any(key.startswith(".".join(indexed) + ".") for key in data):
                    data[".".join([*indexed, "0", "_item"])] = "1"
                indexed.append("0")
        parts = [*indexed, *path[len(entry.group_path) + 1 :].split(".")]
    key = ".".join(parts[: len(parts) if parts[-1] not in ("street", "postal_code", "city") else -1])
    if key in data or key in files:
        return False  # filled already and still wrong: she cannot go on truthfully
    value = _value(field, represented=represented and bool(REPRESENTED.search(field.label)))
    if value is None:
        return False
    if field.type == "file":
        files[key] = value
    else:
        data[key] = value
    out.filled += 1
    if field.type not in ("choice", "multichoice", "yesno") and (
        _NOT_FOR_HER.search(entry.group.title) or _NOT_FOR_HER.search(field.label)
    ):
        out.forced.append(f"{entry.group.title} › {field.label}")
    return True


def _value(field: Field, *, represented: bool = False) -> Any:
    kind = field.type
    if kind in ("choice", "multichoice"):
        choices = list(field.choices or ())
        if not choices:
            return None
        chosen = choices[0]
        for word in (*_REPRESENTED_CHOICES, *_PREFERRED) if represented else _PREFERRED:
            hit = next((c for c in choices if c.label.lower().startswith(word) or word in c.label.lower()), None)
            if hit is not None:
                chosen = hit
                break
        if kind == "multichoice":  # as few as the field asks for, her preferred one first
            others = [c.value for c in choices if c is not chosen]
            return [chosen.value, *others][: max(int(field.min or 1), 1)]
        return chosen.value
    if kind == "yesno":
        return "ja" if represented else "nein"
    if kind == "number":
        low = field.min if field.min is not None else 1
        return str(int(low) if float(low).is_integer() else low)
    if kind == "date":
        return "2000-01-01"
    if kind == "email":
        return "max@example.de"
    if kind == "phone":
        return "0211 123456"
    if kind == "iban":
        return "DE89370400440532013000"
    if kind == "address":
        return {"street": "Musterweg", "house_number": "1", "postal_code": "40210", "city": "Düsseldorf"}
    if kind == "file":
        spec = field.file_spec
        return {
            "key": f"k-{field.id}",
            "name": "nachweis.pdf",
            "sha256": "0" * 64,
            "size": 1000,
            "content_type": spec.types[0],
        }
    return _text(field)


def _text(field: Field) -> str | None:
    pattern = field.compiled_pattern
    low, high = field.min_length or 1, field.max_length or 10_000
    for candidate in _TEXT_CANDIDATES:
        if low <= len(candidate) <= high and (pattern is None or pattern.fullmatch(candidate)):
            return candidate
    if pattern is None:
        return ("M" * low)[:high]
    from hypothesis import strategies as st  # only for unusual patterns

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _try in range(20):
            value = st.from_regex(pattern, fullmatch=True).example()
            if low <= len(value) <= high and "\x00" not in value and value.strip() == value:
                return value
    return None
