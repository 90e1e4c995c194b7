"""Small template helpers shared by all apps."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def when(value: dt.datetime | None) -> str:
    """A point in time for people: German "23.11.2026, 21:30 Uhr", English "23.11.2026, 21:30"."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return _("%(date)s, %(time)s Uhr") % {"date": local.strftime("%d.%m.%Y"), "time": local.strftime("%H:%M")}
