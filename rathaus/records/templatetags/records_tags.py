"""Template helpers of the E-Akte: journal actions said in German for the case history; the dashboard tile."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from rathaus.identity.permissions import RECORDS, has_role

from .. import queues

register = template.Library()

ACTIONS = {
    "case.opened": _("Vorgang angelegt"),
    "case.read": _("Vorgang geöffnet"),
    "case.assigned": _("Zuständigkeit geändert"),
    "case.dates_set": _("Frist/Wiedervorlage gesetzt"),
    "case.note_added": _("Vermerk geschrieben"),
    "case.document_added": _("Dokument hinzugefügt"),
    "case.handed_over": _("an andere Einheit abgegeben"),
    "case.status_changed": _("Status geändert"),
    "case.documents_requested": _("Unterlagen nachgefordert"),
    "case.message_filed": _("Antwort der antragstellenden Person abgelegt"),
    "document.read": _("Dokument gelesen"),
    "document.version.added": _("Dokumentversion abgelegt"),
}


@register.filter
def action_label(action: object) -> str:
    """The German name of a journal action; an unknown action is shown as it is recorded."""
    return str(ACTIONS.get(str(action), action))


@register.inclusion_tag("records/_dashboard_tile.html", takes_context=True)
def records_tile(context: template.Context) -> dict[str, Any]:
    """The work area's tile on the staff dashboard: my open cases and the resubmissions due, one query.

    Shown only to staff who may work in the E-Akte (``permissions.RECORDS``); everyone else gets nothing.
    The dashboard lives in ``identity``, below ``records``, so it asks for the tile by template tag.
    """
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or user is None or not has_role(user, tenant, *RECORDS):
        return {"show": False}
    return {"show": True, "counts": queues.counts(user, tenant)}
