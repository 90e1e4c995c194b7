"""Retention and disposal (Aussonderung) of files: closing starts retention, a run lists what is due, a second
person approves it, then V files are destroyed and A/B files go to the archive by xdomea (0501 → 0502 →
0503 → 0506). Only after the archive confirmed the import (0506) are transferred files deleted here.

Who may do what: the records manager (the municipality's administration, ``tenant_admin``) creates a run and
exchanges the messages; a unit lead who did not create it approves it (four eyes). Files under a legal hold
are never destroyed or transferred: the attempt is refused and journaled. Every step is journaled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.attachments import storage
from rathaus.core.text import TextRefused, clean_text
from rathaus.identity import permissions
from rathaus.identity.permissions import Role

from . import journal, search, xdomea
from .journal import Actor
from .models import ArchiveExchange, CaseFile, DisposalItem, DisposalRun, Document, DocumentVersion, Party

ERASED = "[gelöscht]"
T = TypeVar("T")


class RetentionError(Exception):
    """A retention step that is not allowed (permission, state, four eyes, legal hold); journaled as refused."""


def _actor(user: Any, role: str) -> Actor:
    return Actor(id=user.pk, label=user.get_username(), role=role)


def _refuse(tenant_id: int, user: Any, action: str, object_type: str, object_id: str, reason: str) -> None:
    journal.record(
        tenant_id=tenant_id,
        actor=_actor(user, ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome="refused",
        detail={"reason": reason},
    )
    raise RetentionError(reason)


def is_records_manager(user: Any, tenant: Any) -> bool:
    return permissions.has_role(user, tenant, Role.TENANT_ADMIN)


# --- files -----------------------------------------------------------------------------------------------


def close_file(*, case_file: CaseFile, actor: Actor, at: dt.datetime | None = None) -> CaseFile:
    """Close a file (zdA): its retention period starts on the closing day."""
    with transaction.atomic():
        locked = CaseFile.objects.for_tenant(case_file.tenant_id).select_for_update().get(pk=case_file.pk)
        if locked.status != CaseFile.Status.OPEN:
            raise RetentionError("Die Akte ist nicht offen.")
        locked.status = CaseFile.Status.CLOSED
        locked.closed_at = at or timezone.now()
        locked.save(update_fields=["status", "closed_at"])
        journal.record(
            tenant_id=locked.tenant_id,
            actor=actor,
            action="file.closed",
            object_type="file",
            object_id=locked.reference,
            detail={"retention_ends": locked.retention_ends().isoformat()},
        )
    return locked


def set_legal_hold(*, case_file: CaseFile, hold: bool, reason: str, actor: Actor) -> CaseFile:
    """Set or lift a legal hold (Löschsperre): a held file is neither destroyed nor transferred. The reason of
    a lift is journaled (the file keeps no reason once free)."""
    with transaction.atomic():
        locked = CaseFile.objects.for_tenant(case_file.tenant_id).select_for_update().get(pk=case_file.pk)
        locked.legal_hold = hold
        locked.legal_hold_reason = reason[:300] if hold else ""
        locked.save(update_fields=["legal_hold", "legal_hold_reason"])
        journal.record(
            tenant_id=locked.tenant_id,
            actor=actor,
            action="file.legal_hold.set" if hold else "file.legal_hold.lifted",
            object_type="file",
            object_id=locked.reference,
            detail={"reason": reason[:300]},
        )
    return locked


# --- the same, asked for by a person (the pages): permission, state and input checked, refusals journaled ---

GONE = (CaseFile.Status.DESTROYED, CaseFile.Status.ARCHIVED)


def may_close(user: Any, tenant: Any, case_file: CaseFile) -> bool:
    """Closing (zdA) is the owner unit's call: its caseworkers and leads, and the records manager."""
    return permissions.has_role(user, tenant, Role.CASEWORKER, Role.UNIT_LEAD, unit=case_file.owner_unit_id)


def may_hold(user: Any, tenant: Any, case_file: CaseFile) -> bool:
    """A legal hold is set or lifted by the lead of the owner unit or the records manager."""
    return permissions.has_role(user, tenant, Role.UNIT_LEAD, unit=case_file.owner_unit_id)


