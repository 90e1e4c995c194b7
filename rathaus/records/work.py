"""What a caseworker does to a case: assign, claim, dates, notes, uploads, hand-over, status, requests.

Each function checks its input, writes, and journals in one transaction; the caller (a view) has already
found the case through ``queues.case_for`` (the permission check) and passes who acts as a journal ``Actor``
plus the acting user. What the citizen sees — a status change, a request for documents — goes through the
applications module's services (the application page, its mailbox thread and notification).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.applications import selectors as applications
from rathaus.applications import services as application_services
from rathaus.attachments.checks import UploadRejected, check_upload
from rathaus.core.errors import ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.identity import permissions
from rathaus.mailbox import selectors as mailbox
from rathaus.tenants.models import OrgUnit

from . import journal, services
from .journal import Actor
from .models import Case, Document
from .selectors import CASE_ROLES

if TYPE_CHECKING:
    from rathaus.identity.models import User

MAX_NOTE = 10_000
# What the citizen sees on the application page when the case changes status.
APPLICATION_STATUS = {
    Case.Status.NEW: "submitted",
    Case.Status.IN_PROGRESS: "in_progress",
    Case.Status.WAITING: "needs_input",
    Case.Status.DECIDED: "decided",
    Case.Status.CLOSED: "closed",
}


def _text(value: str, *, field: str, multiline: bool = False, max_length: int = 300, required: bool = True) -> str:
    try:
        value = clean_text(value or "", multiline=multiline)
    except TextRefused as exc:
        raise ValidationFailed(exc.message, errors=[{"field": field, "code": "control_characters"}]) from None
    if required and not value:
        raise ValidationFailed(_("Bitte füllen Sie dieses Feld aus."), errors=[{"field": field}])
    if len(value) > max_length:
        raise ValidationFailed(
            _("Der Text ist zu lang (höchstens %(max)d Zeichen).") % {"max": max_length}, errors=[{"field": field}]
        )
    return value


def _journal(case: Case, actor: Actor, action: str, **detail: Any) -> None:
    journal.record(
        tenant_id=case.tenant_id,
        actor=actor,
        action=action,
        object_type="case",
        object_id=case.reference,
        detail=detail,
    )


def _locked(case: Case) -> Case:
    return Case.objects.for_tenant(case.tenant_id).select_for_update().select_related("file").get(pk=case.pk)


def may_work_on(user: User, case: Case) -> bool:
    """Whether ``user`` is a caseworker or lead of the case's unit (or above, or the administration)."""
    return permissions.has_role(user, case.tenant, *CASE_ROLES, unit=case.owner_unit_id)


def assign(*, case: Case, assignee: User | None, actor: Actor) -> Case:
    """Give the case to ``assignee`` (a caseworker of its unit) or to nobody."""
    if assignee is not None and not may_work_on(assignee, case):
        raise ValidationFailed(
            _("Diese Person arbeitet nicht in der zuständigen Organisationseinheit."), errors=[{"field": "assignee"}]
        )
    with transaction.atomic():
        locked = _locked(case)
        locked.assignee = assignee
        locked.save(update_fields=["assignee"])
        _journal(locked, actor, "case.assigned", assignee=assignee.pk if assignee else None)
    return locked


def claim(*, case: Case, user: User, actor: Actor) -> Case:
    """The caseworker takes the case (»Übernehmen«)."""
    return assign(case=case, assignee=user, actor=actor)


def set_dates(*, case: Case, due_on: dt.date | None, resubmit_on: dt.date | None, actor: Actor) -> Case:
    """Set the deadline (Frist) and the resubmission date (Wiedervorlage); ``None`` clears one."""
    for value, name in ((due_on, "due_on"), (resubmit_on, "resubmit_on")):
        if value is not None and not (dt.date(2000, 1, 1) <= value <= dt.date(2200, 12, 31)):
            raise ValidationFailed(_("Bitte geben Sie ein gültiges Datum an."), errors=[{"field": name}])
    with transaction.atomic():
        locked = _locked(case)
        locked.due_on, locked.resubmit_on = due_on, resubmit_on
        locked.save(update_fields=["due_on", "resubmit_on"])
        _journal(
            locked,
            actor,
            "case.dates_set",
            due_on=due_on.isoformat() if due_on else None,
            resubmit_on=resubmit_on.isoformat() if resubmit_on else None,
        )
    return locked


def add_note(*, case: Case, title: str, text: str, actor: Actor) -> Document:
    """A note (Vermerk): a document of kind NOTE whose content is the text (UTF-8), searchable."""
    title = _text(title, field="title", required=False) or _("Vermerk")
    text = _text(text, field="text", multiline=True, max_length=MAX_NOTE)
    with transaction.atomic():
        document = services.add_document(
            case=case,
            kind=Document.Kind.NOTE,
            title=title,
            name="vermerk.txt",
            content_type="text/plain; charset=utf-8",
            data=text.encode(),
            text=text,
            actor=actor,
        )
        _journal(case, actor, "case.note_added", document=str(document.uuid))
    return document


