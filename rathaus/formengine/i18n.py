"""Form definitions in other languages: an optional overlay per language, German as the fallback.

German is the source of every form. A definition may carry translations of its texts in ``i18n``::

    "i18n": {"en": {
        "form": {"title": "Register a dog", "description": "…"},
        "steps": {"halter": {"title": "Owner", "help": "…"}},
        "groups": {"halter.person": {"title": "Person", "help": "…", "item_label": "…"}},
        "fields": {"halter.person.vorname": {"label": "First name(s)", "help": "…",
                                             "required_message": "…", "pattern_message": "…",
                                             "options": {"<value>": "<label>"}}},
        "rules": {"<rule id>": {"message": "…"}},
        "fees": {"<label in German>": "<label>"}
    }}

Every part is optional. :func:`localize` returns the definition in the active language: translated texts as
plain strings, every text without a translation as :class:`GermanText` (a ``str`` whose ``lang`` is ``"de"``),
so a page in English marks exactly those parts ``lang="de"`` (WCAG 3.1.2). Ids, values, conditions and fees
stay as they are: answers, validation and stored applications do not depend on the language.

Between ``definition`` and ``checks``: :func:`problems` lists overlay entries that point nowhere (checked with
the rest of the definition when it is parsed).
"""

from __future__ import annotations

import re
from typing import Annotated

from django.utils.translation import get_language
from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import Field as PydanticField
from pydantic import ValidationError as PydanticValidationError

from .definition import Field, FormDefinition, Group, Rule, Step

SOURCE_LANGUAGE = "de"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # PostgreSQL's jsonb refuses NUL; UTF-8 has no lone surrogates


def _storable(value: str) -> str:
    if _UNSTORABLE.search(value):
        raise ValueError("Steuerzeichen wie NUL und ungültige Unicode-Zeichen sind nicht erlaubt.")
    return value


Text = Annotated[str, PydanticField(min_length=1, max_length=500), AfterValidator(_storable)]
LongText = Annotated[str, PydanticField(min_length=1, max_length=4000), AfterValidator(_storable)]


class GermanText(str):
    """A text shown in German on a page in another language: templates set ``lang="{{ text.lang }}"``."""

    lang = SOURCE_LANGUAGE


# --- the overlay's format ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FormTexts(_Model):
    title: Text | None = None
    description: LongText | None = None


class StepTexts(_Model):
    title: Text | None = None
    help: LongText | None = None


class GroupTexts(_Model):
    title: Text | None = None
    help: LongText | None = None
    item_label: Text | None = None


class FieldTexts(_Model):
    label: Text | None = None
    help: LongText | None = None
    required_message: Text | None = None
    pattern_message: Text | None = None
    options: dict[str, Text] = {}


class RuleTexts(_Model):
    message: Text | None = None


class Overlay(_Model):
    form: FormTexts = FormTexts()
    steps: dict[str, StepTexts] = {}
    groups: dict[str, GroupTexts] = {}
    fields: dict[str, FieldTexts] = {}
    rules: dict[str, RuleTexts] = {}
    fees: dict[str, Text] = {}


def overlay(definition: FormDefinition, language: str) -> Overlay | None:
    """The definition's overlay for ``language`` (``None`` without one). Raises pydantic's ValidationError for
    one that does not fit the format (refused by :func:`problems` when the definition is parsed)."""
    data = (getattr(definition, "i18n", None) or {}).get(language)
    return None if data is None else Overlay.model_validate(data)


