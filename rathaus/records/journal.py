"""The audit journal: append-only, hash-chained per municipality, anchored daily.

Every entry's ``hash`` is SHA-256 over the previous entry's hash and a canonical encoding of the entry's own
fields, so changing, deleting or reordering any row breaks the chain from there on; the municipality's
:class:`JournalHead` (seq and hash of the last entry) catches rows cut off at the end. A daily
:class:`JournalAnchor` keeps the day's last hash (optionally timestamped by an RFC 3161 authority), so a chain
rewritten as a whole no longer matches its anchors.

``record()`` writes in the caller's transaction: an action that rolls back leaves no entry, an entry without
its action cannot exist. Appends are serialised per municipality by updating the head row first (a row lock on
PostgreSQL; the write lock on SQLite, whose transactions start IMMEDIATE here).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, tsp
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import JournalAnchor, JournalEntry, JournalHead

GENESIS = "0" * 64


def _canonical(
    *,
    tenant_id: int,
    seq: int,
    at: dt.datetime,
    actor_id: int | None,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str,
    remote_addr: str,
    detail: Any,
) -> bytes:
    return json.dumps(
        [
            tenant_id,
            seq,
            at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            actor_id,
            actor,
            role,
            action,
            object_type,
            object_id,
            outcome,
            remote_addr,
            detail,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    ).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


@dataclass(frozen=True)
class Actor:
    """Who acts, as the journal records it (kept readable after the account is gone)."""

    id: int | None
    label: str
    role: str = ""
    remote_addr: str = ""

    @classmethod
    def system(cls, label: str = "System") -> Actor:
        return cls(id=None, label=label, role="system")

    @classmethod
    def of_request(cls, request: Any, role: str = "") -> Actor:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return cls(id=None, label="anonym", role=role, remote_addr=_short_addr(request.META.get("REMOTE_ADDR", "")))
        return cls(
            id=user.pk,
            label=user.get_username(),
            role=role,
            remote_addr=_short_addr(request.META.get("REMOTE_ADDR", "")),
        )


def _short_addr(addr: str) -> str:
    return addr[:64]


def record(
    *,
    tenant_id: int,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    outcome: str = JournalEntry.Outcome.DONE,
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> JournalEntry:
    """Append one entry to the municipality's chain, in the caller's transaction (or its own)."""
    detail = json.loads(json.dumps(detail or {}, ensure_ascii=False, sort_keys=True))  # what the DB returns
    at = at or timezone.now()
    with transaction.atomic():
        head = _locked_head(tenant_id)
        seq = head.seq  # already advanced by the lock
        canonical = _canonical(
            tenant_id=tenant_id,
            seq=seq,
            at=at,
            actor_id=actor.id,
            actor=actor.label[:200],
            role=actor.role[:100],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:100],
            outcome=str(outcome),
            remote_addr=actor.remote_addr,
            detail=detail,
        )
        entry_hash = chain_hash(head.hash, canonical)
        entry = JournalEntry(
            tenant_id=tenant_id,
            seq=seq,
            at=at,
            actor_id=actor.id,
            actor=actor.label[:200],
            role=actor.role[:100],
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:100],
            outcome=outcome,
            remote_addr=actor.remote_addr,
            detail=detail,
            prev_hash=head.hash,
            hash=entry_hash,
        )
        entry.save()
        JournalHead.objects.filter(tenant_id=tenant_id).update(hash=entry_hash)
    return entry


def _locked_head(tenant_id: int) -> JournalHead:
    """Advance and lock the head row (creating it for the first entry); returns it with seq = the new entry's."""
    if JournalHead.objects.filter(tenant_id=tenant_id).update(seq=F("seq") + 1) == 0:
        try:
            with transaction.atomic():
                JournalHead.objects.create(tenant_id=tenant_id, seq=1, hash=GENESIS)
        except IntegrityError:  # another first entry won the race: take the lock behind it
            JournalHead.objects.filter(tenant_id=tenant_id).update(seq=F("seq") + 1)
    return JournalHead.objects.get(tenant_id=tenant_id)


# --- verification ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    tenant_id: int
    entries: int
    ok: bool
    broken_seq: int | None = None
    reason: str = ""


FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "remote_addr",
    "detail",
    "prev_hash",
    "hash",
)


