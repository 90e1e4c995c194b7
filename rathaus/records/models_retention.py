"""Retention and disposal (Aussonderung): runs, their items, and the xdomea messages exchanged with the archive."""

from __future__ import annotations

import uuid as uuidlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned


class DisposalRun(TenantOwned):
    """One Aussonderung: the files whose retention ended, approved by a second person, then carried out."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Entwurf")
        APPROVED = "approved", _("freigegeben")
        OFFERED = "offered", _("dem Archiv angeboten")
        APPRAISED = "appraised", _("vom Archiv bewertet")
        TRANSFERRED = "transferred", _("an das Archiv übergeben")
        DONE = "done", _("abgeschlossen")

    uuid = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    # xdomea ProzessID: one per Aussonderung, the same in 0501, 0502, 0503 and 0506.
    process_id = models.UUIDField(default=uuidlib.uuid4, unique=True, editable=False)
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cutoff = models.DateField(_("Stichtag"))

    class Meta:
        verbose_name = _("Aussonderung")
        verbose_name_plural = _("Aussonderungen")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.cutoff} ({self.get_status_display()})"


class DisposalItem(TenantOwned):
    """One file of a run: what is to happen to it, what the archive decided, and what happened."""

    class Appraisal(models.TextChoices):
        NONE = "", _("offen")
        ARCHIVE = "A", _("archivwürdig")
        DESTROY = "V", _("vernichten")

    class Status(models.TextChoices):
        LISTED = "listed", _("vorgemerkt")
        DESTROYED = "destroyed", _("vernichtet")
        OFFERED = "offered", _("angeboten")
        APPRAISED = "appraised", _("bewertet")
        TRANSFERRED = "transferred", _("übergeben")
        ARCHIVED = "archived", _("vom Archiv übernommen")
        REFUSED = "refused", _("gesperrt (Löschsperre)")

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="items")
    file = models.ForeignKey("records.CaseFile", on_delete=models.PROTECT, related_name="+")
    disposal = models.CharField(max_length=1)  # the file's Aussonderungsart when listed (A/B/V)
    appraisal = models.CharField(max_length=1, choices=Appraisal, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status, default=Status.LISTED)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "file"], name="disposalitem_unique")]
        ordering = ["run", "pk"]


class ArchiveExchange(TenantOwned):
    """An xdomea message of a run, kept as sent or received (the record of the exchange with the archive)."""

    class Direction(models.TextChoices):
        OUT = "out", _("gesendet")
        IN = "in", _("empfangen")

    run = models.ForeignKey(DisposalRun, on_delete=models.PROTECT, related_name="exchanges")
    message_type = models.CharField(max_length=4)  # 0501, 0502, 0503, 0506
    direction = models.CharField(max_length=3, choices=Direction)
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    accepted = models.BooleanField(default=True)
    report = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["run", "created_at", "pk"]
