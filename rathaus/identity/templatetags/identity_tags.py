"""Template helpers of identity: the staff area's navigation, and trust levels said in plain words.

Citizens do not know »Vertrauensniveau substanziell«; they know how they log in. ``login_words`` says what a
trust level asks of them (``{{ service.trust_level|login_words }}`` → "mit ELSTER-Zertifikat oder
Online-Ausweis"), in every citizen and staff view, instead of the level's name or its raw value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rathaus.identity import permissions
from rathaus.identity.trust import TrustLevel

register = template.Library()

# How a citizen logs in at each level (STORK-QAA 1 = user name and password, 3 = ELSTER certificate, 4 = eID).
LOGIN_WORDS: dict[str, Any] = {
    TrustLevel.NONE: _("ohne Anmeldung"),
    TrustLevel.LOW: _("mit Benutzername und Passwort"),
    TrustLevel.SUBSTANTIAL: _("mit ELSTER-Zertifikat oder Online-Ausweis"),
    TrustLevel.HIGH: _("mit Online-Ausweis (eID)"),
}


@register.filter
def login_words(level: object) -> str:
    """How one logs in at ``level`` ("mit Online-Ausweis (eID)"); an unknown value says so, never shows itself."""
    if isinstance(level, str) and level in TrustLevel.values:
        return str(LOGIN_WORDS[TrustLevel(level)])
    return str(_("unbekannt"))


# The parts of the internal area, in the order of the navigation, each shown to those who may work there
# (``permissions.AREAS``; ``None``: every staff member).
STAFF_AREAS: tuple[tuple[str | None, str, Any], ...] = (
    (None, "staff:dashboard", _("Übersicht")),
    ("office", "office:inbox", _("Anträge")),
    ("records", "records:queue", _("Akten")),
    ("treasury", "treasury:reconciliation", _("Stadtkasse")),
    ("catalog", "catalog:admin", _("Leistungskatalog")),
    ("catalog", "forms_admin:list", _("Online-Formulare")),
    ("steering", "steering:processes", _("Steuerung")),
    ("administration", "integrations:overview", _("Anbindungen")),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


@register.simple_tag(takes_context=True)
def staff_navigation(context: template.Context) -> list[NavItem]:
    """The staff member's navigation: the areas they may use, the one the page belongs to marked current.

    Empty before the second factor is done (login pages), for citizens and for anonymous visitors.
    """
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if request is None or tenant is None or user is None or not getattr(user, "is_employee", False):
        return []
    if not user.is_authenticated or not getattr(user, "is_verified", lambda: False)():
        return []
    areas = permissions.areas_of(user, tenant)
    links = [(str(label), reverse(name)) for area, name, label in STAFF_AREAS if area is None or areas.get(area)]
    home = reverse("staff:dashboard")
    # The page belongs to the longest link its path starts with; the overview only to itself.
    matching = [url for _label, url in links if request.path == url or (url != home and request.path.startswith(url))]
    current = max(matching, key=len, default=None)
    return [NavItem(label=label, url=url, current=url == current) for label, url in links]
