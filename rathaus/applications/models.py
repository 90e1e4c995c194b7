"""Online applications: the form version a service uses, drafts, submitted applications and their history.

A submitted :class:`Application` is the durable record: answers, attachments (content-addressed blobs),
status, fees and payment state are written in one transaction. Drafts live until they are submitted or expire.
The messages between applicant and office are in the citizen mailbox (rathaus.mailbox), in the thread of
:attr:`Application.mailbox_reference`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus import formengine
from rathaus.core.tenancy import TenantOwned

_PARSED: dict[tuple[int, Any], Any] = {}


class FormVersion(TenantOwned):
    """One version of a service's online form. Published versions never change; a change is a new version."""

    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="form_versions")
    version = models.PositiveIntegerField(_("Version"))
    definition = models.JSONField(_("Formulardefinition"))
    published_at = models.DateTimeField(_("veröffentlicht am"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Formularversion")
        verbose_name_plural = _("Formularversionen")
        constraints = [models.UniqueConstraint(fields=["service", "version"], name="formversion_unique")]

    def __str__(self) -> str:
        return f"{self.service_id} v{self.version}"

    def parsed(self) -> Any:
        """The definition as form-engine objects; published versions never change, so each is parsed once."""
        if self.published_at is None or self.pk is None:
            return formengine.parse_definition(self.definition)
        key = (self.pk, self.created_at)  # primary keys repeat after a rolled-back test; the timestamp does not
        found = _PARSED.get(key)
        if found is None:
            found = formengine.parse_definition(self.definition)
            if len(_PARSED) >= 512:
                _PARSED.clear()
            _PARSED[key] = found
        return found

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk:
            stored = FormVersion.all_tenants.filter(pk=self.pk).values("definition", "published_at").first()
            if stored and stored["published_at"] and stored["definition"] != self.definition:
                raise ValidationError(_("Eine veröffentlichte Formularversion wird nicht geändert."))
        super().save(*args, **kwargs)


def _draft_expiry() -> Any:
    return timezone.now() + timedelta(days=settings.RATHAUS_DRAFT_DAYS)


class Draft(TenantOwned):
    """An application in progress, kept on the server so it can be resumed on another device."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Who started it; the draft is theirs alone, unless it is an organisation's (then every representative's).
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="drafts"
    )
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="drafts")
    answers = models.JSONField(default=dict, blank=True)
    # field path → file reference ({key, name, sha256, size, content_type}) of an already checked upload
    files = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField(default=_draft_expiry, db_index=True)

    class Meta:
        verbose_name = _("Entwurf")
        verbose_name_plural = _("Entwürfe")

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def resume_step(self) -> str:
        """Where the citizen continues: the saved step, else the form's first step."""
        steps = [str(s.id) for s in self.form_version.parsed().steps]
        return self.step if self.step in steps else steps[0]


class Application(TenantOwned):
    """A submitted application. Its number is what the citizen and the department talk about."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Eingegangen")
        IN_PROGRESS = "in_progress", _("In Bearbeitung")
        NEEDS_INPUT = "needs_input", _("Rückfrage")
        DECIDED = "decided", _("Entschieden")
        WITHDRAWN = "withdrawn", _("Zurückgezogen")
        CLOSED = "closed", _("Abgeschlossen")

    class PaymentState(models.TextChoices):
        NOT_REQUIRED = "not_required", _("Keine Gebühr")
        OPEN = "open", _("Offen")
        PAID = "paid", _("Bezahlt")
        FAILED = "failed", _("Fehlgeschlagen")

    number = models.CharField(_("Antragsnummer"), max_length=30)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    draft_uuid = models.UUIDField(unique=True, editable=False)  # idempotency: one draft → one application
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="applications")
    org_unit = models.ForeignKey("tenants.OrgUnit", on_delete=models.PROTECT, related_name="applications")
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="applications")
    # The person who submitted it: the applicant, or for an organisation the acting person (representative).
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "identity.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("antragstellende Organisation"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("begonnen von"),
    )
    trust_level = models.CharField(_("Vertrauensniveau der Anmeldung"), max_length=20)
    answers = models.JSONField()
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.SUBMITTED)
    fee_lines = models.JSONField(default=list, blank=True)
    fee_total = models.DecimalField(_("Gebühr"), max_digits=10, decimal_places=2, default=0)
    payment_state = models.CharField(
        _("Zahlung"), max_length=20, choices=PaymentState, default=PaymentState.NOT_REQUIRED
    )
    payment_required_first = models.BooleanField(default=False)
    forwarded_at = models.DateTimeField(_("weitergeleitet am"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("eingereicht am"))

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        constraints = [models.UniqueConstraint(fields=["tenant", "number"], name="application_number_unique")]
        indexes = [models.Index(fields=["tenant", "org_unit", "submitted_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def mailbox_reference(self) -> str:
        """The application's thread in the citizen mailbox (rathaus.mailbox) is keyed by this string."""
        return mailbox_reference(self.number)


# The messages about an application live in the citizen mailbox, in the thread "application:<number>".
MAILBOX_KIND = "application"


def mailbox_reference(number: str) -> str:
    return f"{MAILBOX_KIND}:{number}"


class Attachment(TenantOwned):
    """A file of a submitted application; the bytes live in content-addressed storage under ``key``."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    field = models.CharField(max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    key = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("Anlage")
        verbose_name_plural = _("Anlagen")

    def __str__(self) -> str:
        return self.name


class StatusEvent(TenantOwned):
    """Append-only status history of an application, shown to the citizen."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Application.Status)
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


class NumberSequence(TenantOwned):
    """The last application number handed out per municipality and year (row-locked while counting)."""

    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "year"], name="numbersequence_unique")]


# FIM code lists and form imports under review (own module; imported here so Django registers them).
from .fim_models import CodeList, FormImport  # noqa: E402, F401


class TargetGroup(models.TextChoices):
    """Who may apply online for a service (Zielgruppe): persons, businesses and organisations, or both."""

    EVERYONE = "everyone", _("Privatpersonen, Unternehmen und Organisationen")
    PERSONS = "persons", _("nur Privatpersonen")
    ORGANISATIONS = "organisations", _("nur Unternehmen und Organisationen")


class OnlineApplicants(TenantOwned):
    """Who may apply online for a service; a service without this row is open to everyone.

    Organisations apply through a business login (Mein Unternehmenskonto) and act for the organisation;
    persons apply for themselves. (Kept beside the online form, not in the catalog, until the catalog has a
    target-group field of its own.)
    """

    service = models.OneToOneField(
        "catalog.Service", on_delete=models.CASCADE, related_name="online_applicants", verbose_name=_("Leistung")
    )
    target_group = models.CharField(
        _("Wer online beantragen darf"), max_length=20, choices=TargetGroup, default=TargetGroup.EVERYONE
    )

    class Meta:
        verbose_name = _("Zielgruppe des Online-Antrags")
        verbose_name_plural = _("Zielgruppen der Online-Anträge")

    def __str__(self) -> str:
        return f"{self.service_id}: {self.target_group}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.tenant_id = self.service.tenant_id  # always the service's municipality
        super().save(*args, **kwargs)