def problems(definition: FormDefinition) -> list[tuple[str, str]]:
    """(path, German message) for every overlay that does not fit the format or names what is not there."""
    found: list[tuple[str, str]] = []
    for language in getattr(definition, "i18n", None) or {}:
        where = f"i18n.{language}"
        if language == SOURCE_LANGUAGE:
            found.append((where, "Deutsch ist die Ausgangssprache des Formulars, keine Übersetzung."))
            continue
        try:
            texts = overlay(definition, language)
        except PydanticValidationError as exc:
            for error in exc.errors():
                path = ".".join([where, *(str(p) for p in error["loc"])])
                found.append((path, f"Passt nicht zum Format der Übersetzung ({error['msg']})."))
            continue
        assert texts is not None
        steps = {step.id for step in definition.steps}
        groups = {
            path for step in definition.steps for top in step.groups for path, _g in top.walk(f"{step.id}.{top.id}")
        }
        rules = {rule.id for rule in definition.rules}
        fees = {fee.label for fee in definition.fees}
        for kind, keys, known in (
            ("steps", texts.steps, steps),
            ("groups", texts.groups, groups),
            ("rules", texts.rules, rules),
            ("fees", texts.fees, fees),
        ):
            found += [(f"{where}.{kind}.{key}", "Gibt es im Formular nicht.") for key in keys if key not in known]
        for path, field_texts in texts.fields.items():
            if not definition.has_field(path):
                found.append((f"{where}.fields.{path}", "Dieses Feld gibt es im Formular nicht."))
                continue
            values = {choice.value for choice in definition.field(path).choices or ()}
            found += [
                (f"{where}.fields.{path}.options.{value}", "Diese Auswahl gibt es bei dem Feld nicht.")
                for value in field_texts.options
                if value not in values
            ]
    return found


# --- applying it ------------------------------------------------------------------------------------------


def _pick(original: str | None, translated: str | None) -> str | None:
    if original is None:
        return None
    return translated if translated else GermanText(original)


def localize(definition: FormDefinition, language: str | None = None) -> FormDefinition:
    """``definition`` in ``language`` (default: the active one): every text from the overlay where it has one,
    German (:class:`GermanText`) where not. German comes back as it is; localizing twice changes nothing."""
    language = (language or get_language() or SOURCE_LANGUAGE).split("-")[0].lower()
    if language == SOURCE_LANGUAGE:
        return definition
    try:
        texts = overlay(definition, language) or Overlay()
    except PydanticValidationError:
        texts = Overlay()  # refused on parsing; a stored one that no longer fits shows German
    steps = tuple(_step(step, texts) for step in definition.steps)
    rules = tuple(_rule(rule, texts) for rule in definition.rules)
    fees = tuple(
        fee.model_copy(update={"label": _pick(fee.label, texts.fees.get(fee.label))}) for fee in definition.fees
    )
    values = {name: getattr(definition, name) for name in type(definition).model_fields}
    values.update(
        title=_pick(definition.title, texts.form.title),
        description=_pick(definition.description, texts.form.description),
        steps=steps,
        rules=rules,
        fees=fees,
    )
    # model_construct (no validation: it would turn GermanText into str) runs model_post_init, so the lookups
    # (field(path), step(id)) point at the localized copies.
    return type(definition).model_construct(**values)


def _step(step: Step, texts: Overlay) -> Step:
    own = texts.steps.get(step.id) or StepTexts()
    groups = tuple(_group(step.id, group, texts) for group in step.groups)
    return step.model_copy(
        update={"title": _pick(step.title, own.title), "help": _pick(step.help, own.help), "groups": groups}
    )


def _group(parent: str, group: Group, texts: Overlay) -> Group:
    """``parent``: the step id, or the path of the group around a sub-group."""
    path = f"{parent}.{group.id}"
    own = texts.groups.get(path) or GroupTexts()
    fields = tuple(_field(f"{path}.{field.id}", field, texts) for field in group.fields)
    return group.model_copy(
        update={
            "title": _pick(group.title, own.title),
            "help": _pick(group.help, own.help),
            "item_label": _pick(group.item_label, own.item_label),
            "fields": fields,
            "groups": tuple(_group(path, sub, texts) for sub in group.groups),
        }
    )


def _field(path: str, field: Field, texts: Overlay) -> Field:
    own = texts.fields.get(path) or FieldTexts()
    choices = (
        tuple(
            choice.model_copy(update={"label": _pick(choice.label, own.options.get(choice.value))})
            for choice in field.choices
        )
        if field.choices is not None
        else None
    )
    return field.model_copy(
        update={
            "label": _pick(field.label, own.label),
            "help": _pick(field.help, own.help),
            "required_message": _pick(field.required_message, own.required_message),
            "pattern_message": _pick(field.pattern_message, own.pattern_message),
            "choices": choices,
        }
    )


def _rule(rule: Rule, texts: Overlay) -> Rule:
    own = texts.rules.get(rule.id) or RuleTexts()
    return rule.model_copy(update={"message": _pick(rule.message, own.message)})
