"""Every write of online applications: drafts, uploads, the atomic submission, status, messages, forwarding.

Messages about an application go into its thread in the citizen mailbox (rathaus.mailbox, reference
``application:<number>``); the callers have checked that the sender may write about the application.

Durability contract of :func:`submit`: when it returns, the application, its attachments (rows pointing to
blobs that were fsynced when they were uploaded), its first status event and its events
(``application.submitted`` and, when no fee must be paid first, ``application.forwardable``; see events.py)
are committed together; if it raises, nothing of them exists. A second call for the same draft returns the
application the first call created (idempotent), never a second one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import structlog
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rathaus import formengine
from rathaus.attachments import storage
from rathaus.attachments.checks import CheckedFile, UploadRejected, check_total, check_upload
from rathaus.catalog.models import Service
from rathaus.core import events, jsonload, ratelimit
from rathaus.core.errors import NotFound, PermissionDenied, ValidationFailed
from rathaus.formengine import FileSpec
from rathaus.formengine.xdatenfelder import XDatenfelderError, read_xdatenfelder
from rathaus.identity import selectors as identity
from rathaus.mailbox import selectors as mailbox_selectors
from rathaus.mailbox import services as mailbox
from rathaus.payments import selectors as payment_selectors
from rathaus.payments import services as payments
from rathaus.tenants.models import Municipality

from . import notifications, selectors
from .models import (
    Application,
    Attachment,
    Draft,
    FormVersion,
    NumberSequence,
    StatusEvent,
    _draft_expiry,
)

if TYPE_CHECKING:
    from rathaus.identity.models import User
    from rathaus.mailbox.models import Message

log = structlog.get_logger("rathaus.applications")


# --------------------------------------------------------------------------- form versions


def publish_form(*, service: Service, definition: dict[str, Any]) -> FormVersion:
    """Store ``definition`` as the service's next published form version (the old ones stay as they were)."""
    parsed = formengine.parse_definition(definition)  # raises DefinitionError on a broken definition
    with transaction.atomic(durable=True):  # published = committed: no caller may wrap it in its transaction
        latest = (
            FormVersion.objects.for_tenant(service.tenant_id)
            .select_for_update()
            .filter(service=service)
            .order_by("-version")
            .first()
        )
        if latest and latest.definition == parsed.to_dict():
            return latest
        return FormVersion.objects.create(
            tenant_id=service.tenant_id,
            service=service,
            version=(latest.version + 1) if latest else 1,
            definition=parsed.to_dict(),
            published_at=timezone.now(),
        )


# --------------------------------------------------------------------------- drafts


def start_draft(
    *,
    tenant: Municipality,
    service: Service,
    owner: User,
    form_version: FormVersion,
    organisation_id: int | None = None,
) -> Draft:
    """The owner's open draft for this service (resumed), or a new one prefilled from the account.

    With ``organisation_id`` (a business acting for its organisation) the draft is the organisation's: an open
    draft any representative started is resumed, a new one records ``owner`` as who started it. Raises
    ``NotFound`` when ``owner`` does not (or no longer) represent that organisation.
    """
    acting = identity.Acting(user=owner, organisation_id=organisation_id)
    if organisation_id is not None and not identity.represented_by(owner).filter(pk=organisation_id).exists():
        raise NotFound(_("Sie handeln nicht (mehr) für diese Organisation. Bitte melden Sie sich erneut an."))
    _check_target_group(service, organisation_id)
    existing = (
        Draft.objects.for_tenant(tenant)
        .filter(identity.owned_by(acting, person="owner"), form_version__service=service, expires_at__gt=timezone.now())
        .order_by("-updated_at")
        .first()
    )
    if existing:
        return existing
    definition = form_version.parsed()
    first_step = definition.steps[0].id
    return Draft.objects.create(
        tenant=tenant,
        owner=owner,
        organisation_id=organisation_id,
        form_version=form_version,
        answers=formengine.prefill(definition, identity.prefill_values(owner)),
        step=first_step,
    )


