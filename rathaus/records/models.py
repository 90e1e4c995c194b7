"""The electronic file (E-Akte): file plan → Akte → Vorgang → Dokument → versions, and the audit journal.

Content is immutable and content-addressed: a document's bytes live in the blob storage under their
SHA-256 (``rathaus.attachments.storage``); a change is a new :class:`DocumentVersion`, and no version row is
ever updated or deleted except by a disposal (retention), which leaves a tombstone. Every read and write of
files, cases and documents is journaled in :class:`JournalEntry`, a hash chain per municipality
(``journal.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.tenancy import TenantOwned

from .immutable import ImmutableRow


class Disposal(models.TextChoices):
    """xdomea Aussonderungsart: what happens to a file when its retention period has ended."""

    ARCHIVE = "A", _("Archivieren (A)")
    APPRAISE = "B", _("Bewerten (B)")
    DESTROY = "V", _("Vernichten (V)")


class Confidentiality(models.TextChoices):
    PUBLIC = "public", _("offen")
    INTERNAL = "internal", _("intern")
    CONFIDENTIAL = "confidential", _("vertraulich")
    STRICT = "strict", _("streng vertraulich")


class FilePlanUnit(TenantOwned):
    """A unit of the file plan (Aktenplan, KGSt-style): code like ``32.10.01``, with retention defaults."""

    code = models.CharField(_("Aktenplankennzeichen"), max_length=40)
    title = models.CharField(_("Bezeichnung"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("übergeordnet")
    )
    retention_years = models.PositiveSmallIntegerField(_("Aufbewahrungsfrist (Jahre)"), default=10)
    disposal = models.CharField(_("Aussonderungsart"), max_length=1, choices=Disposal, default=Disposal.APPRAISE)
    owner_unit = models.ForeignKey(
        "tenants.OrgUnit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("federführende Organisationseinheit"),
    )
    description = models.TextField(_("Beschreibung"), blank=True)

    class Meta:
        verbose_name = _("Aktenplaneinheit")
        verbose_name_plural = _("Aktenplan")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["tenant", "code"], name="fileplanunit_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Party(TenantOwned):
    """Who a file is about: a person or an organisation, linked to their account where there is one."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    kind = models.CharField(_("Art"), max_length=20, choices=Kind, default=Kind.PERSON)
    name = models.CharField(_("Name"), max_length=300)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A business that applied through Mein Unternehmenskonto: the file is the organisation's, whichever of its
    # representatives acted (who did is recorded on the application and in the case's documents).
    organisation = models.ForeignKey(
        "identity.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address = models.TextField(_("Anschrift"), blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)

    class Meta:
        verbose_name = _("Beteiligte(r)")
        verbose_name_plural = _("Beteiligte")

    def __str__(self) -> str:
        return self.name


class CaseFile(TenantOwned):
    """An Akte: the file about one subject and party, filed under a file-plan unit."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        CLOSED = "closed", _("geschlossen")
        OFFERED = "offered", _("dem Archiv angeboten")
        ARCHIVED = "archived", _("an das Archiv übergeben")
        DESTROYED = "destroyed", _("vernichtet")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("Aktenzeichen"), max_length=80)
    plan_unit = models.ForeignKey(FilePlanUnit, on_delete=models.PROTECT, related_name="files")
    subject = models.CharField(_("Betreff"), max_length=300)
    owner_unit = models.ForeignKey("tenants.OrgUnit", on_delete=models.PROTECT, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.OPEN)
    confidentiality = models.CharField(
        _("Vertraulichkeit"), max_length=20, choices=Confidentiality, default=Confidentiality.INTERNAL
    )
    personal_data = models.BooleanField(_("enthält personenbezogene Daten"), default=True)
    retention_years = models.PositiveSmallIntegerField(_("Aufbewahrungsfrist (Jahre)"))
    disposal = models.CharField(_("Aussonderungsart"), max_length=1, choices=Disposal)
    legal_hold = models.BooleanField(_("Löschsperre"), default=False)
    legal_hold_reason = models.CharField(_("Grund der Löschsperre"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    closed_at = models.DateTimeField(_("geschlossen am"), null=True, blank=True)
    # A key that identifies "the same applicant and subject", so a second application joins the file.
    grouping_key = models.CharField(max_length=200, blank=True, db_index=True)

    class Meta:
        verbose_name = _("Akte")
        verbose_name_plural = _("Akten")
        constraints = [models.UniqueConstraint(fields=["tenant", "reference"], name="casefile_reference_unique")]
        indexes = [models.Index(fields=["tenant", "status", "closed_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    def retention_ends(self) -> Any:
        """The day the retention period ends (None while the file is open): closing starts it."""
        if self.closed_at is None:
            return None
        closed = timezone.localdate(self.closed_at)
        try:
            return closed.replace(year=closed.year + self.retention_years)
        except ValueError:  # 29 February
            return closed.replace(year=closed.year + self.retention_years, day=28)


class Case(TenantOwned):
    """A Vorgang: one matter inside a file (e.g. one application), worked by a unit and a person."""

    class Status(models.TextChoices):
        NEW = "new", _("neu")
        IN_PROGRESS = "in_progress", _("in Bearbeitung")
        WAITING = "waiting", _("wartet auf Rückmeldung")
        DECIDED = "decided", _("entschieden")
        CLOSED = "closed", _("abgeschlossen")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="cases")
    number = models.PositiveIntegerField(_("laufende Nummer in der Akte"))
    subject = models.CharField(_("Betreff"), max_length=300)
    status = models.CharField(_("Status"), max_length=20, choices=Status, default=Status.NEW)
    owner_unit = models.ForeignKey("tenants.OrgUnit", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, blank=True)
    application_number = models.CharField(_("Antragsnummer"), max_length=30, blank=True)
    due_on = models.DateField(_("Frist"), null=True, blank=True)
    resubmit_on = models.DateField(_("Wiedervorlage"), null=True, blank=True)
    opened_at = models.DateTimeField(_("angelegt am"), default=timezone.now)
    closed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="case_number_unique_in_file"),
            # One application → one case, however often its event is delivered.
            models.UniqueConstraint(
                fields=["tenant", "application_number"],
                condition=~models.Q(application_number=""),
                name="case_one_per_application",
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "owner_unit", "status"]),
            models.Index(fields=["tenant", "assignee", "status"]),
            models.Index(fields=["tenant", "due_on"]),
            models.Index(fields=["tenant", "resubmit_on"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.file.reference}/{self.number}"

    @property
    def status_label(self) -> str:
        """The status as shown; ``get_status_display`` builds a dict of all choices on every call (a work-queue
        page shows 50)."""
        return str(Case.Status(self.status).label)


class Document(TenantOwned):
    """A document of a case; its content is the latest of its immutable versions."""

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Antrag")
        ATTACHMENT = "attachment", _("Anlage")
        INCOMING = "incoming", _("Eingang")
        OUTGOING = "outgoing", _("Schreiben")
        DECISION = "decision", _("Bescheid")
        NOTE = "note", _("Vermerk")
        DATA = "data", _("Strukturierte Daten")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind)
    title = models.CharField(_("Titel"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the document came from, e.g. "application:A-2026-000001:answers" (adoption is idempotent).
    origin = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "origin"], condition=~models.Q(origin=""), name="document_origin_unique_in_case"
            )
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(TenantOwned):
    """One immutable version of a document: bytes by SHA-256 in the blob storage, plus extracted text."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    key = models.CharField(max_length=200)  # blob key in rathaus.attachments.storage
    name = models.CharField(_("Dateiname"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    text = models.TextField(blank=True)  # for full-text search (answers, extracted PDF text, OCR)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set by a disposal: the content is gone, the row remains as a tombstone.
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Dokumentversion")
        verbose_name_plural = _("Dokumentversionen")
        ordering = ["document", "version"]
        constraints = [models.UniqueConstraint(fields=["document", "version"], name="documentversion_unique")]
        indexes = [models.Index(fields=["sha256"])]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.pop("_disposal", False):
            raise ImmutableRow("document versions are never changed; add a new version")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRow("document versions are never deleted; disposal leaves a tombstone")


class ReferenceCounter(TenantOwned):
    """The last file number handed out per municipality, file-plan code and year (row-locked while counting)."""

    code = models.CharField(max_length=40)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "code", "year"], name="referencecounter_unique")]


