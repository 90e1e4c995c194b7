"""Every write of the mailbox: post a message, deliver documents, notify by e-mail, mark read.

Who may read or write a thread is the caller's decision: the module that owns the thing a reference names
(applications knows that an application belongs to its applicant and to an office unit) checks that before
it calls here. The mailbox only keeps every lookup inside the municipality it is given.

Files go through the same checks as every upload (rathaus.attachments: type by content, size, virus scan)
and are stored content-addressed before the message that points to them; a refused file stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rathaus.attachments import storage
from rathaus.attachments.checks import CheckedFile, UploadRejected, check_total, check_upload
from rathaus.core import events, ratelimit
from rathaus.core.errors import ValidationFailed
from rathaus.core.text import TextRefused, clean_text
from rathaus.identity.selectors import notice_recipients_of_organisation, notifies_by_email, represented_by
from rathaus.identity.tasks import send_account_mail

from .events import MESSAGE_RECEIVED, MessageReceived
from .models import MAX_BODY, Message, Thread

if TYPE_CHECKING:
    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality

MAX_FILES = 5
MESSAGES_PER_HOUR = 30  # per citizen account; each message may cost a virus scan and an e-mail

Document = UploadedFile | tuple[str, bytes]  # an upload, or (file name, bytes) the system produced


def _tenant_id(tenant: Municipality | int) -> int:
    return tenant if isinstance(tenant, int) else tenant.pk


def _thread(
    *, tenant_id: int, recipient: User, reference: str, subject: str, organisation_id: int | None = None
) -> Thread:
    """The thread of ``reference`` in the municipality, created for ``recipient`` (and ``organisation``) on first
    use. A thread made without organisation (a document delivered first) joins the organisation the caller names;
    one of another organisation is refused."""
    if recipient.tenant_id != tenant_id:
        raise ValueError("The recipient's account belongs to another municipality.")
    if not reference or ":" not in reference:
        raise ValueError(f"A reference is '<kind>:<identifier>', not {reference!r}.")
    found = Thread.objects.for_tenant(tenant_id).filter(reference=reference).first()
    if found is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent first message may win the unique constraint
                found = Thread.objects.create(
                    tenant_id=tenant_id,
                    reference=reference,
                    recipient=recipient,
                    organisation_id=organisation_id,
                    subject=subject[:200],
                )
        except IntegrityError:
            found = Thread.objects.for_tenant(tenant_id).get(reference=reference)
    if found.recipient_id != recipient.pk:
        raise ValueError(f"The thread {reference!r} belongs to another account.")
    if organisation_id is not None and found.organisation_id != organisation_id:
        if found.organisation_id is not None:
            raise ValueError(f"The thread {reference!r} belongs to another organisation.")
        Thread.objects.for_tenant(tenant_id).filter(pk=found.pk).update(organisation_id=organisation_id)
        found.organisation_id = organisation_id
    return found


def _writes_for_recipient(sender: User, recipient: User, organisation_id: int | None) -> bool:
    """The recipient's side is the recipient, or for an organisation's thread any of its representatives."""
    if sender.pk == recipient.pk:
        return True
    return organisation_id is not None and represented_by(sender).filter(pk=organisation_id).exists()


def _checked_body(body: str) -> str:
    try:
        body = clean_text(body or "", multiline=True)  # the house's one cleaning of typed text
    except TextRefused as exc:
        raise ValidationFailed(exc.message, errors=[{"field": "body", "code": "control_characters"}]) from None
    if not body:
        raise ValidationFailed(_("Bitte schreiben Sie eine Nachricht."), errors=[{"field": "body"}])
    if len(body) > MAX_BODY:
        raise ValidationFailed(_("Die Nachricht ist zu lang (höchstens 5000 Zeichen)."), errors=[{"field": "body"}])
    return body


def _store_files(files: Sequence[Document]) -> list[dict[str, Any]]:
    """Check every file, then store them all; a refusal of any file stores none (``ValidationFailed``)."""
    if len(files) > MAX_FILES:
        raise ValidationFailed(_("Höchstens fünf Dateien je Nachricht."), errors=[{"field": "files"}])
    try:
        checked = [check_upload(f) for f in files]
        check_total(c.size for c in checked)
    except UploadRejected as exc:
        raise ValidationFailed(exc.message, errors=[{"field": "files", "code": exc.code}]) from None
    return [_ref(c) for c in checked]


def _ref(checked: CheckedFile) -> dict[str, Any]:
    key = storage.store(checked.data, checked.sha256)
    return {
        "key": key,
        "name": checked.name,
        "sha256": checked.sha256,
        "size": checked.size,
        "content_type": checked.content_type,
    }


def post(
    *,
    tenant: Municipality | int,
    recipient: User,
    reference: str,
    subject: str,
    sender: User,
    body: str,
    from_office: bool,
    uploads: Iterable[Document | None] = (),
    organisation_id: int | None = None,
) -> Message:
    """Add a message to the thread of ``reference`` (created with ``subject`` for ``recipient`` if new).

    ``from_office`` says which side writes: the administration, or the recipient — for the thread of an
    organisation (``organisation_id``, a business acting for it) any of its representatives, recorded as the
    ``sender``. Guaranteed on return: the
    message and its thread are saved (committed with the caller's transaction) and every file is stored;
    ``ValidationFailed`` (empty or too long text, more than five files, a refused file, too many messages of
    the citizen in the last hour) stores nothing. Nobody is notified: the caller knows what to tell the
    recipient and calls :func:`notify` after the commit.
    """
    body = _checked_body(body)
    if not from_office and not ratelimit.allow("message", sender.pk, limit=MESSAGES_PER_HOUR, window_seconds=3600):
        raise ValidationFailed(
            _("Sie haben in der letzten Stunde sehr viele Nachrichten geschrieben. Bitte versuchen Sie es später."),
            errors=[{"field": "body", "code": "rate_limited"}],
        )
    if sender.tenant_id != _tenant_id(tenant) or (
        not from_office and not _writes_for_recipient(sender, recipient, organisation_id)
    ):
        raise ValueError(
            "The sender of a message is the recipient (or a representative of the recipient's organisation) or, "
            "from the office, staff of the municipality."
        )
    refs = _store_files([u for u in uploads if u])
    with transaction.atomic():
        thread = _thread(
            tenant_id=_tenant_id(tenant),
            recipient=recipient,
            reference=reference,
            subject=subject,
            organisation_id=organisation_id,
        )
        message = Message.objects.create(
            tenant_id=thread.tenant_id,
            thread=thread,
            sender=sender,
            from_office=from_office,
            body=body,
            attachments=refs,
        )
        if not from_office:  # the E-Akte files the citizen's answer into the case (records.consumers)
            events.publish(
                thread.tenant_id,
                MESSAGE_RECEIVED,
                reference,
                MessageReceived(reference=reference, message_id=message.pk),
            )
        return message


def deliver(
    *,
    tenant: Municipality | int,
    recipient: User,
    reference: str,
    subject: str,
    text: str,
    documents: Sequence[Document],
    sender: User | None = None,
) -> Message:
    """Deliver official documents (a decision, a confirmation) into the recipient's mailbox.

    A message from the administration in the thread of ``reference``, carrying ``documents`` (uploads or
    ``(name, bytes)``; checked and stored like every file, at most five). ``sender`` is the staff member who
    sent it, or None when the system delivers on its own. After the commit the recipient is told on their
    channel (:func:`notify`) that a document arrived — the mail names the subject, never the content.
    Raises ``ValidationFailed`` (nothing stored) like :func:`post`; a delivery needs at least one document.
    """
    if not documents:
        raise ValueError("A delivery carries at least one document; use post() for a plain message.")
    body = _checked_body(text)
    refs = _store_files(list(documents))
    with transaction.atomic():
        thread = _thread(tenant_id=_tenant_id(tenant), recipient=recipient, reference=reference, subject=subject)
        message = Message.objects.create(
            tenant_id=thread.tenant_id, thread=thread, sender=sender, from_office=True, body=body, attachments=refs
        )
    with translation.override("de"):
        notice_subject = _("Neues Dokument in Ihrem Postfach")
        notice = _("In Ihrem Postfach liegt ein neues Dokument zu »%(subject)s«.") % {"subject": thread.subject}
    organisation_id = thread.organisation_id
    transaction.on_commit(
        lambda: notify(recipient=recipient, subject=notice_subject, text=notice, organisation_id=organisation_id)
    )
    return message


def notify(*, recipient: User, subject: str, text: str, organisation_id: int | None = None) -> bool:
    """Tell the recipient by e-mail that something is waiting for them, if e-mail is their chosen channel.

    For an organisation's matter (``organisation_id``: its application, its thread) the notice goes to every
    active representative of the organisation who chose e-mail, each in a mail of their own — not only to the
    person who acted (``recipient``), who is told only while still representing it.

    The mail says *that* something happened; the content stays in the portal, because e-mail is not a
    confidential channel: ``text`` must not contain more than a number or a title. Sends at once, so call it
    after the commit of what it announces (``transaction.on_commit``). Returns whether a mail was sent.
    """
    if organisation_id is None:
        addresses = [recipient.email] if notifies_by_email(recipient) else []
    else:
        people = notice_recipients_of_organisation(recipient.tenant_id or 0, organisation_id)
        addresses = list(dict.fromkeys(email.lower() for email in people.values_list("email", flat=True)))
    if not addresses:
        return False
    with translation.override("de"):
        body = "\n\n".join([_("Guten Tag,"), text, _("Diese Nachricht wurde automatisch erstellt.")])
    for address in addresses:
        send_account_mail.delay(subject=subject, body=body, recipient=address)
    return True


def mark_read(*, tenant: Municipality | int, reference: str, reader_is_office: bool) -> int:
    """Mark the other side's unread messages of the thread read: the office's when the recipient reads,
    the recipient's when the office reads. Returns how many; 0 when there is no thread (yet)."""
    return (
        Message.objects.for_tenant(tenant)
        .filter(thread__reference=reference, from_office=not reader_is_office, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
