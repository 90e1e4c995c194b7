"""Is this upload acceptable? Content type by magic bytes, size, integrity, virus scan, normalisation.

``check_upload`` is the single entry point for one file, ``check_total`` for the sum of a submission.
Everything the citizen is told comes as :class:`UploadRejected` with a German ``message``; anything else
escaping from here is a bug.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

import structlog
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from PIL import Image
from pypdf import PdfReader

from rathaus.attachments import formats, scanner
from rathaus.attachments.errors import UploadRejected, megabytes

__all__ = ["DEFAULT_TYPES", "CheckedFile", "UploadRejected", "check_total", "check_upload", "sanitise_name"]

log = structlog.get_logger("rathaus.attachments.checks")

DEFAULT_TYPES = (formats.PDF, formats.JPEG, formats.PNG)
MAX_NAME_LENGTH = 200
_READ_CHUNK = 1024 * 1024
_FALLBACK_STEM = "Anhang"
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file, ready for :func:`rathaus.attachments.storage.store`.

    ``data`` is what is to be stored: the original bytes for PDFs, the re-encoded bytes for images;
    ``sha256`` and ``size`` describe ``data``.
    """

    name: str
    content_type: str
    data: bytes = field(repr=False)
    sha256: str
    size: int


def check_upload(
    upload: UploadedFile | tuple[str, bytes],
    *,
    allowed_types: Collection[str] = DEFAULT_TYPES,
    max_bytes: int | None = None,
) -> CheckedFile:
    """Accept one uploaded file or raise :class:`UploadRejected`.

    In this order: size (at most ``max_bytes + 1`` bytes are ever read), not empty, the pixels or pages its
    header declares (cheap, and before clamd spends seconds on a decompression bomb), virus scan of the
    bytes as uploaded (so a disguised file is reported as what it is), content type from the magic bytes
    (the name's extension is irrelevant), integrity (PDF parses and ends in ``%%EOF``; images decode
    completely), normalisation of images. The returned name has no path parts, no control characters, at
    most 200 characters and an extension matching the detected type; ``size`` never exceeds ``max_bytes``.
    Types in ``allowed_types`` outside ``formats.SUPPORTED_TYPES`` cannot be recognised and never match.
    ``max_bytes`` may only narrow the installation's limit ``RATHAUS_MAX_ATTACHMENT_BYTES``, never widen it.
    """
    limit = settings.RATHAUS_MAX_ATTACHMENT_BYTES
    max_bytes = limit if max_bytes is None else min(max_bytes, limit)
    unsupported = set(allowed_types) - formats.SUPPORTED_TYPES
    if unsupported:  # a form definition asking for more than we can recognise: those types never match
        log.warning("unsupported_upload_types", types=sorted(unsupported), supported=sorted(formats.SUPPORTED_TYPES))
    raw_name, data = _read(upload, max_bytes)
    if not data:
        raise UploadRejected("empty", gettext("Die Datei ist leer (0 Byte). Bitte wählen Sie die richtige Datei aus."))
    content_type = formats.detect(data)
    # Cheap header checks first: a small file declaring 20000×20000 pixels (or 100000 pages) is refused here,
    # before clamd spends many seconds on it (its image fuzzy hashing decodes what the header declares).
    _refuse_declared_size(data, content_type)
    scanner.scan(data)  # via the module attribute, so the test double (fake_scanner) can replace it
    if content_type is None or content_type not in allowed_types:
        raise UploadRejected(
            "type_not_allowed",
            gettext(
                "Der Inhalt der Datei entspricht keinem hier erlaubten Dateityp (erlaubt: %(types)s). "
                "Entscheidend ist der Inhalt, nicht die Endung des Dateinamens."
            )
            % {"types": ", ".join(formats.LABELS.get(t, t) for t in sorted(allowed_types, key=_type_order))},
        )
    if content_type == formats.PDF:
        formats.verify_pdf(data)
        stored = data
    else:
        stored = formats.normalise_image(data, content_type, max_bytes=max_bytes)
    return CheckedFile(
        name=sanitise_name(raw_name, content_type),
        content_type=content_type,
        data=stored,
        sha256=hashlib.sha256(stored).hexdigest(),
        size=len(stored),
    )