def close_file_as(*, case_file: CaseFile, user: Any, tenant: Any) -> CaseFile:
    """:func:`close_file` for a person: refused (and journaled) without the right or for a file not open."""
    ref = case_file.reference
    if not may_close(user, tenant, case_file):
        _refuse(tenant.pk, user, "file.closed", "file", ref, _("Sie dürfen diese Akte nicht schließen."))
    if case_file.status != CaseFile.Status.OPEN:
        _refuse(tenant.pk, user, "file.closed", "file", ref, _("Die Akte ist nicht offen."))
    return close_file(case_file=case_file, actor=_actor(user, "caseworker"))


def legal_hold_as(*, case_file: CaseFile, user: Any, tenant: Any, hold: bool, reason: str) -> CaseFile:
    """:func:`set_legal_hold` for a person: a reason is required both ways (it is journaled)."""
    action = "file.legal_hold.set" if hold else "file.legal_hold.lifted"
    ref = case_file.reference
    if not may_hold(user, tenant, case_file):
        message = _("Löschsperren setzt die Leitung der Einheit oder die Registratur.")
        _refuse(tenant.pk, user, action, "file", ref, message)
    if case_file.status in GONE:
        _refuse(tenant.pk, user, action, "file", ref, _("Die Akte ist schon ausgesondert."))
    if not hold and not case_file.legal_hold:
        _refuse(tenant.pk, user, action, "file", ref, _("Die Akte steht nicht unter Löschsperre."))
    try:
        reason = clean_text(reason or "")
    except TextRefused as exc:
        raise RetentionError(exc.message) from None
    if not reason:
        raise RetentionError(_("Bitte geben Sie einen Grund an."))
    if len(reason) > 300:
        raise RetentionError(_("Der Grund ist zu lang (höchstens 300 Zeichen)."))
    return set_legal_hold(case_file=case_file, hold=hold, reason=reason, actor=_actor(user, "unit_lead"))


def due_files(tenant_id: int, on: dt.date) -> list[CaseFile]:
    """Closed files whose retention ended by ``on`` and that are not under a legal hold."""
    candidates = CaseFile.objects.for_tenant(tenant_id).filter(
        status=CaseFile.Status.CLOSED, legal_hold=False, closed_at__isnull=False
    )
    return [f for f in candidates.select_related("plan_unit").order_by("reference") if f.retention_ends() <= on]


def destroy_file(*, case_file: CaseFile, actor: Actor) -> CaseFile:
    """Destroy a file's content: versions become tombstones, blobs no one else points to are deleted after
    commit, the personal data of the file and of its party (if it has no other live file) are erased.
    The file row (reference, plan unit, dates) and the journal remain."""
    current = CaseFile.objects.for_tenant(case_file.tenant_id).get(pk=case_file.pk)
    if current.legal_hold:  # journaled before any transaction of ours, so the refusal is kept
        journal.record(
            tenant_id=current.tenant_id,
            actor=actor,
            action="file.destroyed",
            object_type="file",
            object_id=current.reference,
            outcome="refused",
            detail={"reason": "legal_hold", "hold": current.legal_hold_reason},
        )
        raise RetentionError("Die Akte steht unter Löschsperre.")
    with transaction.atomic():
        locked = CaseFile.objects.for_tenant(case_file.tenant_id).select_for_update().get(pk=case_file.pk)
        if locked.legal_hold:  # set in the meantime
            raise RetentionError("Die Akte steht unter Löschsperre.")
        now = timezone.now()
        keys: set[str] = set()
        versions = DocumentVersion.objects.for_tenant(locked.tenant_id).filter(
            document__case__file=locked, destroyed_at__isnull=True
        )
        count = 0
        for version in versions:
            keys.add(version.key)
            version.destroyed_at = now
            version.text = ""
            version.name = ERASED
            version.save(_disposal=True)
            count += 1
        search.update_indexed(Document.objects.for_tenant(locked.tenant_id).filter(case__file=locked), title=ERASED)
        search.update_indexed(locked.cases.all(), subject=ERASED, assignee=None)
        locked.subject = ERASED
        locked.grouping_key = ""
        locked.status = CaseFile.Status.DESTROYED
        locked.save(update_fields=["subject", "grouping_key", "status"])
        if locked.party_id is not None:
            erase_party_if_done(party_id=locked.party_id, tenant_id=locked.tenant_id, actor=actor)
        journal.record(
            tenant_id=locked.tenant_id,
            actor=actor,
            action="file.destroyed",
            object_type="file",
            object_id=locked.reference,
            detail={"versions": count},
        )

        def delete_blobs() -> None:
            referenced = storage.referenced_keys()  # records, applications, mailbox: shared blobs stay
            storage.delete_unreferenced(sorted(keys), lambda key: key in referenced, min_age_seconds=0)

        transaction.on_commit(delete_blobs)
    return locked


