"""Reading FIM uploads: XDatenfelder schemas, genericode code lists, Rathaus JSON, and zips of them.

FIM exports ship as a zip of the schema and the genericode files of its code lists; staff may also pick
several files at once. Nothing is ever written to disk (so member paths cannot traverse anywhere), members
are read with a hard cap on their real (not declared) size, and every XML goes through defusedxml.

Limits are sized for real schemas: published XDatenfelder 3.0 schemas reach 4–8 MB, destatis code lists
a few hundred KB, a full export zip some tens of MB unpacked.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree as SafeElementTree
from django.utils.translation import gettext as _

from rathaus.core import text
from rathaus.core.errors import ValidationFailed
from rathaus.formengine import genericode

MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # one uploaded file (schema, code list or zip)
MAX_MEMBER_BYTES = 25 * 1024 * 1024  # one file inside a zip, unpacked
MAX_TOTAL_BYTES = 120 * 1024 * 1024  # everything of one upload, unpacked
MAX_MEMBERS = 2000
MAX_RATIO = 200  # unpacked/packed per member: XML compresses ~10–30 ×, a zip bomb by thousands

GENERICODE_NS = "http://docs.oasis-open.org/codelist/ns/genericode/1.0/"
XDF_NAMESPACES = ("urn:xoev-de:fim:standard:xdatenfelder_2", "urn:xoev-de:fim:standard:xdatenfelder_3.0.0")


@dataclass(frozen=True)
class SourceFile:
    name: str
    data: bytes
    kind: str  # "genericode" | "xdatenfelder" | "json" | "unknown"


def _kind(data: bytes) -> str:
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "json"
    if head != b"<" and not data.startswith(b"\xef\xbb\xbf"):
        return "unknown"
    namespace = _root_namespace(data)
    if namespace == GENERICODE_NS:
        return "genericode"
    if namespace in XDF_NAMESPACES:
        return "xdatenfelder"
    return "unknown"


def _root_namespace(data: bytes) -> str:
    """The namespace of the root element, read incrementally (a 10 MB schema is not parsed twice)."""
    try:
        for _event, element in SafeElementTree.iterparse(io.BytesIO(data), events=("start",), forbid_dtd=True):
            tag = str(element.tag)
            return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""
    except Exception:  # broken or hostile XML: the real parser reports it with its message
        return ""
    return ""


def _name(path: str) -> str:
    """The file name without any directory part, storable (no NUL, no lone surrogate), at most 300 characters."""
    return str(text.storable(posixpath.basename(path.replace("\\", "/"))))[:300]


def read_files(uploads: list[tuple[str, bytes]]) -> list[SourceFile]:
    """Every file of the upload with its kind; zips are opened (one level). Raises ``ValidationFailed``."""
    out: list[SourceFile] = []
    total = 0
    for name, data in uploads:
        if len(data) > MAX_UPLOAD_BYTES:
            raise ValidationFailed(
                _("Die Datei »%(name)s« ist größer als %(mb)d MB.") % {"name": name, "mb": MAX_UPLOAD_BYTES >> 20}
            )
        if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
            members = _unzip(name, data, budget=MAX_TOTAL_BYTES - total)
            total += sum(len(m.data) for m in members)
            out.extend(members)
            continue
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise ValidationFailed(_("Die Dateien sind zusammen zu groß."))
        out.append(SourceFile(name=_name(name), data=data, kind=_kind(data)))
    return out


def _unzip(name: str, data: bytes, *, budget: int) -> list[SourceFile]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed(_("Die ZIP-Datei »%(name)s« ist nicht lesbar.") % {"name": name}) from None
    if len(infos) > MAX_MEMBERS:
        raise ValidationFailed(_("Die ZIP-Datei enthält mehr als %(n)d Dateien.") % {"n": MAX_MEMBERS})
    out: list[SourceFile] = []
    used = 0
    for info in infos:
        base = _name(info.filename)
        if info.is_dir() or not base or base.startswith(".") or info.filename.startswith("__MACOSX/"):
            continue
        if info.flag_bits & 0x1:
            raise ValidationFailed(_("Die ZIP-Datei enthält verschlüsselte Dateien (»%(m)s«).") % {"m": base})
        limit = min(MAX_MEMBER_BYTES, budget - used, max(info.compress_size, 1) * MAX_RATIO)
        if info.file_size > limit:
            raise ValidationFailed(_("Die Datei »%(m)s« in der ZIP-Datei ist zu groß.") % {"m": base})
        try:
            with archive.open(info) as member:
                content = member.read(limit + 1)  # the declared size may lie: never read past the cap
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, RuntimeError):
            raise ValidationFailed(_("Die Datei »%(m)s« in der ZIP-Datei ist nicht lesbar.") % {"m": base}) from None
        if len(content) > limit:
            raise ValidationFailed(_("Die Datei »%(m)s« in der ZIP-Datei ist zu groß.") % {"m": base})
        used += len(content)
        if content.startswith(b"PK\x03\x04"):
            raise ValidationFailed(
                _("Die ZIP-Datei enthält eine weitere ZIP-Datei (»%(m)s«); bitte entpacken Sie sie zuerst.")
                % {"m": base}
            )
        out.append(SourceFile(name=base, data=content, kind=_kind(content)))
    return out


@dataclass(frozen=True)
class ParsedCodeList:
    uri: str
    version: str
    name: str
    entries: list[tuple[str, str]]
    source_name: str


def parse_genericode(data: bytes, *, source_name: str = "") -> ParsedCodeList:
    """Identification and (code, label) rows of a genericode 1.0 code list (the form engine's reader, which
    the importer's resolver contract is written against). Raises ``ValidationFailed`` naming the file."""
    try:
        parsed = genericode.parse_genericode(data)
    except genericode.GenericodeError as exc:
        raise ValidationFailed(f"»{source_name}«: {exc}") from None
    if not parsed.entries:
        raise ValidationFailed(
            _("Die Codeliste »%(name)s« enthält keine Einträge.") % {"name": source_name or parsed.uri}
        )
    return ParsedCodeList(
        uri=parsed.uri[:300], version=(parsed.version or "")[:100], name=parsed.short_name[:300],
        entries=list(parsed.entries), source_name=source_name[:300],
    )  # fmt: skip
