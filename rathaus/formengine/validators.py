"""German field validators: each cleans one raw value or raises FieldInvalid with a German message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from rathaus.core import text

from .conditions import resolve_date
from .definition import ADDRESS_PARTS, Field

# ISO 13616 lengths of the countries citizens of a German town most often bank in; others: 15–34.
IBAN_LENGTHS = {
    "DE": 22, "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LI": 21, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "TR": 26,
}  # fmt: skip
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()/\-.]+$")
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
TEXT_MAX = 500
TEXTAREA_MAX = 10_000


class FieldInvalid(ValueError):
    """One field's value is not acceptable; ``messages`` are German and meant for the citizen."""

    def __init__(self, *messages: str) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def german_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# --- IBAN ------------------------------------------------------------------------------------------


def normalize_iban(value: str) -> str:
    return re.sub(r"\s+", "", value).upper()


def iban_checksum_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10 over the rearranged IBAN (letters A=10 … Z=35)."""
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def is_valid_iban(value: str) -> bool:
    iban = normalize_iban(value)
    if not _IBAN_SHAPE.match(iban):
        return False
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    return iban_checksum_ok(iban)


def clean_iban(raw: Any) -> str:
    iban = normalize_iban(_text(raw))
    if not _IBAN_SHAPE.match(iban):
        raise FieldInvalid(_("Bitte geben Sie eine IBAN an, z. B. DE89 3704 0044 0532 0130 00."))
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        if iban[:2] == "DE":
            raise FieldInvalid(_("Eine deutsche IBAN hat 22 Zeichen. Bitte prüfen Sie Ihre Eingabe."))
        raise FieldInvalid(
            _("Eine IBAN aus diesem Land hat %(n)d Zeichen. Bitte prüfen Sie Ihre Eingabe.") % {"n": expected}
        )
    if not iban_checksum_ok(iban):
        raise FieldInvalid(_("Die Prüfziffer der IBAN stimmt nicht. Bitte prüfen Sie Ihre Eingabe."))
    return iban


# --- other types -----------------------------------------------------------------------------------


def _text(raw: Any, *, multiline: bool = False) -> str:
    """Every typed value of every field type passes here: the one text cleaning of the house (core.text)."""
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float, Decimal)):
        raise FieldInvalid(_("Bitte geben Sie einen Text an."))
    try:
        return text.clean_text(str(raw), multiline=multiline)
    except text.TextRefused as exc:
        raise FieldInvalid(exc.message) from None


def clean_text(field: Field, raw: Any) -> str:
    value = _text(raw, multiline=field.type == "textarea")
    limit = field.max_length or (TEXTAREA_MAX if field.type == "textarea" else TEXT_MAX)
    if len(value) > limit:
        raise FieldInvalid(
            _("Bitte geben Sie höchstens %(n)d Zeichen an (jetzt: %(m)d).") % {"n": limit, "m": len(value)}
        )
    if field.min_length and len(value) < field.min_length:
        raise FieldInvalid(_("Bitte geben Sie mindestens %(n)d Zeichen an.") % {"n": field.min_length})
    pattern = field.compiled_pattern
    if pattern is not None and not pattern.fullmatch(value):
        raise FieldInvalid(field.pattern_message or _("Die Eingabe hat nicht das erwartete Format."))
    return value


def format_number(value: Any) -> str:
    """German display: 1.234,5."""
    number = Decimal(str(value))
    text = f"{number:,f}" if number != number.to_integral_value() else f"{int(number):,d}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def clean_number(field: Field, raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise FieldInvalid(_("Bitte geben Sie eine Zahl an."))
    if isinstance(raw, (int, float, Decimal)):
        text = str(raw)
    else:
        text = _text(raw).replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise FieldInvalid(_("Bitte geben Sie eine Zahl an, z. B. 3 oder 2,5.")) from None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        raise FieldInvalid(_("Bitte geben Sie eine Zahl an, z. B. 3 oder 2,5."))
    places = field.decimals or 0
    if number != number.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise FieldInvalid(_("Bitte geben Sie eine ganze Zahl an."))
        raise FieldInvalid(_("Bitte geben Sie höchstens %(n)d Nachkommastellen an.") % {"n": places})
    too_small = field.min is not None and number < Decimal(str(field.min))
    too_large = field.max is not None and number > Decimal(str(field.max))
    if (too_small or too_large) and field.min is not None and field.max is not None:
        raise FieldInvalid(
            _("Bitte geben Sie eine Zahl von %(min)s bis %(max)s an.")
            % {"min": format_number(field.min), "max": format_number(field.max)}
        )
    if too_small:
        raise FieldInvalid(_("Bitte geben Sie eine Zahl ab %(min)s an.") % {"min": format_number(field.min)})
    if too_large:
        raise FieldInvalid(_("Bitte geben Sie eine Zahl bis %(max)s an.") % {"max": format_number(field.max)})
    return int(number) if places == 0 else float(number)


def parse_date_input(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    text = _text(raw)
    german = _GERMAN_DATE.match(text)
    try:
        if german:
            day, month, year = (int(part) for part in german.groups())
            parsed = date(year, month, day)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        raise FieldInvalid(_("Bitte geben Sie ein gültiges Datum an, z. B. 31.01.2026.")) from None
    if not 1800 <= parsed.year <= 2200 or len(text) > 10:
        raise FieldInvalid(_("Bitte geben Sie ein gültiges Datum an, z. B. 31.01.2026."))
    return parsed


def clean_date(field: Field, raw: Any, today: date) -> str:
    value = parse_date_input(raw)
    if field.date_min is not None:
        earliest = resolve_date(field.date_min, today)
        if value < earliest:
            raise FieldInvalid(_("Bitte geben Sie ein Datum ab dem %(d)s an.") % {"d": german_date(earliest)})
    if field.date_max is not None:
        latest = resolve_date(field.date_max, today)
        if value > latest:
            raise FieldInvalid(_("Bitte geben Sie ein Datum bis zum %(d)s an.") % {"d": german_date(latest)})
    return value.isoformat()


def clean_choice(field: Field, raw: Any) -> str:
    allowed = {c.value for c in field.choices or ()}
    value = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
    if value not in allowed:
        raise FieldInvalid(_("Bitte wählen Sie eine der angebotenen Möglichkeiten."))
    return value


def clean_multichoice(field: Field, raw: Any) -> list[str]:
    items = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    chosen = {clean_choice(field, item) for item in items if item not in (None, "")}
    ordered = [c.value for c in field.choices or () if c.value in chosen]
    if field.min is not None and len(ordered) < field.min:
        raise FieldInvalid(_("Bitte wählen Sie mindestens %(n)d Möglichkeiten aus.") % {"n": int(field.min)})
    if field.max is not None and len(ordered) > field.max:
        raise FieldInvalid(_("Bitte wählen Sie höchstens %(n)d Möglichkeiten aus.") % {"n": int(field.max)})
    return ordered


def clean_yesno(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("ja", "true", "1"):
        return True
    if text in ("nein", "false", "0"):
        return False
    raise FieldInvalid(_("Bitte wählen Sie „Ja“ oder „Nein“."))


def clean_email(raw: Any) -> str:
    value = _text(raw)
    try:
        validate_email(value)
    except DjangoValidationError:
        raise FieldInvalid(_("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@example.de.")) from None
    return value


def clean_phone(raw: Any) -> str:
    value = re.sub(r"\s+", " ", _text(raw))
    digits = re.sub(r"\D", "", value)
    if not _PHONE_CHARS.match(value) or not value.lstrip("(").startswith(("+", "0")) or not 6 <= len(digits) <= 15:
        raise FieldInvalid(_("Bitte geben Sie eine gültige Telefonnummer an, z. B. 0211 123456 oder +49 211 123456."))
    return value


def address_problems(parts: Mapping[str, str]) -> dict[str, str]:
    """Per part of an address (street, house_number, postal_code, city): a German message, if any."""
    problems: dict[str, str] = {}
    if not parts.get("street"):
        problems["street"] = _("Bitte geben Sie die Straße an.")
    elif len(parts["street"]) > 100:
        problems["street"] = _("Der Straßenname ist zu lang (höchstens 100 Zeichen).")
    if len(parts.get("house_number", "")) > 11:
        problems["house_number"] = _("Die Hausnummer ist zu lang (höchstens 11 Zeichen).")
    if not _POSTAL_CODE.match(parts.get("postal_code", "")):
        problems["postal_code"] = _("Bitte geben Sie die Postleitzahl mit 5 Ziffern an, z. B. 40210.")
    if not parts.get("city"):
        problems["city"] = _("Bitte geben Sie den Ort an.")
    elif len(parts["city"]) > 100:
        problems["city"] = _("Der Ortsname ist zu lang (höchstens 100 Zeichen).")
    return problems


def address_parts(raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        return {}
    out = {}
    for part in ADDRESS_PARTS:
        value = raw.get(part)
        if value not in (None, ""):
            out[part] = _text(value)
    return out


def clean_address(raw: Any) -> dict[str, str]:
    parts = address_parts(raw)
    problems = address_problems(parts)
    if problems:
        raise FieldInvalid(*[problems[p] for p in ADDRESS_PARTS if p in problems])
    return parts


def is_postal_code(value: str) -> bool:
    return bool(_POSTAL_CODE.match(value))
