"""More behaviour of ``formats.normalise_image`` that the mutation run found unguarded (issue 6).

These call ``normalise_image`` directly: ``check_upload`` refuses over-large headers before it is reached, but
the function's own limits are the second line and must hold on their own.
"""

from __future__ import annotations

import io
import random
import struct

import pytest
from PIL import Image

from rathaus.attachments import formats
from rathaus.attachments.errors import UploadRejected
from rathaus.attachments.tests import samples


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# --------------------------------------------------------------------------- pixel limit


def test_an_image_above_the_pixel_limit_is_refused_by_normalise_itself() -> None:
    too_many = samples.png(size=(8000, 6251), mode="1", color=0)  # 50.008 MP, a few kB on disk

    with pytest.raises(UploadRejected) as caught:
        formats.normalise_image(too_many, formats.PNG)

    assert caught.value.code == "too_large"
    assert "höchstens 50 Megapixel" in caught.value.message


def test_an_image_with_exactly_the_limit_of_pixels_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "MAX_DECODE_PIXELS", 32 * 24)

    assert _open(formats.normalise_image(samples.png(size=(32, 24)), formats.PNG)).size == (32, 24)
    with pytest.raises(UploadRejected) as caught:
        formats.normalise_image(samples.png(size=(33, 24)), formats.PNG)
    assert caught.value.code == "too_large"


def test_a_large_jpeg_is_counted_at_the_reduced_scale_it_is_decoded_at(monkeypatch: pytest.MonkeyPatch) -> None:
    # A big photo is decoded at 1/2, 1/4 or 1/8 scale (never below the longest side kept); only those pixels
    # count against the limit. Scaled down here: longest side 100, limit 100 x 100, a 400 x 400 photo.
    monkeypatch.setattr(formats, "MAX_SIDE", 100)
    monkeypatch.setattr(formats, "MAX_DECODE_PIXELS", 100 * 100)
    photo = samples.jpeg(Image.new("RGB", (400, 400), (30, 120, 200)))

    cleaned = _open(formats.normalise_image(photo, formats.JPEG))

    assert cleaned.size == (100, 100)
    red, green, blue = cleaned.getpixel((50, 50))  # type: ignore[misc]
    assert abs(red - 30) < 8 and abs(green - 120) < 8 and abs(blue - 200) < 8


def test_pillows_own_decompression_warning_does_not_refuse_an_image(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pillow warns above MAX_IMAGE_PIXELS (and fails only above twice that); our own limit decides instead.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)

    cleaned = formats.normalise_image(samples.png(size=(40, 40)), formats.PNG)

    monkeypatch.undo()
    assert _open(cleaned).size == (40, 40)


def _exif_pointing_past_its_end() -> bytes:
    """EXIF whose one entry (an image description of 100 characters) points far beyond the block."""
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x010E, 2, 100, 1000) + struct.pack("<I", 0)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd


def test_other_warnings_of_pillow_stay_visible() -> None:
    # Only the decompression-bomb warning is noise; a note about damaged metadata belongs in the log.
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 120, 200)).save(out, "JPEG", exif=_exif_pointing_past_its_end())

    with pytest.warns(UserWarning):
        cleaned = _open(formats.normalise_image(out.getvalue(), formats.JPEG))

    assert cleaned.size == (16, 16)


# --------------------------------------------------------------------------- only the declared format's reader


def test_data_of_another_format_is_refused_as_damaged_whatever_its_header_claims() -> None:
    # A PPM header declaring 400 MP: read as PPM it would be "too many pixels"; declared as PNG it is not a PNG.
    ppm = b"P4\n20000 20000\n" + b"\x00" * 64

    with pytest.raises(UploadRejected) as caught:
        formats.normalise_image(ppm, formats.PNG)

    assert caught.value.code == "corrupt"


def _webp_holding_a_photo_cd_marker() -> bytes:
    """A valid WebP whose XMP padding has "PCD_" at byte 2048, where Kodak PhotoCD files have their marker.

    Pillow tries its PhotoCD reader before its WebP reader when it is not told the format.
    """
    xmp = b"<x:xmpmeta/>" + b" " * 4000
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 30)).save(out, "WEBP", lossless=True, xmp=xmp)
    data = out.getvalue()
    start = data.index(xmp[:12]) + 12
    assert start + 64 < 2048 < start + len(xmp) - 64
    return data[:2048] + b"PCD_" + data[2052:]


def test_a_webp_is_decoded_as_webp_even_if_its_bytes_match_another_format() -> None:
    data = _webp_holding_a_photo_cd_marker()
    assert formats.detect(data) == formats.WEBP

    cleaned = _open(formats.normalise_image(data, formats.WEBP))

    assert (cleaned.format, cleaned.size) == ("WEBP", (16, 16))
    red, green, blue = cleaned.getpixel((8, 8))[:3]  # type: ignore[index]
    assert abs(red - 10) < 8 and abs(green - 200) < 8 and abs(blue - 30) < 8


# --------------------------------------------------------------------------- encoder settings


def _noise(size: tuple[int, int] = (200, 200)) -> Image.Image:
    return Image.frombytes("RGB", size, random.Random(11).randbytes(size[0] * size[1] * 3))


def test_a_photo_without_a_size_limit_is_stored_at_quality_90() -> None:
    reference = io.BytesIO()
    _noise().save(reference, "JPEG", quality=90)

    cleaned = _open(formats.normalise_image(samples.jpeg(_noise()), formats.JPEG))

    assert cleaned.quantization == _open(reference.getvalue()).quantization  # type: ignore[attr-defined]


def test_a_photo_over_the_limit_is_stored_at_a_lower_quality_that_fits() -> None:
    original = samples.jpeg(_noise())
    sizes = {}
    for quality in (50, 75):
        out = io.BytesIO()
        _open(original).save(out, "JPEG", quality=quality, optimize=quality == 50)
        sizes[quality] = out.tell()
    limit = (sizes[50] + sizes[75]) // 2  # fits only at the lowest qualities, not at Pillow's default 75

    stored = formats.normalise_image(original, formats.JPEG, max_bytes=limit)

    assert len(stored) <= limit