ONLY_ORGANISATIONS = gettext_lazy(
    "Diese Leistung können nur Unternehmen und Organisationen online beantragen. Bitte melden Sie sich mit "
    "Mein Unternehmenskonto (ELSTER-Organisationszertifikat) für Ihre Organisation an."
)
ONLY_PERSONS = gettext_lazy(
    "Diese Leistung können nur Privatpersonen für sich selbst online beantragen. Bitte melden Sie sich als "
    "Privatperson an (zum Beispiel mit der BundID)."
)


def _check_target_group(service: Service, organisation_id: int | None) -> None:
    if not selectors.applies_as_allowed(service, organisation_id):
        raise PermissionDenied(str(ONLY_PERSONS if organisation_id is not None else ONLY_ORGANISATIONS))


def _copy_state(source: Draft, target: Draft) -> None:
    """Hand the saved state of the locked row to the caller's instance (no second read)."""
    target.answers, target.files = source.answers, source.files
    target.expires_at, target.updated_at = source.expires_at, source.updated_at


def _touch(draft: Draft) -> None:
    draft.expires_at = _draft_expiry()


def save_step(
    *,
    draft: Draft,
    step_id: str,
    data: Any,
    uploads: dict[str, Any] | None = None,
    today: dt.date | None = None,
    keep_invalid: bool = False,
) -> formengine.StepResult:
    """Validate one step and store its answers when the step is valid as a whole.

    With ``keep_invalid`` (saving a draft to continue later) an invalid step is stored as typed.
    Returns the engine's result: ``errors`` by field path (an upload that was refused is an error at its
    field), ``display`` (what to show again, as typed) and ``action`` (add/remove of a repeat item: nothing
    is stored then, the page is shown again). Files are checked (type by content, size, virus scan) and
    stored first; an accepted file stays with the draft even if other fields of the step are still wrong.
    """
    definition = draft.form_version.parsed()
    definition.step(step_id)  # KeyError for an unknown step
    upload_errors: dict[str, list[str]] = {}
    files = dict(draft.files)
    for path, upload in (uploads or {}).items():
        try:
            files[path] = _check_and_store(definition, files, path, upload, owner_id=draft.owner_id)
        except UploadRejected as exc:
            upload_errors.setdefault(path, []).append(exc.message)
        except KeyError:
            continue  # a file posted for a field that does not exist changes nothing
    result = formengine.validate_step(definition, step_id, data, answers=draft.answers, files=files, today=today)
    if upload_errors and result.action is None:
        result = dataclasses.replace(result, errors={**result.errors, **upload_errors})
    with transaction.atomic():
        locked = Draft.objects.for_tenant(draft.tenant_id).select_for_update().get(pk=draft.pk)
        merged = {**locked.files, **{p: f for p, f in files.items() if p not in upload_errors}}
        # After a repeat item was removed, the files of the items behind it move up one index.
        locked.files = formengine.move_files(merged, result)
        if result.ok:
            locked.answers = {**locked.answers, step_id: result.answers}
        elif keep_invalid and result.action is None:
            # "Save and continue later": keep the step as typed (what is invalid stays as typed, made storable);
            # the step, the summary and submit check everything again.
            locked.answers = {**locked.answers, step_id: formengine.kept_as_typed(result)}
        _touch(locked)
        locked.save()
    _copy_state(locked, draft)
    return result


UPLOADS_PER_HOUR = 120


def _check_and_store(
    definition: Any, files: dict[str, Any], path: str, upload: Any, *, owner_id: int | None = None
) -> dict[str, Any]:
    """Check an upload for the file field at ``path`` and store it; KeyError if there is no such field."""
    field = _file_field(definition, path)
    if field is None:
        raise KeyError(path)
    if owner_id is not None and not ratelimit.allow("upload", owner_id, limit=UPLOADS_PER_HOUR, window_seconds=3600):
        raise UploadRejected("rate_limited")
    checked = check_upload(upload, allowed_types=field["types"], max_bytes=field["max_bytes"])
    check_total([f["size"] for p, f in files.items() if p != path] + [checked.size])
    return _store(checked)


