"""Trust levels (Vertrauensniveau) after eIDAS / TR-03107: niedrig < substanziell < hoch."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustLevel(models.TextChoices):
    NONE = "none", _("keine Anmeldung nötig")
    LOW = "low", _("niedrig")
    SUBSTANTIAL = "substantial", _("substanziell")
    HIGH = "high", _("hoch")


_RANK = {TrustLevel.NONE: 0, TrustLevel.LOW: 1, TrustLevel.SUBSTANTIAL: 2, TrustLevel.HIGH: 3}


def rank(level: str | None) -> int:
    return _RANK.get(TrustLevel(level), 0) if level in TrustLevel.values else 0


def satisfies(actual: str | None, required: str) -> bool:
    return rank(actual) >= rank(required)


SESSION_KEY = "rathaus_trust_level"
