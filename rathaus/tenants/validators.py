"""Validators for official keys of German municipalities."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

_AGS = re.compile(r"^[0-9]{8}\Z")


def validate_ags(value: str) -> None:
    """Amtlicher Gemeindeschlüssel: 8 digits = Land (01–16), Regierungsbezirk, Kreis (2), Gemeinde (3)."""
    if not isinstance(value, str) or not _AGS.match(value):
        raise ValidationError(
            _("Der Amtliche Gemeindeschlüssel muss aus genau 8 Ziffern bestehen (z. B. 05316000)."),
            code="ags_format",
        )
    land = int(value[:2])
    if not 1 <= land <= 16:
        raise ValidationError(
            _("Die ersten beiden Ziffern des Gemeindeschlüssels müssen ein Land bezeichnen (01 bis 16)."),
            code="ags_land",
        )
    if value[5:] == "000" and value[2:5] == "000" and land not in (2, 11):
        # Only the city states Hamburg (02) and Berlin (11) are a municipality on Land level.
        raise ValidationError(_("Der Gemeindeschlüssel bezeichnet ein Land, keine Gemeinde."), code="ags_level")


_HOST = re.compile(r"^(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\Z")


def validate_host(value: str) -> None:
    if not _HOST.match(value or ""):
        raise ValidationError(
            _("»%(value)s« ist kein gültiger Hostname (nur Kleinbuchstaben, Ziffern, Punkte, Bindestriche)."),
            params={"value": value},
            code="host",
        )


LOGO_MAX_BYTES = 512 * 1024
_IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"RIFF": "webp"}


def validate_logo(file: File) -> None:
    """Logos are PNG, JPEG or WebP up to 512 KB, recognised by content; SVG could carry script."""
    if file.size is not None and file.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Das Logo darf höchstens 512 KB groß sein."), code="logo_size")
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(12)
    file.seek(position)
    kind = next((k for sig, k in _IMAGE_SIGNATURES.items() if head.startswith(sig)), None)
    if kind is None or (kind == "webp" and head[8:12] != b"WEBP"):
        raise ValidationError(_("Das Logo muss eine PNG-, JPEG- oder WebP-Datei sein."), code="logo_type")