def upload_to_draft(*, draft: Draft, path: str, upload: Any) -> dict[str, Any]:
    """Check and store one file for the draft's file field at ``path`` (API); the step refers to it later."""
    definition = draft.form_version.parsed()
    try:
        ref = _check_and_store(definition, dict(draft.files), path, upload, owner_id=draft.owner_id)
    except KeyError:
        raise NotFound(_("Dieses Formular hat kein Dateifeld »%(path)s«.") % {"path": path}) from None
    except UploadRejected as exc:
        raise ValidationFailed(exc.message, errors=[{"field": path, "code": exc.code}]) from None
    with transaction.atomic():
        locked = Draft.objects.for_tenant(draft.tenant_id).select_for_update().get(pk=draft.pk)
        locked.files = {**locked.files, path: ref}
        _touch(locked)
        locked.save()
    _copy_state(locked, draft)
    return ref


def _file_field(definition: Any, path: str) -> dict[str, Any] | None:
    """The file rules of the file field at ``path`` (repeat indexes allowed), or None."""
    parts = path.split(".")
    candidates = [path, ".".join(p for p in parts if not p.isdigit())]
    for candidate in candidates:
        try:
            field = definition.field(candidate)
        except KeyError:
            continue
        if field.type != "file":
            return None
        rules = field.file or FileSpec()  # a file field without rules gets the engine's defaults
        return {"types": tuple(rules.types), "max_bytes": rules.max_bytes}
    return None


def _store(checked: CheckedFile) -> dict[str, Any]:
    key = storage.store(checked.data, checked.sha256)
    return {
        "key": key,
        "name": checked.name,
        "sha256": checked.sha256,
        "size": checked.size,
        "content_type": checked.content_type,
    }


def delete_expired_drafts(*, now: dt.datetime | None = None) -> int:
    """Delete drafts past their expiry in every municipality; their blobs go with the next blob sweep."""
    now = now or timezone.now()
    deleted, _detail = Draft.objects.unscoped().filter(expires_at__lte=now).delete()
    log.info("drafts_expired", deleted=deleted)
    return deleted


def delete_drafts_of(*, tenant: Municipality, owner: User) -> int:
    """Delete every draft of ``owner`` (expired or not), e.g. when the account is deleted; their blobs go with
    the next blob sweep. Submitted applications are not drafts and stay."""
    deleted, _detail = Draft.objects.for_tenant(tenant).filter(owner=owner).delete()
    return deleted


# --------------------------------------------------------------------------- submission


def _next_number(tenant_id: int, year: int) -> str:
    """``A-<year>-<6 digits>``, gap-free per municipality and year; call inside the submission's transaction."""
    seq, _created = (
        NumberSequence.objects.for_tenant(tenant_id).select_for_update().get_or_create(tenant_id=tenant_id, year=year)
    )
    NumberSequence.objects.for_tenant(tenant_id).filter(pk=seq.pk).update(last=seq.last + 1)
    return f"A-{year}-{seq.last + 1:06d}"


def submitted(
    *, tenant: Municipality, actor: User, draft_uuid: Any, organisation_id: int | None = None
) -> Application | None:
    """The application the actor's draft (or, acting for an organisation, the organisation's draft) already
    became, if any (the idempotency lookup)."""
    acting = identity.Acting(user=actor, organisation_id=organisation_id)
    return (
        Application.objects.for_tenant(tenant)
        .filter(identity.owned_by(acting, person="applicant"), draft_uuid=draft_uuid)
        .first()
    )