def erase_party_if_done(*, party_id: int, tenant_id: int, actor: Actor) -> bool:
    """Erase a party's personal data once none of its files is still kept (GDPR Art. 17 after retention)."""
    live = (
        CaseFile.objects.for_tenant(tenant_id)
        .filter(party_id=party_id)
        .exclude(status__in=[CaseFile.Status.DESTROYED, CaseFile.Status.ARCHIVED])
    )
    if live.exists():
        return False
    parties = Party.objects.for_tenant(tenant_id).filter(pk=party_id)
    search.update_indexed(parties, name=ERASED, address="", email="", account=None)
    journal.record(
        tenant_id=tenant_id, actor=actor, action="party.erased", object_type="party", object_id=str(party_id)
    )
    return True


# --- runs ------------------------------------------------------------------------------------------------


def create_run(*, tenant: Any, user: Any, cutoff: dt.date) -> DisposalRun:
    """List the files due on ``cutoff`` in a new run (records manager only)."""
    if not is_records_manager(user, tenant):
        _refuse(tenant.pk, user, "disposal.created", "disposal", "-", "Nur die Registratur legt Aussonderungen an.")
    with transaction.atomic():
        run = DisposalRun.objects.create(tenant=tenant, created_by=user, cutoff=cutoff)
        files = due_files(tenant.pk, cutoff)
        DisposalItem.objects.bulk_create(
            [DisposalItem(tenant=tenant, run=run, file=f, disposal=f.disposal) for f in files]
        )
        journal.record(
            tenant_id=tenant.pk,
            actor=_actor(user, Role.TENANT_ADMIN),
            action="disposal.created",
            object_type="disposal",
            object_id=str(run.uuid),
            detail={"cutoff": cutoff.isoformat(), "files": [f.reference for f in files]},
        )
    return run


def approve_run(*, run: DisposalRun, user: Any) -> DisposalRun:
    """A unit lead other than the creator approves (four eyes)."""
    tenant = run.tenant
    oid = str(run.uuid)
    if not permissions.has_role(user, tenant, Role.UNIT_LEAD):
        _refuse(tenant.pk, user, "disposal.approved", "disposal", oid, "Nur eine Leitung gibt Aussonderungen frei.")
    if user.pk == run.created_by_id:
        _refuse(tenant.pk, user, "disposal.approved", "disposal", oid, "Vier-Augen-Prinzip: nicht die eigene Liste.")
    if run.status != DisposalRun.Status.DRAFT:
        _refuse(tenant.pk, user, "disposal.approved", "disposal", oid, "Die Aussonderung ist schon freigegeben.")
    with transaction.atomic():
        locked = DisposalRun.objects.for_tenant(tenant).select_for_update().get(pk=run.pk)
        if locked.status != DisposalRun.Status.DRAFT:
            raise RetentionError("Die Aussonderung ist schon freigegeben.")
        locked.status = DisposalRun.Status.APPROVED
        locked.approved_by = user
        locked.approved_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        journal.record(
            tenant_id=tenant.pk,
            actor=_actor(user, Role.UNIT_LEAD),
            action="disposal.approved",
            object_type="disposal",
            object_id=oid,
        )
    return locked


def _parties(run: DisposalRun) -> tuple[xdomea.Party, xdomea.Party]:
    return xdomea.Party(institution=run.tenant.name, unit="Registratur"), xdomea.Party(institution="Archiv")


def _require_manager(run: DisposalRun, user: Any, action: str) -> None:
    if not is_records_manager(user, run.tenant):
        _refuse(
            run.tenant_id, user, action, "disposal", str(run.uuid), "Nur die Registratur führt Aussonderungen durch."
        )


