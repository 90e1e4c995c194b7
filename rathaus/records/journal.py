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
import math
import queue
import secrets
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, tsp
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max
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


def stored_form(detail: Any) -> Any:
    """``detail`` as both databases give it back, value for value: the form ``record`` hashes and stores.

    PostgreSQL's ``jsonb`` keeps numbers as ``numeric``: a float written in exponent form (``1e16``: every
    float from 10^16 up is an integer) comes back as the integer, ``-0.0`` as ``0.0``; and it refuses
    ``\u0000`` in text, as UTF-8 refuses a lone surrogate. So such floats are stored as the int they equal,
    ``-0.0`` as ``0.0``, NUL and lone surrogates as U+FFFD (in keys too); NaN and infinities, which neither
    JSON nor ``jsonb`` has, are refused (ValueError). Every other value is kept as it is: a float's shortest
    repr read back from ``numeric``'s digits is the same float.
    """
    return json.loads(json.dumps(_canonical_value(detail), ensure_ascii=False, sort_keys=True, allow_nan=False))


def _canonical_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"journal detail: {value!r} is not a JSON number")
        if value == 0:
            return 0.0  # also -0.0
        if value.is_integer() and "e" in repr(value):
            return int(value)
        return value
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, dict):
        return {
            _clean_text(key) if isinstance(key, str) else key: _canonical_value(item) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_canonical_value(item) for item in value]
    return value  # json.dumps says what it cannot encode


def _clean_text(text: str) -> str:
    if text.isascii() and "\x00" not in text:
        return text
    return "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in text)


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
    detail = stored_form(detail or {})  # what the database gives back, so verify hashes the same bytes
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
BATCH = 20_000
# On PostgreSQL the database writes the canonical JSON of every field but ``detail`` (the part before it, as
# text), on the other core, in the same bytes as ``_canonical``: ``to_json(text)`` escapes exactly as
# ``json.dumps(ensure_ascii=False)`` does (``"``, ``\\``, the control characters; nothing else), the time is
# formatted as ``isoformat(timespec="microseconds")`` of UTC. ``detail`` stays with Python (the key order of
# ``jsonb`` is not ``sort_keys``). ``test_journal`` holds the two encodings equal for any text.
_PG_ROWS = """
    SELECT seq,
           '[' || tenant_id || ',' || seq || ',"'
           || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00",'
           || coalesce(actor_id::text, 'null') || ',' || to_json(actor)::text || ',' || to_json(role)::text || ','
           || to_json(action)::text || ',' || to_json(object_type)::text || ',' || to_json(object_id)::text || ','
           || to_json(outcome)::text || ',' || to_json(remote_addr)::text || ',',
           detail::text, prev_hash, hash
      FROM records_journalentry
     WHERE tenant_id = %s AND seq > %s AND seq <= %s
     ORDER BY seq"""


def _detail_json(detail: Any) -> str:
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _rows_python(tenant_id: int, batch: int) -> Iterator[tuple[int, str, str, str, str]]:
    """(seq, canonical text before ``detail``, canonical ``detail``, prev_hash, hash), encoded in Python."""
    encode = json.encoder.encode_basestring  # type: ignore[attr-defined]  # json.dumps(ensure_ascii=False)
    for after in _batches(tenant_id, batch):
        entries = JournalEntry.objects.filter(tenant_id=tenant_id, seq__gt=after, seq__lte=after + batch)
        rows = entries.order_by("seq").values_list(*FIELDS)
        for seq, at, actor_id, actor, role, action, object_type, object_id, outcome, addr, detail, prev, h in rows:
            when = at.astimezone(dt.UTC).isoformat(timespec="microseconds")
            who = "null" if actor_id is None else str(actor_id)
            texts = ",".join(map(encode, (actor, role, action, object_type, object_id, outcome, addr)))
            yield seq, f'[{tenant_id},{seq},"{when}",{who},{texts},', _detail_json(detail), prev, h


def _rows_postgresql(tenant_id: int, batch: int) -> Iterator[tuple[int, str, str, str, str]]:
    """As ``_rows_python``, the text before ``detail`` written by PostgreSQL.

    A helper thread reads the next batch while this one hashes the current one (the database works on one
    core, Python on the other). It uses the same connection (so a caller's open transaction is seen), one
    statement at a time; nothing else runs on the connection meanwhile because the caller is inside this loop.
    """
    memo: dict[str, str] = {}  # jsonb text → canonical (details repeat: {}, {"version": 2} ...)
    batches: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()
    bounds = _batches(tenant_id, batch)
    connection.ensure_connection()
    raw = connection.connection

    def put(item: list[tuple[Any, ...]] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                batches.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for after in bounds:
                with raw.cursor() as cursor:
                    cursor.execute(_PG_ROWS, [tenant_id, after, after + batch])
                    if not put(cursor.fetchall()):
                        return
            put(None)
        except BaseException as exc:
            put(exc)

    reader = threading.Thread(target=read, name="journal-verify-reader", daemon=True)
    reader.start()
    try:
        while (rows := batches.get()) is not None:
            if isinstance(rows, BaseException):
                raise rows
            for seq, prefix, detail, prev, h in rows:
                canonical = memo.get(detail)
                if canonical is None:
                    canonical = _detail_json(json.loads(detail))
                    if len(memo) < 10_000:
                        memo[detail] = canonical
                yield seq, prefix, canonical, prev, h
    finally:
        stop.set()
        reader.join()


def _batches(tenant_id: int, batch: int) -> range:
    """Lower bounds of the ``seq`` ranges to read: ``(after, after + batch]``, one index range each, up to the
    highest number in the table (a gap only makes a batch shorter; the walk names it)."""
    last = JournalEntry.objects.filter(tenant_id=tenant_id).aggregate(m=Max("seq"))["m"] or 0
    return range(0, last, batch)


def _rows(tenant_id: int, batch: int = BATCH) -> Iterator[tuple[int, str, str, str, str]]:
    if connection.vendor == "postgresql":
        return _rows_postgresql(tenant_id, batch)
    return _rows_python(tenant_id, batch)


def verify(tenant_id: int, *, batch: int = BATCH) -> VerifyResult:
    """Walk the municipality's chain; name the first entry that is changed, missing, moved or cut off.

    Reads in batches by ``seq`` range (one index range each, no server-side cursor to hold open); per
    row only string joins and one SHA-256 in Python (no model instances, no JSON encoding of the fields).
    """
    anchors = dict(JournalAnchor.objects.filter(tenant_id=tenant_id).values_list("last_seq", "hash"))
    prev = GENESIS
    expected_seq = 1
    count = 0
    sha256 = hashlib.sha256
    for seq, prefix, detail, prev_hash, h in _rows(tenant_id, batch):
        if seq != expected_seq:
            return VerifyResult(tenant_id, count, False, expected_seq, f"Eintrag {expected_seq} fehlt")
        if prev_hash != prev:
            return VerifyResult(tenant_id, count, False, seq, "Verkettung unterbrochen (Vorgänger-Hash)")
        # == chain_hash(prev, _canonical(...)): prev is ASCII hex, the rest UTF-8.
        if sha256(f"{prev}{prefix}{detail}]".encode()).hexdigest() != h:
            return VerifyResult(tenant_id, count, False, seq, "Inhalt verändert (Hash stimmt nicht)")
        if anchors and anchors.get(seq, h) != h:
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