def submit(
    *, draft_uuid: Any, tenant: Municipality, actor: User, trust_level: str, organisation_id: int | None = None
) -> Application:
    """Turn the actor's draft into an application, atomically and idempotently (see module docstring).

    Acting for an organisation (``organisation_id``), the organisation's draft — whoever of its representatives
    started it — becomes the organisation's application, submitted by ``actor`` (recorded as ``applicant``;
    who started it as ``started_by``). A draft that is not the actor's (or the organisation's, while the actor
    represents it) is ``NotFound``.
    """
    acting = identity.Acting(user=actor, organisation_id=organisation_id)
    existing = submitted(tenant=tenant, actor=actor, draft_uuid=draft_uuid, organisation_id=organisation_id)
    if existing:
        return existing
    try:
        with transaction.atomic(durable=True):  # acknowledged = stored: never inside a caller's transaction
            draft = (
                Draft.objects.for_tenant(tenant)
                .select_for_update()
                .select_related("form_version__service")
                .filter(identity.owned_by(acting, person="owner"), uuid=draft_uuid)
                .first()
            )
            if draft is None:
                # A second click waited for the first one's lock; by now the first has committed.
                done = submitted(tenant=tenant, actor=actor, draft_uuid=draft_uuid, organisation_id=organisation_id)
                if done is not None:
                    return done
                raise NotFound(_("Diesen Entwurf gibt es nicht (mehr)."))
            application = _create_application(draft=draft, tenant=tenant, actor=actor, trust_level=trust_level)
    except IntegrityError:
        # A concurrent call for the same draft won the race; return what it committed.
        existing = submitted(tenant=tenant, actor=actor, draft_uuid=draft_uuid, organisation_id=organisation_id)
        if existing is None:
            raise
        return existing
    transaction.on_commit(lambda: notifications.application_received(application))
    log.info("application_submitted", number=application.number, service=application.service_id)
    return application


def _create_application(*, draft: Draft, tenant: Municipality, actor: User, trust_level: str) -> Application:
    form_version = draft.form_version
    service = form_version.service
    definition = form_version.parsed()
    errors = formengine.validate_all(definition, draft.answers, files=draft.files)
    if errors:
        raise ValidationFailed(
            _("Der Antrag ist noch nicht vollständig."),
            errors=[{"field": path, "messages": msgs} for path, msgs in errors.items()],
        )
    _check_target_group(service, draft.organisation_id)  # the municipality may have narrowed it since
    referenced = _referenced_files(draft.answers)
    files = {path: ref for path, ref in draft.files.items() if path in referenced}
    try:
        check_total(f["size"] for f in files.values())
    except UploadRejected as exc:  # the limit was lowered since the uploads, or two uploads raced
        raise ValidationFailed(exc.message, errors=[{"field": "files", "code": exc.code}]) from None
    lines = formengine.compute_fees(definition, draft.answers)
    total = formengine.total(lines)
    now = timezone.now()
    required_first = definition.payment_required_before_forwarding and total > 0
    application = Application.objects.create(
        tenant=tenant,
        number=_next_number(tenant.pk, timezone.localdate(now).year),
        draft_uuid=draft.uuid,
        service=service,
        org_unit_id=service.org_unit_id,
        form_version=form_version,
        applicant=actor,
        organisation_id=draft.organisation_id,
        started_by_id=draft.owner_id,
        trust_level=trust_level,
        answers=draft.answers,
        fee_lines=[_line_json(line) for line in lines],
        fee_total=total,
        payment_state=Application.PaymentState.OPEN if total > 0 else Application.PaymentState.NOT_REQUIRED,
        payment_required_first=required_first,
        forwarded_at=None if required_first else now,
        submitted_at=now,
    )
    Attachment.objects.bulk_create(
        Attachment(
            tenant=tenant,
            application=application,
            field=path,
            name=ref["name"],
            content_type=ref["content_type"],
            size=ref["size"],
            sha256=ref["sha256"],
            key=ref["key"],
        )
        for path, ref in sorted(files.items())
    )
    StatusEvent.objects.create(tenant=tenant, application=application, status=Application.Status.SUBMITTED, at=now)
    events.publish(
        tenant,
        "application.submitted",
        application.number,
        {"number": application.number, "service": service.leika_key, "forwardable": not required_first},
    )
    if not required_first:
        events.publish(
            tenant, "application.forwardable", application.number, {"number": application.number, "reason": "submitted"}
        )
    draft.delete()
    return application