def execute_run(*, run: DisposalRun, user: Any) -> ArchiveExchange | None:
    """Destroy the V files and offer the A/B files to the archive (0501); returns the offer (if any)."""
    _require_manager(run, user, "disposal.executed")
    actor = _actor(user, Role.TENANT_ADMIN)
    if run.status != DisposalRun.Status.APPROVED:
        _refuse(
            run.tenant_id,
            user,
            "disposal.executed",
            "disposal",
            str(run.uuid),
            "Die Aussonderung ist nicht freigegeben.",
        )
    with transaction.atomic():
        locked = DisposalRun.objects.for_tenant(run.tenant_id).select_for_update().get(pk=run.pk)
        if locked.status != DisposalRun.Status.APPROVED:
            raise RetentionError("Die Aussonderung ist nicht freigegeben.")
        offered = []
        for item in locked.items.select_related("file", "file__plan_unit"):
            if item.file.legal_hold:
                journal.record(
                    tenant_id=run.tenant_id,
                    actor=actor,
                    action="file.disposal",
                    object_type="file",
                    object_id=item.file.reference,
                    outcome="refused",
                    detail={"reason": "legal_hold"},
                )
                item.status = DisposalItem.Status.REFUSED
            elif item.disposal == "V":
                destroy_file(case_file=item.file, actor=actor)
                item.status = DisposalItem.Status.DESTROYED
            else:
                offered.append(item.file)
                search.update_indexed(
                    CaseFile.objects.for_tenant(run.tenant_id).filter(pk=item.file_id), status=CaseFile.Status.OFFERED
                )
                item.status = DisposalItem.Status.OFFERED
            item.done_at = timezone.now()
            item.save(update_fields=["status", "done_at"])
        exchange = None
        if offered:
            sender, recipient = _parties(locked)
            data = xdomea.offer_list(
                process_id=str(locked.process_id), files=offered, sender=sender, recipient=recipient
            )
            exchange = ArchiveExchange.objects.create(
                tenant_id=run.tenant_id,
                run=locked,
                message_type="0501",
                direction=ArchiveExchange.Direction.OUT,
                name=f"{locked.process_id}_Aussonderung.Anbieteverzeichnis.0501.xml",
                content=data,
            )
            locked.status = DisposalRun.Status.OFFERED
        else:
            locked.status = DisposalRun.Status.DONE
        locked.save(update_fields=["status"])
        journal.record(
            tenant_id=run.tenant_id,
            actor=actor,
            action="disposal.executed",
            object_type="disposal",
            object_id=str(run.uuid),
            detail={"offered": [f.reference for f in offered]},
        )
    return exchange


def _keep_refused(run: DisposalRun, user: Any, message_type: str, data: bytes, problems: list[str]) -> None:
    """A refused incoming message is kept with its report and journaled (outside the failed transaction)."""
    ArchiveExchange.objects.create(
        tenant_id=run.tenant_id,
        run=run,
        message_type=message_type,
        direction=ArchiveExchange.Direction.IN,
        name=f"{message_type}.xml",
        content=data,
        accepted=False,
        report="\n".join(problems),
    )
    journal.record(
        tenant_id=run.tenant_id,
        actor=_actor(user, Role.TENANT_ADMIN),
        action=f"xdomea.{message_type}.imported",
        object_type="disposal",
        object_id=str(run.uuid),
        outcome="refused",
        detail={"problems": problems[:50]},
    )


def _accept_incoming(
    *,
    run: DisposalRun,
    user: Any,
    data: bytes,
    message_type: str,
    expected: str,
    refusal: str,
    item_status: str,
    read: Callable[[bytes, str, set[str]], T],
) -> tuple[dict[str, DisposalItem], T]:
    """The steps every imported answer of the archive shares: the records manager only, the run in the
    ``expected`` state (else refused and journaled), the run's items in ``item_status`` by file UUID, the
    message parsed by ``read(data, process_id, ids)`` — a refused message is kept with its report and
    journaled before the error is raised. Returns the items and what ``read`` made of the message."""
    action = f"xdomea.{message_type}.imported"
    _require_manager(run, user, action)
    if run.status != expected:
        _refuse(run.tenant_id, user, action, "disposal", str(run.uuid), refusal)
    items = {str(i.file.uuid): i for i in run.items.select_related("file").filter(status=item_status)}
    try:
        parsed = read(data, str(run.process_id), set(items))
    except xdomea.XdomeaError as exc:
        _keep_refused(run, user, message_type, data, exc.problems)
        raise
    return items, parsed


def _keep_accepted(run: DisposalRun, message_type: str, data: bytes) -> ArchiveExchange:
    return ArchiveExchange.objects.create(
        tenant_id=run.tenant_id,
        run=run,
        message_type=message_type,
        direction=ArchiveExchange.Direction.IN,
        name=f"{message_type}.xml",
        content=data,
    )


