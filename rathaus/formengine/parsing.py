"""Reading a form definition: structure first (the pydantic models of ``definition``), then meaning (``checks``).

Above ``definition`` and ``checks``, so neither needs to import the other back.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError as PydanticValidationError

from rathaus.core.validation import german_errors

from . import i18n
from .checks import check_definition
from .definition import FIELD_TYPES, DefinitionError, FormDefinition


def parse_definition(data: dict[str, Any]) -> FormDefinition:
    """Validate a JSON definition strictly and return an immutable FormDefinition.

    Raises DefinitionError listing every problem by path (structure first; meaning only once the structure
    is sound): unknown types or keys, duplicate ids, options that do not fit the field type, conditions that
    reference unknown or later fields, rules and fees that point nowhere.
    """
    if not isinstance(data, dict):
        raise DefinitionError([("", "Die Definition muss ein JSON-Objekt sein.")])
    try:
        definition = FormDefinition.model_validate(data)
    except PydanticValidationError as exc:
        raise DefinitionError(_structure_problems(exc)) from None
    problems = check_definition(definition) + i18n.problems(definition)
    if problems:
        raise DefinitionError(problems)
    return definition


def _structure_problems(exc: PydanticValidationError) -> list[tuple[str, str]]:
    errors = exc.errors()
    locs = [tuple(str(p) for p in e["loc"]) for e in errors]
    problems = []
    for error, loc, translated in zip(errors, locs, german_errors(errors), strict=True):
        kind = error["type"]
        # A list whose items failed is reported as too short as well; the item errors say it better.
        if kind == "too_short" and any(other[: len(loc)] == loc and other != loc for other in locs):
            continue
        message = translated["message"]
        if kind == "too_short":
            message = f"Mindestens {error.get('ctx', {}).get('min_length', 1)} Eintrag/Einträge erforderlich."
        elif kind == "literal_error" and loc[-1] == "type":
            message = f"Unbekannter Feldtyp „{error.get('input')}“; erlaubt: {', '.join(FIELD_TYPES)}."
        elif kind == "string_pattern_mismatch" and loc[-1] == "id":
            message = (
                f"Ungültige ID „{error.get('input')}“: Kleinbuchstaben, Ziffern und _, beginnend mit einem Buchstaben."
            )
        problems.append((".".join(loc), message))
    return problems
