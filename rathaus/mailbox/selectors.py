"""Reads of the mailbox, always inside one municipality.

These are lookups, not permission checks: the caller has already decided that the person may see the thread
of this reference (see services.py). ``reference`` is ``"<kind>:<identifier>"``, e.g.
``"application:A-2026-000001"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Count, Expression, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from rathaus.identity.selectors import Acting, owned_by

from .models import Message, Thread

if TYPE_CHECKING:
    from rathaus.identity.models import User
    from rathaus.tenants.models import Municipality


def thread(tenant: Municipality | int, reference: str) -> Thread | None:
    """The thread of ``reference`` in the municipality, or None while nobody has written in it."""
    return Thread.objects.for_tenant(tenant).filter(reference=reference).select_related("recipient").first()


def threads_of(tenant: Municipality | int, recipient: User | Acting) -> QuerySet[Thread]:
    """The recipient's threads, the one with the latest message first, with ``unread`` (messages from the
    office the recipient has not read yet). A person's own threads; acting for an organisation, the
    organisation's threads (``identity.selectors.owned_by``: the one ownership rule)."""
    unread = Count("messages", filter=Q(messages__from_office=True, messages__read_at__isnull=True))
    return (
        Thread.objects.for_tenant(tenant)
        .filter(owned_by(recipient, person="recipient"))
        .annotate(unread=unread, last_at=Coalesce(_latest(tenant), F("created_at")))
        .order_by("-last_at", "-pk")
    )


def _latest(tenant: Municipality | int) -> Subquery:
    latest = (
        Message.objects.for_tenant(tenant)
        .filter(thread=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return Subquery(latest)


def messages(tenant: Municipality | int, reference: str) -> QuerySet[Message]:
    """The messages of the thread of ``reference``, oldest first (none while there is no thread)."""
    return Message.objects.for_tenant(tenant).filter(thread__reference=reference).select_related("sender")


def message(tenant: Municipality | int, message_id: int) -> Message | None:
    """One message with its thread (for modules acting on ``mailbox.message_received``)."""
    return Message.objects.for_tenant(tenant).select_related("thread").filter(pk=message_id).first()


def unread_count(tenant: Municipality | int, reference: str, *, for_office: bool) -> int:
    """How many messages of the other side the office (``for_office``) or the recipient has not read."""
    return messages(tenant, reference).filter(from_office=not for_office, read_at__isnull=True).count()


def unread_subquery(tenant: Municipality | int, reference: Expression | Any, *, for_office: bool) -> Coalesce:
    """``unread_count`` as an expression for annotating the caller's rows in the same query.

    ``reference`` is an expression over the outer row, e.g. for applications
    ``Concat(Value("application:"), OuterRef("number"), output_field=CharField())``.
    """
    unread = (
        Message.objects.for_tenant(tenant)
        .filter(thread__reference=reference, from_office=not for_office, read_at__isnull=True)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def file_of(tenant: Municipality | int, reference: str, sha256: str) -> dict[str, Any] | None:
    """The reference ``{key, name, sha256, size, content_type}`` of a file in the thread of ``reference``,
    by its content hash; None when no message of that thread carries it."""
    for refs in messages(tenant, reference).exclude(attachments=[]).values_list("attachments", flat=True):
        for ref in refs or []:
            if isinstance(ref, dict) and ref.get("sha256") == sha256:
                return dict(ref)
    return None


def referenced_blob_keys() -> set[str]:
    """Every blob key a message of any municipality points to (the blob sweep must keep them)."""
    keys: set[str] = set()
    refs_of_all = Message.objects.unscoped().exclude(attachments=[]).values_list("attachments", flat=True)
    for refs in refs_of_all.iterator(chunk_size=500):
        keys.update(ref.get("key", "") for ref in refs or [] if isinstance(ref, dict))
    keys.discard("")
    return keys
