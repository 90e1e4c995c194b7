"""Writes of the E-Akte: files, cases, documents and versions — each journaled in the same transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import string
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.applications import receipt as application_receipt
from rathaus.applications import selectors as applications
from rathaus.attachments import storage
from rathaus.core import events
from rathaus.core.errors import ValidationFailed
from rathaus.tenants.models import Municipality, OrgUnit

from . import journal
from .events import CASE_OPENED, DOCUMENT_FILED, CaseOpened, DocumentFiled
from .journal import Actor
from .models import (
    Case,
    CaseFile,
    Document,
    DocumentVersion,
    FilePlanUnit,
    Party,
    RecordsSettings,
    ReferenceCounter,
)

DEFAULT_PATTERN = "{code}-{year}-{seq:06d}"
PATTERN_FIELDS = {"code", "year", "seq", "unit"}


def check_reference_pattern(pattern: str) -> None:
    """Refuse a pattern that names unknown placeholders, lacks {seq} or cannot be formatted."""
    try:
        fields = {name for _text, name, _spec, _conv in string.Formatter().parse(pattern) if name is not None}
        unknown = fields - PATTERN_FIELDS
        if unknown or "seq" not in fields:
            raise ValueError
        pattern.format(code="32.10.01", year=2026, seq=1, unit="FB32")
    except (ValueError, KeyError, IndexError):
        raise ValidationFailed(
            _("Das Muster braucht {seq} und darf nur {code}, {year}, {seq} und {unit} enthalten.")
        ) from None


def next_reference(*, tenant_id: int, plan_unit: FilePlanUnit, owner_unit: OrgUnit, year: int) -> str:
    """The next file reference (Aktenzeichen) for the plan unit and year; call inside a transaction."""
    pattern = (
        RecordsSettings.objects.for_tenant(tenant_id).values_list("reference_pattern", flat=True).first()
        or DEFAULT_PATTERN
    )
    counter_scope = plan_unit.code if "{code" in pattern else ""
    counters = ReferenceCounter.objects.for_tenant(tenant_id)
    if counters.filter(code=counter_scope, year=year).update(last=_incremented()) == 0:
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(tenant_id=tenant_id, code=counter_scope, year=year, last=1)
        except IntegrityError:
            counters.filter(code=counter_scope, year=year).update(last=_incremented())
    seq = counters.get(code=counter_scope, year=year).last
    return pattern.format(code=plan_unit.code, year=year, seq=seq, unit=owner_unit.key)


def _incremented() -> Any:
    return F("last") + 1


@dataclass(frozen=True)
class Filed:
    case: Case
    created: bool


def party_for_organisation(*, tenant_id: int, organisation: Any) -> Party:
    """The party of an organisation (one per organisation, whichever representative acted for it)."""
    party = Party.objects.for_tenant(tenant_id).filter(organisation=organisation).first()
    if party is None:
        address = ", ".join(
            part for part in (organisation.street, f"{organisation.postal_code} {organisation.city}".strip()) if part
        )
        party = Party.objects.create(
            tenant_id=tenant_id,
            kind=Party.Kind.ORGANISATION,
            organisation=organisation,
            name=organisation.name[:300],
            address=address,
        )
    return party


def party_for_account(*, tenant_id: int, account: Any, name: str, email: str = "") -> Party:
    party = Party.objects.for_tenant(tenant_id).filter(account=account).first()
    if party is None:
        party = Party.objects.create(tenant_id=tenant_id, account=account, name=name[:300], email=email)
    return party


def plan_unit_for_service(tenant_id: int, file_plan_code: str) -> FilePlanUnit:
    units = FilePlanUnit.objects.for_tenant(tenant_id)
    unit = units.filter(code=file_plan_code).first() if file_plan_code else None
    if unit is None:
        # A service without (or with an unknown) file-plan unit is filed under the general unit "00",
        # so no application is ever left unfiled; the registry moves it later.
        unit = units.filter(code="00").first()
    if unit is None:
        unit = FilePlanUnit.objects.create(
            tenant_id=tenant_id, code="00", title=_("Allgemeine Verwaltung (nicht zugeordnet)"), retention_years=10
        )
    return unit


def open_file(
    *,
    tenant_id: int,
    plan_unit: FilePlanUnit,
    owner_unit: OrgUnit,
    subject: str,
    party: Party | None,
    actor: Actor,
    grouping_key: str = "",
) -> CaseFile:
    now = timezone.now()
    with transaction.atomic():
        case_file = CaseFile.objects.create(
            tenant_id=tenant_id,
            reference=next_reference(
                tenant_id=tenant_id, plan_unit=plan_unit, owner_unit=owner_unit, year=timezone.localdate(now).year
            ),
            plan_unit=plan_unit,
            subject=subject[:300],
            owner_unit=owner_unit,
            party=party,
            retention_years=plan_unit.retention_years,
            disposal=plan_unit.disposal,
            opened_at=now,
            grouping_key=grouping_key,
        )
        journal.record(
            tenant_id=tenant_id,
            actor=actor,
            action="file.opened",
            object_type="file",
            object_id=case_file.reference,
            detail={"plan": plan_unit.code, "subject": case_file.subject},
        )
    return case_file


def open_case(
    *,
    case_file: CaseFile,
    subject: str,
    owner_unit: OrgUnit,
    actor: Actor,
    service_key: str = "",
    application_number: str = "",
    due_on: Any = None,
) -> Case:
    with transaction.atomic():
        locked = CaseFile.objects.for_tenant(case_file.tenant_id).select_for_update().get(pk=case_file.pk)
        number = (locked.cases.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        case = Case.objects.create(
            tenant_id=case_file.tenant_id,
            file=locked,
            number=number,
            subject=subject[:300],
            owner_unit=owner_unit,
            service_key=service_key,
            application_number=application_number,
            due_on=due_on,
        )
        journal.record(
            tenant_id=case_file.tenant_id,
            actor=actor,
            action="case.opened",
            object_type="case",
            object_id=case.reference,
            detail={"application": application_number} if application_number else {},
        )
        events.publish(
            case.tenant_id,
            CASE_OPENED,
            case.reference,
            CaseOpened(
                case=case.reference, unit=owner_unit.key, service=service_key, application_number=application_number
            ),
        )
    return case


def add_document(
    *,
    case: Case,
    kind: str,
    title: str,
    name: str,
    content_type: str,
    data: bytes | None = None,
    sha256: str | None = None,
    text: str = "",
    actor: Actor,
    origin: str = "",
) -> Document:
    """A new document with its first version. ``data`` is stored; or ``sha256`` adopts an existing blob
    (no copy: an application's attachments become documents by their hash)."""
    with transaction.atomic():
        document = Document.objects.create(
            tenant_id=case.tenant_id,
            case=case,
            kind=kind,
            title=title[:300],
            created_by_id=actor.id,
            origin=origin,
        )
        add_version(
            document=document, name=name, content_type=content_type, data=data, sha256=sha256, text=text, actor=actor
        )
        events.publish(
            case.tenant_id,
            DOCUMENT_FILED,
            str(document.uuid),
            DocumentFiled(
                document=document.uuid, case=case.reference, unit=case.owner_unit.key, kind=kind, staff=actor.id
            ),
        )
    return document


def add_version(
    *,
    document: Document,
    name: str,
    content_type: str,
    data: bytes | None = None,
    sha256: str | None = None,
    text: str = "",
    actor: Actor,
) -> DocumentVersion:
    """Append a version: the old ones stay readable and unchanged."""
    if data is not None:
        sha256 = hashlib.sha256(data).hexdigest()
        key = storage.store(data, sha256)  # before the row that points to it (see attachments.storage)
        size = len(data)
    elif sha256 is not None:
        key = storage.key_for(sha256)
        size = len(storage.open_blob(key))  # also proves the blob is there and whole
    else:
        raise ValueError("a version needs data or the sha256 of a stored blob")
    with transaction.atomic():
        locked = Document.objects.for_tenant(document.tenant_id).select_for_update().get(pk=document.pk)
        number = (locked.versions.order_by("-version").values_list("version", flat=True).first() or 0) + 1
        version = DocumentVersion.objects.create(
            tenant_id=document.tenant_id,
            document=locked,
            version=number,
            sha256=sha256,
            key=key,
            name=name[:200],
            content_type=content_type[:100],
            size=size,
            text=text,
            created_by_id=actor.id,
        )
        journal.record(
            tenant_id=document.tenant_id,
            actor=actor,
            action="document.version.added",
            object_type="document",
            object_id=str(document.uuid),
            detail={"version": number, "sha256": sha256},
        )
    return version


# --- from application to case ------------------------------------------------------------------------------


def filing_actor() -> Actor:
    return Actor.system(_("Posteingang (automatisch)"))


def file_application(*, tenant: Municipality | int, number: str, _attempt: int = 1) -> Filed:
    """Turn a forwarded application into a case (idempotent: a replayed event finds the case it made).

    The case joins the applicant's open file for the same service (same applicant and subject), or opens a
    new file under the service's file-plan unit. Documents: the answers as structured data (JSON) and each
    attachment adopted by its content hash. The answers as PDF/A (the receipt, seconds of WeasyPrint) are not
    rendered here but by :func:`add_application_pdf`, in the background (``tasks.py``): filing runs inside
    the citizen's submit request in the embedded mode.
    """
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    existing = Case.objects.for_tenant(tenant_id).filter(application_number=number).first()
    if existing is not None:
        return Filed(existing, created=False)
    application = applications.application_by_number(tenant_id, number)
    if application is None:
        raise LookupError(f"application {number} not found in municipality {tenant_id}")
    service = application.service
    actor = filing_actor()
    structured = applications.answers_json(application)
    try:
        with transaction.atomic():
            applicant = application.applicant
            if application.organisation_id is not None:  # a business acted for its organisation
                party = party_for_organisation(tenant_id=tenant_id, organisation=application.organisation)
                grouping_key = f"organisation:{application.organisation_id}:service:{service.leika_key}"
            else:
                party = party_for_account(
                    tenant_id=tenant_id,
                    account=applicant,
                    name=applicant.get_full_name() if hasattr(applicant, "get_full_name") else str(applicant),
                    email=getattr(applicant, "email", ""),
                )
                grouping_key = f"account:{applicant.pk}:service:{service.leika_key}"
            case_file = (
                CaseFile.objects.for_tenant(tenant_id)
                .filter(grouping_key=grouping_key, status=CaseFile.Status.OPEN)
                .order_by("-opened_at")
                .first()
            )
            if case_file is None:
                case_file = open_file(
                    tenant_id=tenant_id,
                    plan_unit=plan_unit_for_service(tenant_id, service.file_plan_code),
                    owner_unit=application.org_unit,
                    subject=f"{service.name} – {party.name}",
                    party=party,
                    actor=actor,
                    grouping_key=grouping_key,
                )
            due_on = None
            if service.processing_days:
                due_on = timezone.localdate(application.submitted_at) + dt.timedelta(days=service.processing_days)
            case = open_case(
                case_file=case_file,
                subject=f"{service.name} ({application.number})",
                owner_unit=application.org_unit,
                actor=actor,
                service_key=service.leika_key,
                application_number=application.number,
                due_on=due_on,
            )
            origin = f"application:{application.number}"
            add_document(
                case=case,
                kind=Document.Kind.DATA,
                title=_("Antragsdaten %(number)s (strukturiert)") % {"number": application.number},
                name=f"Antrag-{application.number}.json",
                content_type="application/json",
                data=structured,
                actor=actor,
                origin=f"{origin}:data",
            )
            for attachment in applications.attachments_of(application):
                add_document(
                    case=case,
                    kind=Document.Kind.ATTACHMENT,
                    title=attachment["name"],
                    name=attachment["name"],
                    content_type=attachment["content_type"],
                    sha256=attachment["sha256"],
                    actor=actor,
                    origin=f"{origin}:file:{attachment['field']}:{attachment['sha256']}",
                )
    except IntegrityError:
        # A concurrent delivery of the same event filed it first (case_one_per_application) — or a concurrent
        # filing of another application took the same file's next case number or created the same reference
        # counter (seen in the crash test on PostgreSQL): then this application has no case yet, and filing it
        # again now sees the other's rows.
        case = Case.objects.for_tenant(tenant_id).filter(application_number=number).first()
        if case is not None:
            return Filed(case, created=False)
        if _attempt >= 3:
            raise
        return file_application(tenant=tenant, number=number, _attempt=_attempt + 1)
    return Filed(case, created=True)


# --- the answers as PDF/A, off the request path -----------------------------------------------------------


def add_application_pdf(*, tenant_id: int, number: str) -> Document | None:
    """File the answers of application ``number`` as PDF/A in its case, unless they are there already.

    Idempotent (``document_origin_unique_in_case``): a second or concurrent call files nothing and returns
    None; so does a call for an application that has no case (yet). Rendered outside any transaction.
    """
    case = Case.objects.for_tenant(tenant_id).filter(application_number=number).first()
    if case is None or has_application_pdf(case):
        return None
    application = applications.application_by_number(tenant_id, number)
    if application is None:
        return None
    pdf = application_receipt.receipt_pdf(application, "de")
    try:
        with transaction.atomic():
            return add_document(
                case=case,
                kind=Document.Kind.APPLICATION,
                title=_("Antrag %(number)s") % {"number": number},
                name=f"Antrag-{number}.pdf",
                content_type="application/pdf",
                data=pdf,
                text=applications.answers_text(application),
                actor=filing_actor(),
                origin=f"application:{number}:pdf",
            )
    except IntegrityError:  # filed a moment ago by another worker; the blob is content-addressed, GC takes it
        return None


def has_application_pdf(case: Case) -> bool:
    return Document.objects.for_tenant(case.tenant_id).filter(case=case, kind=Document.Kind.APPLICATION).exists()


def pending_application_pdfs(limit: int = 100) -> list[tuple[int, str]]:
    """(municipality, application number) of cases whose answers PDF is still to be made, oldest first."""
    made = Document.objects.unscoped().filter(case=OuterRef("pk"), kind=Document.Kind.APPLICATION)
    return list(
        Case.objects.unscoped()
        .exclude(application_number="")
        .exclude(Exists(made))
        .order_by("opened_at", "pk")
        .values_list("tenant_id", "application_number")[:limit]
    )
