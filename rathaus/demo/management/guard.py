"""The demo commands refuse to run in production."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import CommandError


def refuse_in_production(message: str = "Demo-Daten werden nicht in eine Produktivumgebung geladen.") -> None:
    """Raise CommandError under the production settings. Overridden settings (``override_settings``, the test
    suite) have no SETTINGS_MODULE of their own; the environment still names the module then."""
    module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if module.endswith("production"):
        raise CommandError(message)