def import_appraisal(*, run: DisposalRun, user: Any, data: bytes) -> dict[str, str]:
    """Import 0502: each offered file is to be archived (A) or destroyed (V, destroyed at once). When the
    archive asks for a receipt, the 0505 is created with it (to be downloaded and sent)."""
    items, appraisal = _accept_incoming(
        run=run,
        user=user,
        data=data,
        message_type="0502",
        expected=DisposalRun.Status.OFFERED,
        refusal="Keine Bewertung erwartet.",
        item_status=DisposalItem.Status.OFFERED,
        read=lambda d, pid, ids: xdomea.read_appraisal(d, process_id=pid, offered=ids),
    )
    actor = _actor(user, Role.TENANT_ADMIN)
    with transaction.atomic():
        _keep_accepted(run, "0502", data)
        for file_id, code in appraisal.items():
            item = items[file_id]
            item.appraisal = code
            if code == "V":
                destroy_file(case_file=item.file, actor=actor)
                item.status = DisposalItem.Status.DESTROYED
            else:
                item.status = DisposalItem.Status.APPRAISED
            item.save(update_fields=["appraisal", "status"])
        run.status = DisposalRun.Status.APPRAISED if "A" in appraisal.values() else DisposalRun.Status.DONE
        run.save(update_fields=["status"])
        journal.record(
            tenant_id=run.tenant_id,
            actor=actor,
            action="xdomea.0502.imported",
            object_type="disposal",
            object_id=str(run.uuid),
            detail={"archive": sorted(items[k].file.reference for k, v in appraisal.items() if v == "A")},
        )
        if xdomea.wants_receipt(data):
            _send_receipt(run, "0505", actor)
    return appraisal


def _send_receipt(run: DisposalRun, message_type: str, actor: Actor) -> ArchiveExchange:
    sender, recipient = _parties(run)
    exchange = ArchiveExchange.objects.create(
        tenant_id=run.tenant_id,
        run=run,
        message_type=message_type,
        direction=ArchiveExchange.Direction.OUT,
        name=f"{run.process_id}_{xdomea.RECEIPTS[message_type]}.xml",
        content=xdomea.receipt(
            message_type=message_type, process_id=str(run.process_id), sender=sender, recipient=recipient
        ),
    )
    journal.record(
        tenant_id=run.tenant_id,
        actor=actor,
        action=f"xdomea.{message_type}.sent",
        object_type="disposal",
        object_id=str(run.uuid),
    )
    return exchange


# Which receipt of the archive a run waits for in which state: 0504 acknowledges our offer (0501), 0507 our
# transfer (0503). A receipt changes no state; it is kept and journaled, so the records manager sees it arrived.
RECEIPT_EXPECTED = {"0504": DisposalRun.Status.OFFERED, "0507": DisposalRun.Status.TRANSFERRED}


def import_receipt(*, run: DisposalRun, user: Any, data: bytes, message_type: str) -> ArchiveExchange:
    """Import 0504 (offer received) or 0507 (transfer received) from the archive."""
    if message_type not in RECEIPT_EXPECTED:
        raise ValueError(f"not a receipt of the archive: {message_type}")

    def read(d: bytes, pid: str, _ids: set[str]) -> None:
        xdomea.read_receipt(d, message_type=message_type, process_id=pid)

    _accept_incoming(
        run=run,
        user=user,
        data=data,
        message_type=message_type,
        expected=RECEIPT_EXPECTED[message_type],
        refusal="Diese Empfangsbestätigung wird jetzt nicht erwartet.",
        item_status=DisposalItem.Status.LISTED,  # none needed; a receipt names no objects
        read=read,
    )
    with transaction.atomic():
        exchange = _keep_accepted(run, message_type, data)
        journal.record(
            tenant_id=run.tenant_id,
            actor=_actor(user, Role.TENANT_ADMIN),
            action=f"xdomea.{message_type}.imported",
            object_type="disposal",
            object_id=str(run.uuid),
        )
    return exchange


def import_message(*, run: DisposalRun, user: Any, data: bytes) -> str:
    """Import whatever the archive sent (0502, 0504, 0506 or 0507, told by its root element); returns the type."""
    message_type = xdomea.message_type_of(data)
    if message_type == "0502":
        import_appraisal(run=run, user=user, data=data)
    elif message_type == "0506":
        import_confirmation(run=run, user=user, data=data)
    elif message_type in RECEIPT_EXPECTED:
        import_receipt(run=run, user=user, data=data, message_type=message_type)
    else:
        _require_manager(run, user, "xdomea.import")
        problems = ["keine xdomea-Nachricht des Archivs (erwartet 0502, 0504, 0506 oder 0507)"]
        _keep_refused(run, user, message_type or "0000", data, problems)
        raise xdomea.XdomeaError(problems)
    return message_type