def upload_document(*, case: Case, title: str, upload: Any, kind: str, actor: Actor) -> Document:
    """An uploaded file as a new document, after the house's upload checks (type by content, virus scan)."""
    if kind not in (Document.Kind.INCOMING, Document.Kind.OUTGOING, Document.Kind.ATTACHMENT):
        raise ValidationFailed(_("Unbekannte Dokumentart."), errors=[{"field": "kind"}])
    if upload is None:
        raise ValidationFailed(_("Bitte wählen Sie eine Datei aus."), errors=[{"field": "file"}])
    title = _text(title, field="title", required=False)
    try:
        checked = check_upload(upload)
    except UploadRejected as exc:
        raise ValidationFailed(exc.message, errors=[{"field": "file", "code": exc.code}]) from None
    with transaction.atomic():
        document = services.add_document(
            case=case,
            kind=kind,
            title=title or checked.name,
            name=checked.name,
            content_type=checked.content_type,
            data=checked.data,
            actor=actor,
        )
        _journal(case, actor, "case.document_added", document=str(document.uuid), sha256=checked.sha256)
    return document


def hand_over(*, case: Case, unit_id: int, actor: Actor, reason: str = "") -> Case:
    """Give the case to another unit of the municipality: it sees it now, the old unit no longer does."""
    reason = _text(reason, field="reason", required=False, max_length=500)
    unit = OrgUnit.objects.for_tenant(case.tenant_id).filter(pk=unit_id).first()
    if unit is None:
        raise ValidationFailed(_("Diese Organisationseinheit gibt es nicht."), errors=[{"field": "unit"}])
    if unit.pk == case.owner_unit_id:
        raise ValidationFailed(_("Der Vorgang liegt schon bei dieser Einheit."), errors=[{"field": "unit"}])
    with transaction.atomic():
        locked = _locked(case)
        previous = locked.owner_unit_id
        locked.owner_unit = unit
        locked.assignee = None
        locked.save(update_fields=["owner_unit", "assignee"])
        _journal(locked, actor, "case.handed_over", from_unit=previous, to_unit=unit.pk, reason=reason)
    return locked


def change_status(*, case: Case, status: str, user: User, actor: Actor, note: str = "") -> Case:
    """A new status; the application of the case follows, so the citizen sees it and is notified."""
    if status not in Case.Status.values:
        raise ValidationFailed(_("Unbekannter Status."), errors=[{"field": "status"}])
    note = _text(note, field="note", required=False, max_length=500)
    with transaction.atomic():
        locked = _locked(case)
        previous = locked.status
        locked.status = status
        locked.closed_at = timezone.now() if status == Case.Status.CLOSED else None
        locked.save(update_fields=["status", "closed_at"])
        _journal(locked, actor, "case.status_changed", previous=previous, status=status)
        application = _application(locked)
        if application is not None:
            application_services.change_status(
                application=application, status=APPLICATION_STATUS[Case.Status(status)], actor=user, note=note
            )
    return locked


def request_documents(*, case: Case, body: str, user: User, actor: Actor) -> Case:
    """Ask the citizen for missing documents in the application's mailbox thread; the case waits."""
    application = _application(case)
    if application is None:
        raise ValidationFailed(
            _("Dieser Vorgang hat keinen Online-Antrag und kein Postfach."), errors=[{"field": "body"}]
        )
    with transaction.atomic():
        application_services.send_message(application=application, sender=user, body=body, from_office=True)
        _journal(case, actor, "case.documents_requested")
        if case.status != Case.Status.WAITING:
            case = change_status(case=case, status=Case.Status.WAITING, user=user, actor=actor)
    return case


def _application(case: Case) -> Any:
    if not case.application_number:
        return None
    return applications.application_by_number(case.tenant_id, case.application_number)


def file_incoming_message(*, tenant_id: int, message_id: int) -> list[Document]:
    """The citizen's answer in an application's thread, filed into its case: each file adopted by its hash as an
    INCOMING document (no copy), the text as an INCOMING note. Idempotent: a replay adds nothing."""
    message = mailbox.message(tenant_id, message_id)
    if message is None or message.from_office:
        return []
    kind, _sep, number = message.thread.reference.partition(":")
    case = (
        Case.objects.for_tenant(tenant_id).filter(application_number=number).first() if kind == "application" else None
    )
    if case is None:
        return []
    actor = Actor.system(_("Postfach (automatisch)"))
    filed: list[Document] = []
    with transaction.atomic():
        existing = set(
            Document.objects.for_tenant(tenant_id)
            .filter(case=case, origin__startswith=f"mailbox:{message.pk}:")
            .values_list("origin", flat=True)
        )
        items = [(f"mailbox:{message.pk}:text", None)] + [
            (f"mailbox:{message.pk}:{ref['sha256']}", ref) for ref in message.attachments
        ]
        for origin, ref in items:
            if origin in existing:
                continue
            if ref is None:
                document = services.add_document(
                    case=case,
                    kind=Document.Kind.INCOMING,
                    title=_("Nachricht der antragstellenden Person"),
                    name="nachricht.txt",
                    content_type="text/plain; charset=utf-8",
                    data=message.body.encode(),
                    text=message.body,
                    actor=actor,
                    origin=origin,
                )
            else:
                document = services.add_document(
                    case=case,
                    kind=Document.Kind.INCOMING,
                    title=ref["name"],
                    name=ref["name"],
                    content_type=ref["content_type"],
                    sha256=ref["sha256"],
                    actor=actor,
                    origin=origin,
                )
            filed.append(document)
        if filed:
            _journal(case, actor, "case.message_filed", message=message.pk, documents=len(filed))
    return filed
