"""Figures steering keeps beyond the first fact tables (issue 10): other channels entered by hand, logins by
trust level, E-Akte coverage.

``ChannelCount`` is typed in or imported by the digitalisation unit (cases received on paper, in person, by
e-mail, by phone per service and month) until incoming mail and counters feed the figures themselves. The
other tables are fed by durable events only (``consumers.py``), one row per event subject, so a replayed
event writes the same row again and changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

CHANNELS = ("paper", "in_person", "email", "phone")


class ChannelCount(TenantOwned):
    """Cases of one service (LeiKa key) or one process of the catalog in one month on the other channels.

    Exactly one of ``service`` and ``process`` names what was counted; ``month`` is the first of the month.
    """

    service = models.CharField(_("Leistung (LeiKa-Schlüssel)"), max_length=40, blank=True)
    process = models.ForeignKey(
        "steering.Process", on_delete=models.CASCADE, null=True, blank=True, related_name="channel_counts"
    )
    month = models.DateField(_("Monat"))
    paper = models.PositiveIntegerField(_("Papier/Post"), default=0)
    in_person = models.PositiveIntegerField(_("persönlich"), default=0)
    email = models.PositiveIntegerField(_("E-Mail"), default=0)
    phone = models.PositiveIntegerField(_("Telefon"), default=0)
    source = models.CharField(max_length=10, default="form")  # "form" or "import"
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month", "service", "process_id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(service="") & Q(process__isnull=False)) | (~Q(service="") & Q(process__isnull=True)),
                name="steering_channel_service_xor_process",
            ),
            models.UniqueConstraint(
                fields=["tenant", "service", "month"], condition=~Q(service=""), name="steering_channel_service_month"
            ),
            models.UniqueConstraint(
                fields=["tenant", "process", "month"],
                condition=Q(process__isnull=False),
                name="steering_channel_process_month",
            ),
        ]

    @property
    def total(self) -> int:
        return self.paper + self.in_person + self.email + self.phone


class LoginFact(TenantOwned):
    """One successful citizen login (from ``identity.login``): when, which trust level, which way; no person."""

    event = models.BigIntegerField()  # the event's id: a replay finds its row
    at = models.DateTimeField()
    kind = models.CharField(max_length=20)  # "citizen", "business"
    trust_level = models.CharField(max_length=20)
    source = models.CharField(max_length=40)  # "password", the OIDC or SAML provider's key

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "event"], name="steering_loginfact_event")]
        indexes = [models.Index(fields=["tenant", "at"], name="steering_loginfact_at")]


class CaseFact(TenantOwned):
    """A case opened in the E-Akte (``case.opened``): its unit, service and, if any, application."""

    case = models.CharField(max_length=80)  # the case's reference
    unit = models.CharField(max_length=30)  # the owning OrgUnit's key
    service = models.CharField(max_length=40, blank=True)
    application_number = models.CharField(max_length=40, blank=True)
    opened_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "case"], name="steering_casefact_case")]
        indexes = [models.Index(fields=["tenant", "opened_at"], name="steering_casefact_opened")]


class DocumentFact(TenantOwned):
    """A document filed electronically in the E-Akte (``document.filed``): its unit, kind and who filed it.

    ``staff`` is the filing member of staff's account id (empty when the system filed it): counted as "staff
    working in files", never shown or exported one by one.
    """

    document = models.UUIDField()
    unit = models.CharField(max_length=30)
    kind = models.CharField(max_length=20)
    staff = models.BigIntegerField(null=True, blank=True)
    filed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "document"], name="steering_docfact_document")]
        indexes = [models.Index(fields=["tenant", "filed_at"], name="steering_docfact_filed")]
