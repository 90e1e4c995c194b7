"""GDPR for the E-Akte: the access export (Art. 15) of everything kept about one person, and the erasure of
their personal data (Art. 17) once the last retention period of their files has ended and the files are gone.

A person is found by their account (a citizen's login) or by a party row; every party of the municipality
linked to the account counts. The export is journaled like every read of files, cases and documents.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.db.models import Q

from rathaus.attachments import storage

from . import journal
from .journal import Actor
from .models import Case, CaseFile, DocumentVersion, Party
from .retention import ERASED, erase_party_if_done


def parties_of(*, tenant_id: int, account: Any = None, party: Party | None = None, email: str = "") -> list[Party]:
    query = Q(pk=party.pk) if party is not None else Q(pk__in=[])
    if account is not None:
        query |= Q(account=account)
    if email:
        query |= Q(email__iexact=email) | Q(account__email__iexact=email)
    return list(Party.objects.for_tenant(tenant_id).filter(query).order_by("pk"))


def _date(value: Any) -> str | None:
    return value.isoformat() if value else None


def access_export(
    *, tenant_id: int, actor: Actor, account: Any = None, party: Party | None = None, email: str = ""
) -> dict[str, Any]:
    """Everything about the person across files, cases and documents (metadata and text; bytes via
    :func:`access_export_zip`)."""
    parties = parties_of(tenant_id=tenant_id, account=account, party=party, email=email)
    files = CaseFile.objects.for_tenant(tenant_id).filter(party__in=parties).select_related("plan_unit")
    result: dict[str, Any] = {
        "parties": [{"name": p.name, "kind": p.kind, "address": p.address, "email": p.email} for p in parties],
        "files": [],
    }
    for f in files.order_by("reference"):
        cases = []
        for case in Case.objects.for_tenant(tenant_id).filter(file=f).order_by("number"):
            documents = []
            for document in case.documents.all():
                versions = DocumentVersion.objects.for_tenant(tenant_id).filter(document=document)
                documents.append(
                    {
                        "title": document.title,
                        "kind": document.kind,
                        "created_at": _date(document.created_at),
                        "versions": [
                            {
                                "version": v.version,
                                "name": v.name,
                                "content_type": v.content_type,
                                "size": v.size,
                                "sha256": v.sha256,
                                "text": v.text,
                                "destroyed_at": _date(v.destroyed_at),
                            }
                            for v in versions
                        ],
                    }
                )
            cases.append(
                {
                    "reference": case.reference,
                    "subject": case.subject,
                    "status": case.status,
                    "application": case.application_number,
                    "opened_at": _date(case.opened_at),
                    "documents": documents,
                }
            )
        result["files"].append(
            {
                "reference": f.reference,
                "subject": f.subject,
                "plan": f.plan_unit.code,
                "status": f.status,
                "opened_at": _date(f.opened_at),
                "closed_at": _date(f.closed_at),
                "retention_ends": _date(f.retention_ends()),
                "legal_hold": f.legal_hold,
                "cases": cases,
            }
        )
    journal.record(
        tenant_id=tenant_id,
        actor=actor,
        action="gdpr.access_exported",
        object_type="party",
        object_id=",".join(str(p.pk) for p in parties) or "-",
        detail={"files": [f["reference"] for f in result["files"]]},
    )
    return result


def access_export_zip(
    *, tenant_id: int, actor: Actor, account: Any = None, party: Party | None = None, email: str = ""
) -> bytes:
    """The export as a zip: ``auskunft.json`` plus every document version whose content is still kept."""
    data = access_export(tenant_id=tenant_id, actor=actor, account=account, party=party, email=email)
    parties = parties_of(tenant_id=tenant_id, account=account, party=party, email=email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("auskunft.json", json.dumps(data, ensure_ascii=False, indent=2))
        versions = (
            DocumentVersion.objects.for_tenant(tenant_id)
            .filter(document__case__file__party__in=parties, destroyed_at__isnull=True)
            .select_related("document__case__file")
        )
        for v in versions:
            safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in v.name)[:100]
            path = f"{v.document.case.reference.replace('/', '_')}/{v.document.pk}_v{v.version}_{safe}"
            archive.writestr(path, storage.open_blob(v.key))
    return buffer.getvalue()


def erase_due(*, tenant_id: int, actor: Actor) -> int:
    """Erase the personal data of every party none of whose files is still kept; returns how many."""
    erased = 0
    for party_id in Party.objects.for_tenant(tenant_id).exclude(name=ERASED).values_list("pk", flat=True):
        if CaseFile.objects.for_tenant(tenant_id).filter(party_id=party_id).exists() and erase_party_if_done(
            party_id=party_id, tenant_id=tenant_id, actor=actor
        ):
            erased += 1
    return erased
