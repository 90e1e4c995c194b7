"""An embedded colour profile is applied before it is stripped, so the stored pixels look as the upload did."""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageCms

from rathaus.attachments.checks import check_upload
from rathaus.attachments.tests import samples


def _profile_with_red_and_green_swapped() -> bytes:
    """The sRGB profile with the red and green primaries exchanged: its "red" is sRGB green."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack_from(">I", data, 128)
    entries = {}
    for i in range(count):
        at = 132 + 12 * i
        signature, offset, size = struct.unpack_from(">4sII", data, at)
        entries[signature] = (at, offset, size)
    red_at, red_offset, red_size = entries[b"rXYZ"]
    green_at, green_offset, green_size = entries[b"gXYZ"]
    struct.pack_into(">4sII", data, red_at, b"rXYZ", green_offset, green_size)
    struct.pack_into(">4sII", data, green_at, b"gXYZ", red_offset, red_size)
    return bytes(data)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_with_a_non_srgb_profile_is_converted_to_srgb(fake_scanner):
    original = samples.png(color=(200, 30, 30), icc_profile=_profile_with_red_and_green_swapped())

    cleaned = _open(check_upload(("a.png", original)).data)

    red, green, blue = cleaned.getpixel((0, 0))[:3]
    assert green > 180 and red < 60 and blue < 60  # what the profile says the pixel looks like
    assert "icc_profile" not in cleaned.info


def test_jpeg_with_a_non_srgb_profile_is_converted_to_srgb(fake_scanner):
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(
        buffer, "JPEG", quality=95, icc_profile=_profile_with_red_and_green_swapped()
    )

    cleaned = _open(check_upload(("a.jpg", buffer.getvalue())).data)

    red, green, blue = cleaned.getpixel((8, 8))
    assert green > 170 and red < 70 and blue < 70
    assert "icc_profile" not in cleaned.info


def test_png_with_alpha_and_a_non_srgb_profile_is_converted_and_keeps_its_alpha(fake_scanner):
    original = samples.png(mode="RGBA", color=(200, 30, 30, 128), icc_profile=_profile_with_red_and_green_swapped())

    cleaned = _open(check_upload(("a.png", original)).data)

    red, green, blue, alpha = cleaned.getpixel((0, 0))
    assert cleaned.mode == "RGBA"
    assert green > 180 and red < 60 and blue < 60
    assert alpha == 128
