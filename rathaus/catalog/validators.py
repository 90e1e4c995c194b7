"""LeiKa key and login-attribute validation."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from rathaus.identity.login_needs import ATTRIBUTE_GROUPS

_LEIKA = re.compile(r"^[0-9]{14}\Z")


def validate_leika_key(value: str) -> None:
    """A LeiKa Leistungsschlüssel has exactly 14 digits (Kennung, Leistungsobjekt, Verrichtung, Detail).

    Keys of the LeiKa catalogue itself start with 99; federal-state and municipal extensions use
    other prefixes, so only the length and digits are enforced, and an all-zero key is refused.
    """
    if not isinstance(value, str) or not _LEIKA.match(value):
        raise ValidationError(
            _("Der LeiKa-Schlüssel muss aus genau 14 Ziffern bestehen (z. B. 99115001000000)."),
            code="leika_format",
        )
    if set(value) == {"0"}:
        raise ValidationError(_("Der LeiKa-Schlüssel darf nicht nur aus Nullen bestehen."), code="leika_zero")


def validate_login_attributes(value: object) -> None:
    """A list of known attribute groups (``identity.login_needs.ATTRIBUTE_GROUPS``), each once."""
    if not isinstance(value, list) or any(not isinstance(v, str) or v not in ATTRIBUTE_GROUPS for v in value):
        raise ValidationError(
            _("Bitte nur diese Angaben wählen: %(groups)s.") % {"groups": ", ".join(ATTRIBUTE_GROUPS)},
            code="login_attributes",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("Jede Angabe bitte nur einmal."), code="login_attributes_twice")
