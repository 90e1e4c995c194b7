"""Image normalisation keeps what the pixels are (grey, alpha, 16 bit) and scales every mode the same smooth way."""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageCms

from rathaus.attachments import formats


def _png(image: Image.Image, **save: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _normalised_png(image: Image.Image, **save: object) -> Image.Image:
    return _open(formats.normalise_image(_png(image, **save), "image/png"))


def _grey_profile() -> bytes:
    """A greyscale ICC profile (colour space GRAY, one tone curve), as scanners and image editors embed."""
    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[16:20] = b"GRAY"
    (count,) = struct.unpack_from(">I", data, 128)
    for i in range(count):
        if struct.unpack_from(">4s", data, 132 + 12 * i)[0] == b"rTRC":
            struct.pack_into(">4s", data, 132 + 12 * i, b"kTRC")
    return bytes(data)


def _stripes(width: int = 3 * formats.MAX_SIDE, height: int = 6) -> Image.Image:
    """Black with a white column every third pixel: downscaling shows which filter was used."""
    image = Image.new("RGB", (width, height))
    white = Image.new("RGB", (1, height), (255, 255, 255))
    for x in range(0, width, 3):
        image.paste(white, (x, 0))
    return image


def test_greyscale_with_alpha_stays_greyscale_with_alpha(fake_scanner):
    cleaned = _normalised_png(Image.new("LA", (8, 8), (100, 50)))

    assert cleaned.mode == "LA"
    assert cleaned.getpixel((0, 0)) == (100, 50)


def test_greyscale_with_a_transparent_grey_value_gets_an_alpha_channel(fake_scanner):
    image = Image.new("L", (8, 8), 7)
    image.putpixel((0, 0), 200)

    cleaned = _normalised_png(image, transparency=7)

    assert cleaned.mode == "LA"
    assert cleaned.getpixel((1, 1)) == (7, 0)
    assert cleaned.getpixel((0, 0)) == (200, 255)


def test_16_bit_greyscale_keeps_16_bits(fake_scanner):
    cleaned = _normalised_png(Image.new("I;16", (8, 8), 40000))

    assert cleaned.mode in ("I;16", "I")  # Pillow opens 16-bit grey PNGs as I;16 or I depending on version
    assert cleaned.getpixel((0, 0)) == 40000


def test_greyscale_with_a_grey_colour_profile_stays_greyscale(fake_scanner):
    cleaned = _normalised_png(Image.new("L", (8, 8), 90), icc_profile=_grey_profile())

    assert cleaned.mode == "L"
    assert cleaned.getpixel((0, 0)) == 90
    assert "icc_profile" not in cleaned.info


def test_downscaling_uses_lanczos(fake_scanner):
    stripes = _stripes()
    expected = stripes.copy()
    expected.thumbnail((formats.MAX_SIDE, formats.MAX_SIDE), Image.Resampling.LANCZOS)

    cleaned = _normalised_png(stripes)

    assert cleaned.size == expected.size
    assert cleaned.tobytes() == expected.tobytes()


def test_large_palette_image_is_scaled_like_its_rgb_pixels(fake_scanner):
    palette = _stripes().convert("P", palette=Image.Palette.ADAPTIVE, colors=4)

    cleaned = _normalised_png(palette)

    assert cleaned.mode == "RGB"
    assert cleaned.tobytes() == _normalised_png(palette.convert("RGB")).tobytes()
    assert len(cleaned.getcolors(1 << 16) or []) > 2  # smoothed grey, not a nearest-neighbour pick of black and white


def test_large_black_and_white_image_is_scaled_like_its_grey_pixels(fake_scanner):
    bilevel = _stripes().convert("1", dither=Image.Dither.NONE)

    cleaned = _normalised_png(bilevel)

    assert cleaned.mode == "L"
    assert cleaned.tobytes() == _normalised_png(bilevel.convert("L")).tobytes()
    assert len(cleaned.getcolors(1 << 16) or []) > 2
