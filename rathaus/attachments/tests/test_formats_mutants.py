"""Behaviour of formats.py that the mutation run found unguarded (issue 6)."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image, ImageCms

from rathaus.attachments import formats
from rathaus.attachments.tests import samples


def _pdf_with_stale_offsets() -> bytes:
    """A one-page PDF with a comment line inserted after the header, so every xref offset is wrong.

    Tools that append or edit without rewriting the cross-reference table produce such files; every PDF viewer
    opens them by searching for the objects.
    """
    data = samples.pdf()
    header_end = data.index(b"\n") + 1
    return data[:header_end] + b"%" + b"x" * 40 + b"\n" + data[header_end:]


def test_a_pdf_whose_xref_offsets_are_off_is_accepted() -> None:
    formats.verify_pdf(_pdf_with_stale_offsets())


def _profile_with_red_and_green_swapped() -> bytes:
    """The sRGB profile with the red and green primaries exchanged, so conversion visibly moves the pixels."""
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


@pytest.mark.parametrize(("content_type", "pil_format"), [(formats.PNG, "PNG"), (formats.WEBP, "WEBP")])
def test_an_opaque_image_with_a_profile_gains_no_alpha_channel(content_type: str, pil_format: str) -> None:
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 30, 30)).save(
        out,
        pil_format,
        icc_profile=_profile_with_red_and_green_swapped(),
        **({"lossless": True} if pil_format == "WEBP" else {}),
    )

    cleaned = Image.open(io.BytesIO(formats.normalise_image(out.getvalue(), content_type)))
    cleaned.load()

    assert cleaned.mode == "RGB"  # an opaque photo stays opaque (no alpha channel, no larger file)
    red, green, blue = cleaned.getpixel((8, 8))  # type: ignore[misc]
    assert green > 170 and red < 70 and blue < 70  # and the profile was applied
