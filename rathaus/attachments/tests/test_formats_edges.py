"""Image normalisation at its edges: CMYK scans with their colour profile, and profiles that cannot be applied."""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image

from rathaus.attachments import formats
from rathaus.attachments.errors import UploadRejected
from rathaus.attachments.tests import samples


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def cmyk_profile(lab: tuple[int, int, int] = (224, 42, 211)) -> bytes:
    """A tiny ICC v2 CMYK printer profile (one 2-point lut8 A2B0) that maps every ink mix to one Lab colour.

    The default Lab (8-bit encoded L 88, a -86, b 83) is a bright green: a profile that was applied turns
    white paper green, one that was ignored leaves it white. Built here so the test needs no profile file.
    """
    text = b"cmyk test\x00"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(8) + bytes(3) + bytes(67)
    white = _s15(0.9642) + _s15(1.0) + _s15(0.8249)  # D50
    ramp = bytes(range(256))
    matrix = b"".join(_s15(1.0 if i == j else 0.0) for i in range(3) for j in range(3))
    lut = b"mft1" + bytes(4) + bytes([4, 3, 2, 0]) + matrix + ramp * 4 + bytes(lab) * 2**4 + ramp * 3
    tags = [(b"desc", desc), (b"wtpt", b"XYZ " + bytes(4) + white), (b"A2B0", lut)]
    start = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        body += bytes(-(start + len(body)) % 4)
        table += signature + struct.pack(">II", start + len(body), len(data))
        body += data
    size = start + len(body)
    header = (
        struct.pack(">I", size)
        + bytes(4)
        + bytes([2, 0x10, 0, 0])
        + b"prtrCMYKLab "
        + bytes(12)
        + b"acsp"
        + bytes(28)
        + white
        + bytes(48)
    )
    return header + struct.pack(">I", len(tags)) + table + body


def _cmyk_jpeg(ink: tuple[int, int, int, int], icc: bytes | None) -> bytes:
    out = io.BytesIO()
    extra = {"icc_profile": icc} if icc is not None else {}
    Image.new("CMYK", (16, 12), ink).save(out, "JPEG", quality=95, **extra)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_cmyk_jpeg_is_converted_through_its_embedded_profile() -> None:
    cleaned = _open(formats.normalise_image(_cmyk_jpeg((0, 0, 0, 0), cmyk_profile()), formats.JPEG))

    assert cleaned.mode == "RGB"
    red, green, blue = cleaned.getpixel((8, 6))
    assert green > 200 and red < 60 and blue < 60  # the profile's green, not the white of a plain conversion
    assert "icc_profile" not in cleaned.info
    assert cleaned.size == (16, 12)


def test_cmyk_jpeg_without_a_profile_is_converted_plainly_to_rgb() -> None:
    cleaned = _open(formats.normalise_image(_cmyk_jpeg((0, 0, 0, 0), None), formats.JPEG))

    assert cleaned.mode == "RGB"
    assert min(cleaned.getpixel((8, 6))) > 240  # white paper stays white


def test_cmyk_jpeg_with_a_broken_profile_keeps_its_pixels() -> None:
    broken = b"\x00\x00\x00\x10nonsense-profile"
    cleaned = _open(formats.normalise_image(_cmyk_jpeg((0, 0, 0, 0), broken), formats.JPEG))

    assert cleaned.mode == "RGB"
    assert min(cleaned.getpixel((8, 6))) > 240


# --------------------------------------------------------------------------- recognising and checking files


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", formats.PDF),
        (b"%PDF1.7", None),
        (b"\xff\xd8\xff\xe0", formats.JPEG),
        (b"\xff\xd8\xfe", None),
        (b"\x89PNG\r\n\x1a\n\0", formats.PNG),
        (b"\x89PNG\r\n\x1a\r", None),
        (b"RIFF\x10\0\0\0WEBPVP8 ", formats.WEBP),
        (b"RIFF\x10\0\0\0WAVEfmt ", None),
        (b"RIFX\x10\0\0\0WEBPVP8 ", None),
        (b"RIFF\x10\0\0WEBP", None),
        (b"", None),
    ],
)
def test_detect_reads_the_magic_bytes_exactly(head: bytes, expected: str | None) -> None:
    assert formats.detect(head) == expected


def test_pdf_end_marker_must_be_in_the_last_kilobyte() -> None:
    pdf = samples.pdf()
    assert pdf.rstrip().endswith(b"%%EOF")
    marker_end = pdf.rindex(b"%%EOF") + 5
    # Trailing bytes after the marker: up to 1024 - 5 keep the whole marker in the last 1024 bytes.
    fits = pdf[:marker_end] + b"\n" * (1024 - 5)
    formats.verify_pdf(fits)
    with pytest.raises(UploadRejected) as caught:
        formats.verify_pdf(fits + b"\n")
    assert caught.value.code == "corrupt" and "Dateiende" in caught.value.message


def test_a_pdf_without_pages_is_refused_with_its_reason() -> None:
    from pypdf import PdfWriter

    out = io.BytesIO()
    PdfWriter().write(out)
    with pytest.raises(UploadRejected) as caught:
        formats.verify_pdf(out.getvalue())
    assert caught.value.code == "corrupt" and "keine Seite" in caught.value.message


def test_a_pdf_with_two_pages_is_accepted() -> None:
    formats.verify_pdf(samples.pdf(pages=2))


# --------------------------------------------------------------------------- size limits of images


def _noise_png(size: tuple[int, int] = (64, 64)) -> bytes:
    image = Image.frombytes("RGB", size, random.Random(7).randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_an_image_exactly_at_the_limit_keeps_the_best_encoding() -> None:
    best = formats.normalise_image(_noise_png(), formats.PNG)
    assert formats.normalise_image(_noise_png(), formats.PNG, max_bytes=len(best)) == best


def test_an_image_that_cannot_be_made_small_enough_is_refused_naming_the_limit() -> None:
    with pytest.raises(UploadRejected) as caught:
        formats.normalise_image(_noise_png(), formats.PNG, max_bytes=2048)
    assert caught.value.code == "too_large"
    assert "höchstens 2 KB" in caught.value.message


def test_too_many_pixels_names_the_megapixel_limit() -> None:
    with pytest.raises(UploadRejected) as caught:
        raise formats._too_many_pixels()
    assert caught.value.code == "too_large"
    assert "höchstens 50 Megapixel" in caught.value.message


def test_the_truncated_image_setting_of_other_libraries_is_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    formats.normalise_image(_noise_png(), formats.PNG)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    truncated = _noise_png()[:-40]
    with pytest.raises(UploadRejected):
        formats.normalise_image(truncated, formats.PNG)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
