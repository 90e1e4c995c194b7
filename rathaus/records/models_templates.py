"""Document templates (Vorlagen) of a municipality: letters such as Anhörungsschreiben, Eingangsbestätigung or
Nachforderung, with placeholders filled from the case and filed as a PDF/A document (``document_templates.py``).

The text is the municipality's, typed by its records administration: it is never run through a template
engine, only through a one-pass substitution of known ``{{ platzhalter }}`` names.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned


class DocumentTemplate(TenantOwned):
    """A letter template of one service (LeiKa key; empty = every service)."""

    class Kind(models.TextChoices):
        # The document kinds a template may make (a subset of records.Document.Kind).
        OUTGOING = "outgoing", _("Schreiben")
        NOTE = "note", _("Vermerk")

    title = models.CharField(_("Titel"), max_length=200)
    kind = models.CharField(_("Art des Dokuments"), max_length=20, choices=Kind, default=Kind.OUTGOING)
    service_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True)
    body = models.TextField(_("Text (mit Platzhaltern)"))
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Dokumentvorlage")
        verbose_name_plural = _("Dokumentvorlagen")
        ordering = ["title", "pk"]
        constraints = [models.UniqueConstraint(fields=["tenant", "title"], name="documenttemplate_title_unique")]

    def __str__(self) -> str:
        return self.title