def _rows(tenant_id: int, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    return (
        JournalEntry.objects.filter(tenant_id=tenant_id)
        .order_by("seq")
        .values_list(*FIELDS)
        .iterator(chunk_size=chunk_size)
    )


def verify(tenant_id: int, *, chunk_size: int = 5000) -> VerifyResult:
    """Walk the municipality's chain; name the first entry that is changed, missing, moved or cut off."""
    anchors = dict(JournalAnchor.objects.filter(tenant_id=tenant_id).values_list("last_seq", "hash"))
    prev = GENESIS
    expected_seq = 1
    count = 0
    sha256 = hashlib.sha256
    for seq, at, actor_id, actor, role, action, object_type, object_id, outcome, addr, detail, prev_hash, h in _rows(
        tenant_id, chunk_size
    ):
        if seq != expected_seq:
            return VerifyResult(tenant_id, count, False, expected_seq, f"Eintrag {expected_seq} fehlt")
        if prev_hash != prev:
            return VerifyResult(tenant_id, count, False, seq, "Verkettung unterbrochen (Vorgänger-Hash)")
        canonical = _canonical(
            tenant_id=tenant_id,
            seq=seq,
            at=at,
            actor_id=actor_id,
            actor=actor,
            role=role,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=outcome,
            remote_addr=addr,
            detail=detail,
        )
        if sha256(prev.encode("ascii") + canonical).hexdigest() != h:
            return VerifyResult(tenant_id, count, False, seq, "Inhalt verändert (Hash stimmt nicht)")
        anchored = anchors.get(seq)
        if anchored is not None and anchored != h:
            return VerifyResult(tenant_id, count, False, seq, "weicht vom Tagesanker ab")
        prev = h
        expected_seq += 1
        count += 1
    head = JournalHead.objects.filter(tenant_id=tenant_id).values_list("seq", "hash").first()
    if head is not None and (head[0] != count or head[1] != prev):
        return VerifyResult(tenant_id, count, False, count + 1, "Einträge am Ende fehlen (Kopf stimmt nicht)")
    if head is None and count:
        return VerifyResult(tenant_id, count, False, 1, "Kopf des Journals fehlt")
    if anchors and max(anchors) > count:
        return VerifyResult(tenant_id, count, False, count + 1, "Einträge vor einem Tagesanker fehlen")
    return VerifyResult(tenant_id, count, True)


# --- daily anchors -----------------------------------------------------------------------------------------


def anchor_day(tenant_id: int, day: dt.date, *, timestamper: Any = None) -> JournalAnchor | None:
    """Anchor the municipality's chain at the last entry of ``day`` (local time); idempotent.

    ``timestamper(digest: bytes) -> bytes`` returns an RFC 3161 timestamp token over the hash, when a
    timestamp authority is configured.
    """
    existing = JournalAnchor.objects.filter(tenant_id=tenant_id, day=day).first()
    if existing is not None:
        return existing
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    last = (
        JournalEntry.objects.filter(tenant_id=tenant_id, at__lt=end).order_by("-seq").values_list("seq", "hash").first()
    )
    if last is None:
        return None
    token = timestamper(bytes.fromhex(last[1])) if timestamper is not None else None
    try:
        with transaction.atomic():
            return JournalAnchor.objects.create(
                tenant_id=tenant_id, day=day, last_seq=last[0], hash=last[1], timestamp_token=token
            )
    except IntegrityError:
        return JournalAnchor.objects.get(tenant_id=tenant_id, day=day)


def configured_timestamper() -> Any:
    """The RFC 3161 timestamper of ``RATHAUS_TSA_URL``, or None when no timestamp authority is configured."""
    url = getattr(settings, "RATHAUS_TSA_URL", "")
    if not url:
        return None

    def stamp(digest: bytes) -> bytes:
        return rfc3161_token(url, digest)

    return stamp


def rfc3161_token(url: str, digest: bytes) -> bytes:
    """Ask the timestamp authority at ``url`` for a token over the SHA-256 ``digest`` (RFC 3161, HTTP)."""
    request = tsp.TimeStampReq(
        {
            "version": 1,
            "message_imprint": tsp.MessageImprint(
                {"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}), "hashed_message": digest}
            ),
            "nonce": secrets.randbits(63),
            "cert_req": True,
        }
    )
    if not url.startswith(("https://", "http://")):
        raise ValueError("RATHAUS_TSA_URL must be an http(s) address")
    http = urllib.request.Request(  # noqa: S310 - scheme checked above; the address is the operator's setting
        url, data=request.dump(), headers={"Content-Type": "application/timestamp-query"}, method="POST"
    )
    with urllib.request.urlopen(http, timeout=10) as answer:  # noqa: S310 - as above
        response = tsp.TimeStampResp.load(answer.read())
    if response["status"]["status"].native not in ("granted", "granted_with_mods"):
        raise RuntimeError(f"timestamp authority refused: {response['status']['status'].native}")
    token = response["time_stamp_token"]
    imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
    if imprint["hashed_message"].native != digest:
        raise RuntimeError("timestamp token covers another hash")
    return bytes(token.dump())
