"""Form definitions: strict, immutable models of the JSON format (close to FIM Datenfelder).

A definition is data: ``steps → groups → fields`` plus cross-field ``rules`` and ``fees``. It is parsed once
with ``parsing.parse_definition`` (structure by these models, meaning by ``checks.check_definition``) and then
never changes: a published version stays as it is; a change is a new version.

The bottom of the form engine, above ``conditions`` only: every other module of the engine imports this one,
and this one imports none of them (docs/developers/architecture.md, "Schichten").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, PrivateAttr, model_validator
from pydantic import Field as PydanticField

from .conditions import Condition, dump_condition, parse_condition, references

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "choice",
    "multichoice",
    "yesno",
    "address",
    "iban",
    "email",
    "phone",
    "file",
)
FieldType = Literal[
    "text", "textarea", "number", "date", "choice", "multichoice", "yesno", "address", "iban", "email", "phone", "file"
]
PrefillKey = Literal[
    "first_name", "last_name", "birth_date", "street", "postal_code", "city", "email", "phone", "address"
]
ADDRESS_PARTS = ("street", "house_number", "postal_code", "city")
DEFAULT_FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

Id = Annotated[str, PydanticField(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Text = Annotated[str, PydanticField(min_length=1, max_length=500)]
LongText = Annotated[str, PydanticField(max_length=4000)]


def _parse_condition(value: Any) -> Condition:
    return parse_condition(value)


ConditionField = Annotated[
    Condition, PlainValidator(_parse_condition), PlainSerializer(dump_condition, return_type=dict)
]


class DefinitionError(ValueError):
    """An invalid form definition. ``problems`` is a list of (path, German message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"- {path}: {message}" if path else f"- {message}" for path, message in problems]
        super().__init__("Die Formulardefinition ist fehlerhaft:\n" + "\n".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class Choice(_Model):
    value: Annotated[str, PydanticField(min_length=1, max_length=100)]
    label: Text


class FileSpec(_Model):
    types: tuple[Annotated[str, PydanticField(pattern=r"^[a-z]+/[a-z0-9.+-]+$")], ...] = DEFAULT_FILE_TYPES
    max_bytes: Annotated[int, PydanticField(ge=1, le=100 * 1024 * 1024)] = DEFAULT_MAX_BYTES


class CodelistRef(_Model):
    """A FIM code list a select field takes its options from (``genericode``: canonical URI and version).

    ``missing`` is set when the importer could not resolve the list: the field then has no options yet and
    the form must not be published (``FormDefinition.missing_codelists``)."""

    uri: Annotated[str, PydanticField(min_length=1, max_length=500)]
    version: Annotated[str, PydanticField(max_length=100)] | None = None
    missing: bool = False


class Field(_Model):
    id: Id
    fim_id: Annotated[str, PydanticField(pattern=r"^F\d{5,14}$")] | None = None
    label: Text
    help: LongText | None = None
    type: FieldType
    required: bool = False
    required_message: Text | None = None  # e.g. "Bitte geben Sie Ihren Vornamen an."
    min: int | float | None = None
    max: int | float | None = None
    decimals: Annotated[int, PydanticField(ge=0, le=6)] | None = None
    unit: Annotated[str, PydanticField(max_length=20)] | None = None
    min_length: Annotated[int, PydanticField(ge=0)] | None = None
    max_length: Annotated[int, PydanticField(ge=1, le=100_000)] | None = None
    pattern: Annotated[str, PydanticField(max_length=500)] | None = None
    pattern_message: Text | None = None
    choices: tuple[Choice, ...] | None = None
    date_min: str | None = None
    date_max: str | None = None
    file: FileSpec | None = None
    prefill: PrefillKey | None = None
    visible_if: ConditionField | None = None
    # ``required`` holds only while this condition is True (e.g. an optional FIM group the applicant started
    # to fill, or answered that it applies); without it ``required`` always holds.
    required_if: ConditionField | None = None
    codelist: CodelistRef | None = None

    @property
    def file_spec(self) -> FileSpec:
        return self.file or FileSpec()

    def choice_label(self, value: Any) -> str:
        for choice in self.choices or ():
            if choice.value == str(value):
                return choice.label
        return str(value)

    @property
    def compiled_pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.pattern) if self.pattern else None