def _refuse_declared_size(data: bytes, content_type: str | None) -> None:
    """Raise ``UploadRejected("too_large")`` if the header declares more pixels or pages than we accept.

    Reads headers only (Pillow's ``open`` and the PDF's page tree root, never pixels or page contents). A header
    that cannot be read is left to the checks after the scan, which report it as what it is.
    """
    if content_type in (formats.JPEG, formats.PNG, formats.WEBP):
        pixels = _declared_pixels(data, content_type)
        if pixels is not None and pixels > formats.MAX_DECODE_PIXELS:
            raise formats._too_many_pixels()  # the same refusal as when decoding: one message
    elif content_type == formats.PDF:
        pages = _declared_pages(data)
        limit = settings.RATHAUS_MAX_PDF_PAGES
        if pages is not None and pages > limit:
            raise UploadRejected(
                "too_large",
                gettext("Die PDF-Datei hat zu viele Seiten (höchstens %(limit)d).") % {"limit": limit},
            )


def _declared_pixels(data: bytes, content_type: str) -> int | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[formats._PIL_FORMATS[content_type]]) as img:
                if content_type == formats.JPEG:  # decoded at 1/2 … 1/8 scale later: count what is decoded
                    img.draft(None, (formats.MAX_SIDE, formats.MAX_SIDE))
                return int(img.width * img.height)
    except Image.DecompressionBombError:  # Pillow's own limit (twice its warning size) is far above ours
        return formats.MAX_DECODE_PIXELS + 1
    except Exception:  # an unreadable header is judged after the scan
        return None


def _declared_pages(data: bytes) -> int | None:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root: Any = reader.trailer["/Root"]
        return int(root["/Pages"]["/Count"])  # what the page tree declares; no page is read
    except Exception:  # an unreadable or encrypted PDF is judged after the scan
        return None


def check_total(sizes: Iterable[int], *, max_total: int | None = None) -> None:
    """Raise ``UploadRejected("total_too_large")`` if the files of one submission exceed ``max_total`` bytes
    (default: the installation's ``RATHAUS_MAX_SUBMISSION_BYTES``)."""
    if max_total is None:
        max_total = settings.RATHAUS_MAX_SUBMISSION_BYTES
    total = sum(sizes)
    if total > max_total:
        raise UploadRejected(
            "total_too_large",
            gettext(
                "Alle Dateien zusammen sind zu groß (%(total)s, erlaubt sind höchstens %(limit)s). "
                "Bitte entfernen Sie eine Datei oder laden Sie kleinere Dateien hoch."
            )
            % {"total": megabytes(total), "limit": megabytes(max_total)},
        )


def sanitise_name(raw: str, content_type: str) -> str:
    """A file name safe to show and to offer for download: last path part only, printable, ≤ 200 characters.

    If its extension does not fit ``content_type`` the type's extension is appended ("Scan.exe" holding
    a PDF becomes "Scan.exe.pdf"), so nobody is invited to open a document as a program.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    # isprintable() also drops format characters such as U+202E (right-to-left override: "gpj.exe").
    name = "".join(ch for ch in name if ch.isprintable())
    name = _WINDOWS_RESERVED.sub("_", name).strip().strip(".").strip()
    extensions = formats.EXTENSIONS[content_type]
    stem, dot, suffix = name.rpartition(".")
    if dot and stem and f".{suffix.lower()}" in extensions:
        extension = name[len(stem) :]
    else:
        stem, extension = name, extensions[0]
    stem = stem or _FALLBACK_STEM
    if stem.lower() == extension[1:]:  # an upload called just ".pdf"
        stem = _FALLBACK_STEM
    stem = stem[: MAX_NAME_LENGTH - len(extension)].rstrip(" .") or _FALLBACK_STEM
    return stem + extension


def _read(upload: UploadedFile | tuple[str, bytes], max_bytes: int) -> tuple[str, bytes]:
    """The upload's name and bytes; never more than ``max_bytes + 1`` bytes are read."""
    if isinstance(upload, tuple):
        name, data = upload
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
        return name, bytes(data)
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes:  # Django counted while receiving: read nothing
        raise _too_large(max_bytes)
    with contextlib.suppress(AttributeError, OSError, ValueError):  # a stream that cannot seek: read from here
        upload.seek(0)
    chunks: list[bytes] = []
    total = 0
    while total <= max_bytes:
        part = upload.read(min(_READ_CHUNK, max_bytes + 1 - total))
        if not part:
            break
        chunks.append(part)
        total += len(part)
    if total > max_bytes:
        raise _too_large(max_bytes)
    return upload.name or "", b"".join(chunks)


def _too_large(max_bytes: int) -> UploadRejected:
    return UploadRejected(
        "too_large",
        gettext("Die Datei ist zu groß. Erlaubt sind höchstens %(limit)s pro Datei.") % {"limit": megabytes(max_bytes)},
    )


def _type_order(content_type: str) -> tuple[int, str]:
    known = list(formats.LABELS)
    return (known.index(content_type) if content_type in known else len(known), content_type)
