"""What a file is (by its first bytes, never its name), whether it is intact, and its normalised form.

PDFs are kept byte for byte once they parse; images are decoded and re-encoded from their pixels, which
applies the EXIF orientation and drops every piece of metadata (EXIF incl. GPS, XMP, comments, text
chunks) and bounds the dimensions.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext
from PIL import Image, ImageCms, ImageOps
from pypdf import PdfReader

from rathaus.attachments.errors import UploadRejected, megabytes

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"

#: Content types this package can recognise; ``allowed_types`` must be a subset.
SUPPORTED_TYPES = frozenset({PDF, JPEG, PNG, WEBP})
LABELS = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", WEBP: "WebP"}
#: Accepted file name extensions per type; the first is appended to a name that lacks a fitting one.
EXTENSIONS = {PDF: (".pdf",), JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"), PNG: (".png",), WEBP: (".webp",)}

#: Longest side of a normalised image, in pixels; larger images are scaled down.
MAX_SIDE = 6000
#: Pixels we are willing to decode at all (50 MP ≈ 150 MB RGB); guards against decompression bombs.
MAX_DECODE_PIXELS = 50_000_000
_PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
_PDF_EOF_WINDOW = 1024


def detect(data: bytes) -> str | None:
    """The content type from the magic bytes at the start of ``data``, or None if it is none we know."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def verify_pdf(data: bytes) -> None:
    """Raise ``UploadRejected("corrupt")`` unless ``data`` is a complete PDF with at least one page."""
    if b"%%EOF" not in data[-_PDF_EOF_WINDOW:]:
        raise _corrupt(
            gettext("Die PDF-Datei ist unvollständig (das Dateiende fehlt). Bitte laden Sie sie erneut hoch.")
        )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            # Only a user password stops reading; owner-only protection (printing, editing) is fine.
            raise _corrupt(
                gettext(
                    "Die PDF-Datei ist mit einem Passwort geschützt und kann deshalb nicht gelesen werden. "
                    "Bitte laden Sie sie ohne Passwortschutz hoch."
                )
            )
        if len(reader.pages) < 1:
            raise _corrupt(gettext("Die PDF-Datei enthält keine Seite."))
        reader.pages[0].mediabox  # noqa: B018 - touching the first page proves the page tree resolves
    except UploadRejected:
        raise
    except Exception as exc:  # pypdf raises many types on hostile input; all of them mean "cannot be read"
        raise _corrupt() from exc


def normalise_image(data: bytes, content_type: str, *, max_bytes: int | None = None) -> bytes:
    """Decode, orient, bound and re-encode an image in its own format, without any metadata.

    Raises ``UploadRejected("corrupt")`` for anything Pillow cannot fully decode, and
    ``UploadRejected("too_large")`` for images with more than :data:`MAX_DECODE_PIXELS` pixels or whose
    re-encoding stays above ``max_bytes`` even at lower quality (the result never exceeds it).
    """
    fmt = _PIL_FORMATS[content_type]
    try:
        with warnings.catch_warnings():
            # Our own limit below applies after JPEG draft scaling, so Pillow's earlier warning is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
                probe.verify()  # structure and checksums (PNG CRCs); the image is unusable afterwards
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                if fmt == "JPEG":
                    img.draft(None, (MAX_SIDE, MAX_SIDE))  # decode big JPEGs at 1/2, 1/4, 1/8 scale: cheap
                if img.width * img.height > MAX_DECODE_PIXELS:
                    raise _too_many_pixels()
                _load_strictly(img)  # a truncated image fails here
                clean = _clean_pixels(img, fmt)
        return _encode(clean, fmt, max_bytes)
    except UploadRejected:
        raise
    except Image.DecompressionBombError as exc:  # Pillow's own hard limit, hit before ours
        raise _too_many_pixels() from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error … on broken input
        raise _corrupt(gettext("Das Bild ist beschädigt oder unvollständig und kann nicht geöffnet werden.")) from exc


def _load_strictly(img: Image.Image) -> None:
    """``img.load()`` that refuses truncated data, whatever another library set globally.

    WeasyPrint (the receipt PDFs) sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` when it is imported, which
    would make Pillow pad a truncated upload with grey instead of failing.
    """
    from PIL import ImageFile

    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        img.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _clean_pixels(img: Image.Image, fmt: str) -> Image.Image:
    """A fresh image holding only oriented, sRGB, bounded pixels: no info dict, no EXIF, no profile."""
    oriented = ImageOps.exif_transpose(img) or img
    rgbish = _to_srgb(oriented, img.info.get("icc_profile"))
    target = _target_mode(rgbish, fmt)
    if rgbish.mode != target:
        rgbish = rgbish.convert(target)
    rgbish.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new(target, rgbish.size)
    clean.paste(rgbish)  # pixels only; paste without a mask copies every channel, alpha included
    return clean


def _to_srgb(img: Image.Image, icc: bytes | None) -> Image.Image:
    # Stripping an embedded profile (e.g. Display P3 from phones, CMYK from scanners) would shift colours,
    # so convert to sRGB first. A profile that cannot be applied is dropped; the pixels stay.
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        srgb = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(img, source, srgb, outputMode="RGBA" if img.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return img
    return converted or img


def _target_mode(img: Image.Image, fmt: str) -> str:
    mode = img.mode
    if fmt == "JPEG":
        return "L" if mode in ("1", "L") else "RGB"
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        return "LA" if mode in ("L", "LA", "La") and fmt == "PNG" else "RGBA"
    if mode in ("1", "L"):
        return "L"
    if mode == "I;16" and fmt == "PNG":
        return "I;16"  # 16-bit greyscale scans stay 16 bit
    return "RGB"


# Encoder settings, best first; later ones are tried only if the result would exceed the size limit.
_ENCODINGS: dict[str, tuple[dict[str, object], ...]] = {
    "JPEG": tuple({"quality": q, "optimize": True} for q in (90, 80, 70, 60, 50)),
    "PNG": ({"compress_level": 6}, {"compress_level": 9, "optimize": True}),
    "WEBP": tuple({"quality": q, "method": 4} for q in (90, 80, 70, 60, 50)),
}


def _encode(img: Image.Image, fmt: str, max_bytes: int | None) -> bytes:
    for options in _ENCODINGS[fmt]:
        out = io.BytesIO()
        img.save(out, format=fmt, **options)  # type: ignore[arg-type]
        if max_bytes is None or out.tell() <= max_bytes:
            return out.getvalue()
    raise UploadRejected(
        "too_large",
        gettext("Das Bild ist zu groß (höchstens %(limit)s). Bitte verkleinern Sie es und laden Sie es erneut hoch.")
        % {"limit": megabytes(max_bytes or 0)},
    )


def _corrupt(message: str = "") -> UploadRejected:
    return UploadRejected("corrupt", message)


def _too_many_pixels() -> UploadRejected:
    return UploadRejected(
        "too_large",
        gettext("Das Bild hat zu viele Bildpunkte (höchstens %(mp)d Megapixel).")
        % {"mp": MAX_DECODE_PIXELS // 1_000_000},
    )