def build_transfer(*, run: DisposalRun, user: Any) -> ArchiveExchange:
    """0503: the files the archive wants, with their primary documents, as the xdomea zip container."""
    _require_manager(run, user, "xdomea.0503.sent")
    actor = _actor(user, Role.TENANT_ADMIN)
    if run.status != DisposalRun.Status.APPRAISED:
        _refuse(run.tenant_id, user, "xdomea.0503.sent", "disposal", str(run.uuid), "Keine bewerteten Akten.")
    with transaction.atomic():
        items = list(run.items.select_related("file", "file__plan_unit").filter(status=DisposalItem.Status.APPRAISED))
        files = []
        for item in items:
            if item.file.legal_hold:
                journal.record(
                    tenant_id=run.tenant_id,
                    actor=actor,
                    action="file.transferred",
                    object_type="file",
                    object_id=item.file.reference,
                    outcome="refused",
                    detail={"reason": "legal_hold"},
                )
                item.status = DisposalItem.Status.REFUSED
                item.save(update_fields=["status"])
            else:
                files.append(item.file)
        primaries: dict[str, list[xdomea.Primary]] = {}
        versions = (
            DocumentVersion.objects.for_tenant(run.tenant_id)
            .filter(document__case__file__in=files, destroyed_at__isnull=True)
            .select_related("document")
        )
        for version in versions:
            primaries.setdefault(str(version.document.uuid), []).append(
                xdomea.Primary(
                    document_id=str(version.document.uuid),
                    version=version.version,
                    name=version.name,
                    data=storage.open_blob(version.key),
                    created_at=version.created_at,
                )
            )
        sender, recipient = _parties(run)
        name, data, _xml = xdomea.transfer(
            process_id=str(run.process_id), files=files, primaries=primaries, sender=sender, recipient=recipient
        )
        exchange = ArchiveExchange.objects.create(
            tenant_id=run.tenant_id,
            run=run,
            message_type="0503",
            direction=ArchiveExchange.Direction.OUT,
            name=name,
            content=data,
        )
        run.items.filter(file__in=files).update(status=DisposalItem.Status.TRANSFERRED)
        run.status = DisposalRun.Status.TRANSFERRED
        run.save(update_fields=["status"])
        journal.record(
            tenant_id=run.tenant_id,
            actor=actor,
            action="xdomea.0503.sent",
            object_type="disposal",
            object_id=str(run.uuid),
            detail={"files": [f.reference for f in files], "name": name},
        )
    return exchange


def import_confirmation(*, run: DisposalRun, user: Any, data: bytes) -> dict[str, bool]:
    """Import 0506: files the archive imported are deleted here (content; tombstones and journal stay)."""
    items, result = _accept_incoming(
        run=run,
        user=user,
        data=data,
        message_type="0506",
        expected=DisposalRun.Status.TRANSFERRED,
        refusal="Keine Übergabe offen.",
        item_status=DisposalItem.Status.TRANSFERRED,
        read=lambda d, pid, ids: xdomea.read_import_confirmation(d, process_id=pid, transferred=ids),
    )
    actor = _actor(user, Role.TENANT_ADMIN)
    with transaction.atomic():
        _keep_accepted(run, "0506", data)
        for file_id, ok in result.items():
            if not ok:
                continue
            item = items[file_id]
            destroy_file(case_file=item.file, actor=actor)
            archived = CaseFile.objects.for_tenant(run.tenant_id).filter(pk=item.file_id)
            search.update_indexed(archived, status=CaseFile.Status.ARCHIVED)
            item.status = DisposalItem.Status.ARCHIVED
            item.done_at = timezone.now()
            item.save(update_fields=["status", "done_at"])
        if not run.items.filter(status=DisposalItem.Status.TRANSFERRED).exists():
            run.status = DisposalRun.Status.DONE
            run.save(update_fields=["status"])
        journal.record(
            tenant_id=run.tenant_id,
            actor=actor,
            action="xdomea.0506.imported",
            object_type="disposal",
            object_id=str(run.uuid),
            detail={"imported": sorted(items[k].file.reference for k, v in result.items() if v)},
        )
    return result