class JournalHead(models.Model):
    """The end of a municipality's journal chain: locked to append, so the chain has one order."""

    tenant = models.OneToOneField("tenants.Municipality", on_delete=models.CASCADE, primary_key=True, related_name="+")
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.seq}"


class JournalEntry(models.Model):
    """One entry of the append-only audit journal; ``hash`` covers its fields and the previous entry's hash."""

    class Outcome(models.TextChoices):
        DONE = "done", _("ausgeführt")
        REFUSED = "refused", _("verweigert")

    tenant = models.ForeignKey("tenants.Municipality", on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True)
    actor = models.CharField(max_length=200)  # who, as it read at the time (kept after the account is gone)
    role = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=60)  # e.g. "case.read", "document.version.added", "file.destroyed"
    object_type = models.CharField(max_length=30)
    object_id = models.CharField(max_length=100)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.DONE)
    remote_addr = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("Journaleintrag")
        verbose_name_plural = _("Journal")
        constraints = [models.UniqueConstraint(fields=["tenant", "seq"], name="journalentry_seq_unique")]
        indexes = [models.Index(fields=["tenant", "object_type", "object_id"]), models.Index(fields=["tenant", "at"])]

    def __str__(self) -> str:
        return f"{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableRow("journal entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRow("journal entries are append-only")


class JournalAnchor(models.Model):
    """A day's anchor: the hash of the last entry of the day, optionally timestamped by an RFC 3161 TSA."""

    tenant = models.ForeignKey("tenants.Municipality", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    last_seq = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)
    timestamp_token = models.BinaryField(null=True, blank=True)  # DER TimeStampResp token from the TSA
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="journalanchor_unique_per_day")]
        ordering = ["tenant", "day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.last_seq}"


class RecordsSettings(TenantOwned):
    """Per-municipality settings of the E-Akte."""

    # Placeholders: {code} file-plan code, {year} four digits, {seq} the running number (format spec allowed,
    # e.g. {seq:06d}), {unit} the owner unit's key. Example: 32.10.01-2026-000123
    reference_pattern = models.CharField(
        _("Muster des Aktenzeichens"), max_length=80, default="{code}-{year}-{seq:06d}"
    )

    class Meta:
        verbose_name = _("Einstellungen der E-Akte")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="recordssettings_one_per_tenant")]


from .models_decisions import Decision, DecisionTemplate  # noqa: E402,F401  (decisions, R-B)
from .models_retention import ArchiveExchange, DisposalItem, DisposalRun  # noqa: E402,F401  (retention, R-C)
from .models_search import CaseSearch  # noqa: E402,F401  (full-text search, R-D)
from .models_templates import DocumentTemplate  # noqa: E402,F401  (document templates, issue 9)