def _line_json(line: Any) -> dict[str, Any]:
    return {
        "label": str(line.label),
        "quantity": int(line.quantity),
        "unit_amount": str(line.unit_amount),
        "amount": str(line.amount),
    }


def _referenced_files(answers: Any) -> set[str]:
    """Field paths whose answer is a file reference (only those files belong to the application)."""
    found: set[str] = set()

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "sha256" in node and "key" in node:
                found.add(path)
                return
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else str(k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}.{i}")

    walk(answers, "")
    return found


# --------------------------------------------------------------------------- payment


def record_payment(*, tenant_id: int, number: str, paid: bool, failed: bool = False) -> Application | None:
    """Payment state from the payment module; a paid application that waited for its fee is forwarded now.

    Idempotent (it consumes ``payment.paid``/``payment.failed``, delivered at least once): a second *paid*
    changes nothing and publishes nothing; *failed* only turns an open fee into a failed one, never a paid one.
    """
    with transaction.atomic():
        application = Application.objects.for_tenant(tenant_id).select_for_update().filter(number=number).first()
        if application is None:
            return None
        if paid and application.payment_state != Application.PaymentState.PAID:
            application.payment_state = Application.PaymentState.PAID
            if application.forwarded_at is None:
                application.forwarded_at = timezone.now()
                events.publish(
                    tenant_id, "application.forwardable", number, {"number": application.number, "reason": "paid"}
                )
            application.save(update_fields=["payment_state", "forwarded_at"])
        elif failed and application.payment_state == Application.PaymentState.OPEN:
            application.payment_state = Application.PaymentState.FAILED
            application.save(update_fields=["payment_state"])
        return application


def mark_forwarded(*, tenant_id: int, number: str, at: dt.datetime) -> bool:
    """The office inbox takes an ``application.forwardable`` application: it is listed from now on.

    Today ``forwarded_at`` is set in the very transaction that publishes the event (submit, record_payment),
    so the list behaves exactly as before and this only confirms it; it sets the time where it is missing,
    so the inbox stays right for a publisher that relies on the event alone. Idempotent. Returns whether it
    changed the application.
    """
    changed = (
        Application.objects.for_tenant(tenant_id)
        .filter(number=number, forwarded_at__isnull=True)
        .update(forwarded_at=at)
    )
    return bool(changed)


# --------------------------------------------------------------------------- status and messages


def change_status(*, application: Application, status: str, actor: User, note: str = "") -> StatusEvent:
    if status not in Application.Status.values:
        raise ValidationFailed(_("Unbekannter Status."))
    with transaction.atomic():
        Application.objects.for_tenant(application.tenant_id).filter(pk=application.pk).update(status=status)
        event = StatusEvent.objects.create(
            tenant_id=application.tenant_id, application=application, status=status, note=note[:500], actor=actor
        )
    application.status = status
    transaction.on_commit(lambda: notifications.status_changed(application, event))
    return event


def send_message(
    *, application: Application, sender: User, body: str, from_office: bool, uploads: list[Any] | None = None
) -> Message:
    """Post a message in the application's mailbox thread (its applicant is the recipient, the subject the
    service's name); files are checked and stored like application attachments (``mailbox.services.post``).
    An organisation's application has the organisation's thread: any of its representatives writes there
    (recorded as the sender). After the commit the applicant is notified of a message from the office."""
    message = mailbox.post(
        tenant=application.tenant_id,
        recipient=application.applicant,
        reference=application.mailbox_reference,
        subject=application.service.name or application.number,
        sender=sender,
        body=body,
        from_office=from_office,
        uploads=uploads or [],
        organisation_id=application.organisation_id,
    )
    transaction.on_commit(lambda: notifications.new_message(application, message))
    return message


def remember_step(*, draft: Draft, step_id: str) -> None:
    """Where the citizen continues when they resume the draft."""
    Draft.objects.for_tenant(draft.tenant_id).filter(pk=draft.pk).update(step=step_id)
    draft.step = step_id


