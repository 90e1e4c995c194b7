"""Template helpers of the E-Akte: journal actions said in German for the case history."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

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
