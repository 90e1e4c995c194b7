"""Small, valid sample files built in memory (no binary fixtures in the repository)."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from pypdf import PdfWriter


def pdf(pages: int = 1, *, user_password: str | None = None, owner_password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if user_password is not None or owner_password is not None:
        writer.encrypt(user_password=user_password or "", owner_password=owner_password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 24), mode: str = "RGB", color: object = (200, 30, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, format="PNG", **save)  # type: ignore[arg-type]
    return out.getvalue()


def jpeg(image: Image.Image | None = None, *, exif: Image.Exif | None = None) -> bytes:
    image = image or Image.new("RGB", (32, 24), (30, 120, 200))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def exif_with_gps(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Testkamera"
    exif[ExifTags.Base.Model] = "Modell 1"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 2.0, 3.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (6.0, 59.0, 1.0)
    return exif


def two_halves(size: tuple[int, int] = (40, 20)) -> Image.Image:
    """Left half red, right half blue: shows where the image was turned."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    return image
