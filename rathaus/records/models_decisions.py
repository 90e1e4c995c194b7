"""Decisions (Bescheide) and their templates: drafted, approved where the template demands it, sealed.

A sealed decision is never changed again (``Decision.save`` refuses once the stored row is sealed); it can
only be superseded by a new decision that names it in ``supersedes``.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

from .immutable import ImmutableRow


class DecisionTemplate(TenantOwned):
    """A decision template of a service (LeiKa key; empty = every service), with the legal remedy notice."""

    service_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True)
    title = models.CharField(_("Titel"), max_length=200)
    body = models.TextField(_("Text (mit Platzhaltern)"))
    remedy_notice = models.TextField(_("Rechtsbehelfsbelehrung"))
    four_eyes = models.BooleanField(_("Zweite Person muss freigeben (Vier-Augen-Prinzip)"), default=False)
    fee_amount = models.DecimalField(_("Gebühr (€)"), max_digits=9, decimal_places=2, default=Decimal("0"))
    fee_label = models.CharField(_("Gebühr für"), max_length=140, blank=True)
    active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Bescheidvorlage")
        verbose_name_plural = _("Bescheidvorlagen")
        ordering = ["service_key", "title"]

    def __str__(self) -> str:
        return self.title


class Decision(TenantOwned):
    """A decision (Bescheid) of a case: draft → submitted → (approved) → sealed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        SUBMITTED = "submitted", _("zur Freigabe vorgelegt")
        APPROVED = "approved", _("freigegeben")
        SEALED = "sealed", _("gesiegelt und zugestellt")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("records.Case", on_delete=models.PROTECT, related_name="decisions")
    template = models.ForeignKey(DecisionTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reference = models.CharField(_("Bescheidnummer"), max_length=100)
    title = models.CharField(_("Titel"), max_length=200)
    body = models.TextField(_("Text"))
    remedy_notice = models.TextField(_("Rechtsbehelfsbelehrung"))
    four_eyes = models.BooleanField(default=False)
    fee_amount = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"))
    fee_label = models.CharField(max_length=140, blank=True)
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_plugin = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)  # of the sealed PDF
    document = models.ForeignKey("records.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payment_reference = models.CharField(max_length=40, blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        verbose_name = _("Bescheid")
        verbose_name_plural = _("Bescheide")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["tenant", "reference"], name="decision_reference_unique")]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and type(self).objects.unscoped().filter(pk=self.pk, status=self.Status.SEALED).exists():
            raise ImmutableRow("a sealed decision is never changed; supersede it with a new one")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.status == self.Status.SEALED:
            raise ImmutableRow("a sealed decision is never deleted")
        return super().delete(*args, **kwargs)
