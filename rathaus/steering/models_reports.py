"""The half-yearly digitalisation report to the council's finance & digitalisation committee (issue 10).

A report covers one period (normally a half-year), holds the figures of that period **frozen** as JSON when it
is created (from steering's fact tables and its own models), the comparison with the tenant's previous issued
report, and one commentary per section of the default template. A draft's commentary is edited; an issued
report never changes again (its PDF is filed in the E-Akte) — a later report supersedes it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned


class ReportImmutable(Exception):
    """An issued report was about to change or be deleted: it is frozen for good."""


class Report(TenantOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        ISSUED = "issued", _("herausgegeben")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    title = models.CharField(_("Titel"), max_length=200)
    period_start = models.DateField(_("Berichtszeitraum von"))
    period_end = models.DateField(_("Berichtszeitraum bis"))  # inclusive
    status = models.CharField(_("Status"), max_length=10, choices=Status, default=Status.DRAFT)
    # {"version": 1, "computed_at": iso, "items": {key: {"label", "value", "unit"}}, "tables": {...}}
    figures = models.JSONField(default=dict)
    # The previous issued report of the tenant this one compares with (and supersedes once issued).
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("Vorbericht")
    )
    comparison = models.JSONField(default=list)  # [{"key", "label", "unit", "before", "now", "change"}]
    sections = models.JSONField(default=list)  # [{"key", "title", "commentary"}] in template order
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    pdf_sha256 = models.CharField(max_length=64, blank=True)  # blob in rathaus.attachments.storage once issued

    class Meta:
        verbose_name = _("Digitalisierungsbericht")
        verbose_name_plural = _("Digitalisierungsberichte")
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="steering_report_period_order"
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | (models.Q(issued_at__isnull=False) & ~models.Q(pdf_sha256="")),
                name="steering_report_issued_has_pdf",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_issued(self) -> bool:
        return self.status == self.Status.ISSUED

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The stored row decides, not this instance: a stale copy of an issued report cannot overwrite it.
        if self.pk is not None:
            stored = type(self).all_tenants.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == self.Status.ISSUED:
                raise ReportImmutable("Ein herausgegebener Bericht wird nicht mehr geändert.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        stored = type(self).all_tenants.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored == self.Status.ISSUED:
            raise ReportImmutable("Ein herausgegebener Bericht wird nicht gelöscht.")
        return super().delete(*args, **kwargs)
