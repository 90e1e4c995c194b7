"""FIM material of a municipality: code lists (genericode) and form imports waiting for review.

A :class:`CodeList` is one version of one code list (canonical URI + version), stored once and never changed:
a new version of the list is a new row. Form schemas reference code lists by exactly this pair.

A :class:`FormImport` is an uploaded form (FIM XDatenfelder schema or Rathaus JSON) before it is published:
the definition it became, the notes of the importer, the code lists it still misses and the source itself, so
the import can be repeated when the missing code lists arrive. Publishing turns it into the service's next
:class:`~rathaus.applications.models.FormVersion`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned


class CodeList(TenantOwned):
    """One version of a code list: (code, label) entries in their published order. Immutable once stored."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    canonical_uri = models.CharField(_("Kennung (Canonical URI)"), max_length=300)
    version = models.CharField(_("Version"), max_length=100, blank=True)
    name = models.CharField(_("Name"), max_length=300, blank=True)
    entries = models.JSONField(_("Einträge"))  # [[code, label], …]
    source_name = models.CharField(_("Datei"), max_length=300, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Codeliste")
        verbose_name_plural = _("Codelisten")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "canonical_uri", "version"], name="codelist_version_unique")
        ]
        indexes = [models.Index(fields=["tenant", "canonical_uri", "uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.canonical_uri} {self.version}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and CodeList.all_tenants.filter(pk=self.pk).exists():
            raise ValidationError(_("Eine gespeicherte Codeliste wird nicht geändert; laden Sie eine neue Version."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError(_("Eine gespeicherte Codeliste wird nicht gelöscht."))


class FormImport(TenantOwned):
    """An imported form waiting for review; published once, then kept as the record of that review."""

    class State(models.TextChoices):
        PENDING = "pending", _("zur Prüfung")
        PUBLISHED = "published", _("veröffentlicht")
        DISCARDED = "discarded", _("verworfen")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("Stand"), max_length=20, choices=State, default=State.PENDING)
    source = models.BinaryField(_("Quelldatei"))
    source_name = models.CharField(_("Datei"), max_length=300, blank=True)
    source_kind = models.CharField(max_length=20)  # "xdatenfelder" | "json"
    fim_id = models.CharField(_("FIM-Kennung"), max_length=40, blank=True)
    definition = models.JSONField(_("Formulardefinition"))
    # German notes of the importer; each {"kind": translated|approximated|dropped|note, "text", "fim_id"}
    report = models.JSONField(default=list, blank=True)
    # Code lists referenced but not stored: [{"uri", "version", "fields": [fim ids or field ids]}]
    missing_codelists = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)  # definition errors: publishing is refused
    base_version = models.ForeignKey(
        "applications.FormVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_version = models.ForeignKey(
        "applications.FormVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Formularimport")
        verbose_name_plural = _("Formularimporte")
        indexes = [models.Index(fields=["tenant", "state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.service_id} {self.source_name}"
