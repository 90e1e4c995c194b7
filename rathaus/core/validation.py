"""German messages for pydantic validation errors (import rows and API bodies)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

_MESSAGES: dict[str, str] = {
    "missing": "Pflichtangabe fehlt.",
    "string_too_short": "Darf nicht leer sein.",
    "string_too_long": "Ist zu lang (höchstens {max_length} Zeichen).",
    "string_pattern_mismatch": "Hat nicht das erwartete Format.",
    "string_type": "Muss ein Text sein.",
    "int_parsing": "Muss eine ganze Zahl sein.",
    "int_type": "Muss eine ganze Zahl sein.",
    "int_from_float": "Muss eine ganze Zahl sein.",
    "bool_parsing": "Muss ja oder nein sein.",
    "bool_type": "Muss ja oder nein sein.",
    "float_parsing": "Muss eine Zahl sein.",
    "float_type": "Muss eine Zahl sein.",
    "greater_than": "Muss größer als {gt} sein.",
    "less_than": "Muss kleiner als {lt} sein.",
    "greater_than_equal": "Muss mindestens {ge} sein.",
    "less_than_equal": "Darf höchstens {le} sein.",
    "decimal_parsing": "Muss ein Betrag sein (z. B. 12.50).",
    "decimal_type": "Muss ein Betrag sein (z. B. 12.50).",
    "decimal_max_places": "Höchstens {decimal_places} Nachkommastellen.",
    "decimal_max_digits": "Der Betrag ist zu groß.",
    "literal_error": "Ungültiger Wert; erlaubt: {expected}.",
    "list_type": "Muss eine Liste sein.",
    "dict_type": "Muss ein Objekt sein.",
    "model_type": "Muss ein Objekt sein.",
    "extra_forbidden": "Unbekanntes Feld.",
    "json_invalid": "Kein gültiges JSON.",
}


def german_errors(errors: list[Any]) -> list[dict[str, str]]:
    """[{field, message}] for pydantic's ``errors()`` list, with German messages."""
    out = []
    for error in errors:
        kind = error.get("type", "")
        ctx = error.get("ctx") or {}
        if kind == "value_error":
            message = str(ctx.get("error", error.get("msg", "")))
        elif kind in _MESSAGES:
            try:
                message = _(_MESSAGES[kind]).format(**{k: str(v) for k, v in ctx.items()})
            except (KeyError, IndexError):
                message = _(_MESSAGES[kind])
        else:
            message = str(error.get("msg", kind))
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        out.append({"field": ".".join(loc), "message": message})
    return out