class Repeat(_Model):
    min: Annotated[int, PydanticField(ge=0, le=50)] = 0
    max: Annotated[int, PydanticField(ge=1, le=50)] = 10


class Group(_Model):
    """Fields under a title; with ``repeat`` a list of items. A repeat group may hold repeat groups of its own
    (``groups``: e.g. persons, each with several addresses), at any depth; each item of such a sub-group belongs
    to one item of its parent. Answers nest the same way: ``{"personen": [{"name": …, "anschriften": [{…}]}]}``,
    and paths name every group: ``step.personen.anschriften.plz`` (with indices when posted:
    ``step.personen.1.anschriften.0.plz``)."""

    id: Id
    fim_id: Annotated[str, PydanticField(pattern=r"^G\d{5,14}$")] | None = None
    title: Text
    help: LongText | None = None
    repeat: Repeat | None = None
    item_label: Text | None = None
    visible_if: ConditionField | None = None
    fields: tuple[Field, ...] = ()
    groups: tuple[Group, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Group:
        if not self.fields and not self.groups:
            raise ValueError("Eine Gruppe braucht mindestens ein Feld.")
        return self

    def walk(self, path: str) -> list[tuple[str, Group]]:
        """This group and every group inside it, each with its path (``path`` is this group's)."""
        out = [(path, self)]
        for sub in self.groups:
            out += sub.walk(f"{path}.{sub.id}")
        return out


class Step(_Model):
    id: Id
    title: Text
    help: LongText | None = None
    groups: Annotated[tuple[Group, ...], PydanticField(min_length=1)]


class Rule(_Model):
    id: Id
    message: Text
    fields: Annotated[tuple[str, ...], PydanticField(min_length=1)]
    check: ConditionField


class Fee(_Model):
    label: Text
    amount: Annotated[str, PydanticField(pattern=r"^\d{1,7}(\.\d{1,2})?$")]
    per: str | None = None
    skip: Annotated[int, PydanticField(ge=0)] = 0
    when: ConditionField | None = None

    @property
    def unit_amount(self) -> Decimal:
        return Decimal(self.amount).quantize(Decimal("0.01"))


class FieldEntry(NamedTuple):
    """A field with its place: ``path`` is ``step.group.field`` (repeat items add the index when posted);
    inside a sub-group ``step.group.sub.field``, ``group`` then is the sub-group and ``outer`` the groups
    around it, outermost first."""

    path: str
    field: Field
    group: Group
    step: Step
    outer: tuple[Group, ...] = ()

    @property
    def group_path(self) -> str:
        return self.path.rsplit(".", 1)[0]

    @property
    def in_repeat(self) -> bool:
        """Whether the field is answered per item (its group or a group around it repeats)."""
        return self.group.repeat is not None or any(g.repeat is not None for g in self.outer)


class FormDefinition(_Model):
    id: Annotated[str, PydanticField(pattern=r"^[a-z0-9][a-z0-9-]{0,99}$")]
    version: Annotated[int, PydanticField(ge=1)]
    title: Text
    description: LongText | None = None
    fim_id: Annotated[str, PydanticField(pattern=r"^S\d{5,14}$")] | None = None
    steps: Annotated[tuple[Step, ...], PydanticField(min_length=1)]
    rules: tuple[Rule, ...] = ()
    fees: tuple[Fee, ...] = ()
    payment_required_before_forwarding: bool = False
    # Translations of the texts, per language ("en": {...}); German is the source. Format and use: i18n.py.
    i18n: dict[Annotated[str, PydanticField(pattern=r"^[a-z]{2}$")], dict[str, Any]] = {}

    _fields: dict[str, FieldEntry] = PrivateAttr(default_factory=dict)
    _groups: dict[str, tuple[Step, Group]] = PrivateAttr(default_factory=dict)
    _steps: dict[str, Step] = PrivateAttr(default_factory=dict)
    _step_index: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        for index, step in enumerate(self.steps):
            self._steps.setdefault(step.id, step)
            self._step_index.setdefault(step.id, index)
            for top in step.groups:
                for group_path, group in top.walk(f"{step.id}.{top.id}"):
                    self._groups.setdefault(group_path, (step, group))
                    outer = tuple(self._groups[p][1] for p in _prefixes(group_path)[:-1])
                    for field in group.fields:
                        path = f"{group_path}.{field.id}"
                        self._fields.setdefault(path, FieldEntry(path, field, group, step, outer))

    # --- lookups ---------------------------------------------------------------------------------

    def step(self, step_id: str) -> Step:
        """The step with this id. Raises KeyError."""
        return self._steps[step_id]

    def step_index(self, step_id: str) -> int:
        return self._step_index[step_id]

    def field(self, path: str) -> Field:
        """The field at ``step.group.field`` (repeat indices such as ``step.group.0.field`` are allowed)."""
        return self.entry(path).field

    def entry(self, path: str) -> FieldEntry:
        base = self.field_path(path)
        if base is None:
            raise KeyError(path)
        return self._fields[base]

    def field_path(self, path: str) -> str | None:
        """The path of the field ``path`` points at, without repeat indices and address part, else None:
        ``step.personen.1.anschriften.0.adresse.city`` → ``step.personen.anschriften.adresse``."""
        parts = [p for p in path.split(".") if not p.isdigit()]
        for length in range(len(parts), 2, -1):
            candidate = ".".join(parts[:length])
            if candidate in self._fields:
                return candidate
        return None

    def group_chain(self, group_path: str) -> list[tuple[str, Group]]:
        """The group at ``group_path`` (no indices) and the groups around it, outermost first."""
        return [(p, self._groups[p][1]) for p in _prefixes(group_path)]

    def has_field(self, path: str) -> bool:
        return path in self._fields

    def group(self, path: str) -> Group:
        """The group at ``step.group``. Raises KeyError."""
        return self._groups[path][1]

    def has_group(self, path: str) -> bool:
        return path in self._groups

    def fields_in(self, step_id: str) -> list[FieldEntry]:
        """Every field of the step in order, as (path, field, group, step)."""
        self.step(step_id)
        return [entry for entry in self._fields.values() if entry.step.id == step_id]

    def all_fields(self) -> list[FieldEntry]:
        return list(self._fields.values())

    def missing_codelists(self) -> list[tuple[str, str | None, list[str]]]:
        """Code lists the fields need but do not have: (URI, version, field paths). Publishing refuses these."""
        found: dict[tuple[str, str | None], list[str]] = {}
        for entry in self._fields.values():
            ref = entry.field.codelist
            if ref is not None and ref.missing:
                found.setdefault((ref.uri, ref.version), []).append(entry.path)
        return [(uri, version, paths) for (uri, version), paths in found.items()]

    # --- exports (the JSON Schema of the answers: ``schema.json_schema(definition)``) ---------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON form; ``parse_definition(d.to_dict())`` gives an equal definition."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)


def _prefixes(group_path: str) -> list[str]:
    """``s.a.b`` → ``["s.a", "s.a.b"]``: the paths of a group and the groups around it."""
    parts = group_path.split(".")
    return [".".join(parts[:n]) for n in range(2, len(parts) + 1)]


def rule_step(definition: FormDefinition, check: Condition, fields: tuple[str, ...]) -> str:
    """A rule is checked in the latest step any of its fields belongs to."""
    paths = [*references(check), *fields]
    index = max(definition.step_index(path.split(".")[0]) for path in paths)
    return definition.steps[index].id