def payment_redirect(*, application: Application, request: Any) -> str | None:
    """Where the citizen pays the application's fee (the provider's page), or None when nothing is due.

    The payment belongs to whoever the application belongs to (the organisation, for a business); the payer
    is the person paying (the logged-in representative), or the applicant."""
    if application.payment_state not in (Application.PaymentState.OPEN, Application.PaymentState.FAILED):
        return None
    # An attempt still open at the provider is continued; a cancelled or failed one is replaced by a new one.
    payment = (
        payment_selectors.payments_for_reference(application.tenant, application.number)
        .filter(status__in=["open", "pending"])
        .first()
    )
    if payment is None:
        payment = payments.start_payment(
            tenant=application.tenant,
            reference=application.number,
            purpose=f"{application.number} {application.service.name}"[:140],
            amount=application.fee_total,
            lines=[{"label": line["label"], "amount": line["amount"]} for line in application.fee_lines],
            payer=_payer(request, application),
            organisation_id=application.organisation_id,
            return_url=reverse("applications:detail", args=[application.number]),
        )
    return str(payments.begin_redirect(payment=payment, request=request))


def _payer(request: Any, application: Application) -> User:
    user = getattr(request, "user", None)
    if application.organisation_id is not None and user is not None and user.is_authenticated:
        return user  # type: ignore[no-any-return]
    return application.applicant


def referenced_blob_keys() -> set[str]:
    """Every blob key some draft, application or mailbox message of any municipality points to."""
    keys = set(Attachment.objects.unscoped().values_list("key", flat=True))
    for files in Draft.objects.unscoped().values_list("files", flat=True).iterator(chunk_size=500):
        keys.update(ref.get("key", "") for ref in (files or {}).values() if isinstance(ref, dict))
    keys.update(mailbox_selectors.referenced_blob_keys())
    return keys


def sweep(*, min_age_seconds: float = 3600.0) -> dict[str, int]:
    """Housekeeping: expired drafts, then blobs nobody points to, then temporary files a crash left."""
    drafts = delete_expired_drafts()
    referenced = storage.referenced_keys()  # drafts, applications, mailbox, records, … (register_referrer)
    blobs = storage.delete_unreferenced(
        storage.iter_keys(), lambda key: key in referenced, min_age_seconds=min_age_seconds
    )
    temps = storage.delete_stale_temp_files(min_age_seconds=min_age_seconds)
    return {"drafts": drafts, "blobs": blobs, "temp_files": temps}


MAX_FORM_FILE_BYTES = 5 * 1024 * 1024


def read_form_file(data: bytes) -> tuple[dict[str, Any], list[str]]:
    """A form definition from an uploaded file: Rathaus JSON, or an XDatenfelder 2.0/3.0 schema.

    Returns (definition dict, German notes on what an XDatenfelder import left out). Raises
    ``ValidationFailed`` with a German message for anything unreadable; the definition itself is
    checked when it is published.
    """
    if len(data) > MAX_FORM_FILE_BYTES:
        raise ValidationFailed(_("Die Datei ist größer als 5 MB."))
    if (xml := data.lstrip()).startswith(b"<"):
        try:
            # Without the whitespace an editor or a download left before it: an XML declaration must come first.
            result = read_xdatenfelder(xml)
        except XDatenfelderError as exc:
            raise ValidationFailed(_("Das XDatenfelder-Schema ist nicht lesbar: %(e)s") % {"e": exc}) from None
        return dict(result.definition), list(result.notes)
    try:
        loaded = jsonload.loads(data)
    except jsonload.JsonTooDeep:
        raise ValidationFailed(
            _("Die JSON-Datei ist zu tief verschachtelt (mehr als %(n)d Ebenen).") % {"n": jsonload.MAX_DEPTH}
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValidationFailed(_("Die Datei ist weder JSON noch XDatenfelder-XML.")) from None
    if not isinstance(loaded, dict):
        raise ValidationFailed(_("Die Definition muss ein JSON-Objekt sein."))
    return loaded, []
