"""Image normalisation: metadata gone, orientation applied, dimensions bounded, colours and alpha kept."""

from __future__ import annotations

import io

import pytest
from PIL import ExifTags, Image, ImageCms

from rathaus.attachments import formats
from rathaus.attachments.checks import UploadRejected, check_upload
from rathaus.attachments.tests import samples


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_exif_with_gps_is_stripped_from_a_jpeg(fake_scanner):
    original = samples.jpeg(exif=samples.exif_with_gps())
    assert _open(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the sample really carries GPS

    checked = check_upload(("urlaub.jpg", original))

    cleaned = _open(checked.data)
    assert dict(cleaned.getexif()) == {}
    assert cleaned.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in checked.data
    assert b"Testkamera" not in checked.data
    assert checked.content_type == "image/jpeg"


def test_exif_orientation_is_applied_and_then_dropped(fake_scanner):
    # Orientation 6: the camera was held upright, the pixels are stored turned; viewers rotate 90° clockwise.
    original = samples.jpeg(samples.two_halves((40, 20)), exif=samples.exif_with_gps(orientation=6))

    cleaned = _open(check_upload(("hochkant.jpg", original)).data)

    assert cleaned.size == (20, 40)
    red, _, blue = cleaned.getpixel((10, 5))  # the left (red) half is now on top
    assert red > 200 and blue < 60
    red, _, blue = cleaned.getpixel((10, 35))
    assert blue > 200 and red < 60
    assert ExifTags.Base.Orientation not in cleaned.getexif()


def test_png_text_chunks_and_profiles_are_stripped(fake_scanner):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Erika Mustermann")
    info.add_text("Comment", "Privat")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = samples.png(pnginfo=info, icc_profile=srgb)

    checked = check_upload(("a.png", original))

    cleaned = _open(checked.data)
    assert b"Erika" not in checked.data
    assert "icc_profile" not in cleaned.info
    assert not getattr(cleaned, "text", {})


def test_png_transparency_is_kept(fake_scanner):
    original = samples.png(mode="RGBA", color=(10, 20, 30, 0))

    cleaned = _open(check_upload(("a.png", original)).data)

    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((0, 0))[3] == 0


def test_palette_png_with_transparency_becomes_rgba(fake_scanner):
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 255, 0])
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=0)

    cleaned = _open(check_upload(("a.png", out.getvalue())).data)

    assert cleaned.mode == "RGBA"
    assert cleaned.getpixel((0, 0))[3] == 0


def test_greyscale_stays_greyscale(fake_scanner):
    assert _open(check_upload(("a.png", samples.png(mode="L", color=128))).data).mode == "L"
    grey_jpeg = samples.jpeg(Image.new("L", (16, 16), 100))
    assert _open(check_upload(("a.jpg", grey_jpeg)).data).mode == "L"


def test_cmyk_jpeg_becomes_rgb(fake_scanner):
    cleaned = _open(check_upload(("a.jpg", samples.jpeg(Image.new("CMYK", (16, 16), (0, 255, 255, 0))))).data)

    assert cleaned.mode == "RGB"
    red, green, blue = cleaned.getpixel((8, 8))
    assert red > 200 and green < 60 and blue < 60


def test_srgb_profile_is_applied_and_colours_are_kept(fake_scanner):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    original = samples.png(color=(200, 30, 30), icc_profile=srgb)

    cleaned = _open(check_upload(("a.png", original)).data)

    assert cleaned.getpixel((0, 0))[:3] == pytest.approx((200, 30, 30), abs=2)
    assert "icc_profile" not in cleaned.info


def test_broken_colour_profile_is_dropped_not_fatal(fake_scanner):
    original = samples.png(color=(200, 30, 30), icc_profile=b"not a profile at all" * 10)

    cleaned = _open(check_upload(("a.png", original)).data)

    assert cleaned.getpixel((0, 0)) == (200, 30, 30)
    assert "icc_profile" not in cleaned.info


def test_large_images_are_scaled_to_the_longest_side_limit(fake_scanner):
    original = samples.png(size=(formats.MAX_SIDE + 1000, 300))

    cleaned = _open(check_upload(("breit.png", original)).data)

    assert max(cleaned.size) == formats.MAX_SIDE
    assert cleaned.size[1] == pytest.approx(300 * formats.MAX_SIDE / (formats.MAX_SIDE + 1000), abs=1)


def test_small_images_keep_their_size(fake_scanner):
    assert _open(check_upload(("a.png", samples.png(size=(33, 17)))).data).size == (33, 17)


def test_decompression_bomb_is_refused_before_decoding(fake_scanner):
    bomb = samples.png(size=(8000, 8000), mode="1", color=0)  # 64 MP, a few kB on disk

    with pytest.raises(UploadRejected) as exc:
        check_upload(("bombe.png", bomb))

    assert exc.value.code == "too_large"
    assert "Megapixel" in exc.value.message


def test_normalisation_is_deterministic(fake_scanner):
    original = samples.jpeg(exif=samples.exif_with_gps())

    assert check_upload(("a.jpg", original)).sha256 == check_upload(("b.jpg", original)).sha256


@pytest.mark.parametrize("limit_factor", [1.0, 1.5, 3.0])
def test_normalised_image_never_exceeds_the_size_limit(fake_scanner, limit_factor):
    # A low-quality JPEG of noise grows when re-encoded at quality 90; lower qualities are tried next.
    original = io.BytesIO()
    Image.effect_noise((300, 300), 90).convert("RGB").save(original, format="JPEG", quality=40)
    limit = int(len(original.getvalue()) * limit_factor)

    try:
        checked = check_upload(("rauschen.jpg", original.getvalue()), max_bytes=limit)
    except UploadRejected as exc:
        assert exc.code == "too_large"
        assert "verkleinern" in exc.message
    else:
        assert checked.size <= limit
