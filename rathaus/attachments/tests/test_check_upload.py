"""check_upload and check_total with the scanner replaced (fake_scanner): types, sizes, integrity, names."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from rathaus.attachments.checks import CheckedFile, UploadRejected, check_total, check_upload, sanitise_name
from rathaus.attachments.tests import samples

MB = 1024 * 1024


class EndlessStream(io.RawIOBase):
    """An upload that never ends; counts how much was read from it."""

    def __init__(self, head: bytes = b"%PDF-1.7\n") -> None:
        self.head = head
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        n = len(buffer)
        chunk = (self.head + b"\0" * n)[:n] if self.bytes_read == 0 else b"\0" * n
        buffer[:n] = chunk
        self.bytes_read += n
        return n


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("Antrag.pdf", samples.pdf(), "application/pdf"),
        ("Foto.png", samples.png(), "image/png"),
        ("Foto.jpg", samples.jpeg(), "image/jpeg"),
    ],
    ids=["pdf", "png", "jpeg"],
)
def test_clean_pdf_png_and_jpeg_are_accepted(fake_scanner, name, data, content_type):
    checked = check_upload(SimpleUploadedFile(name, data))

    assert isinstance(checked, CheckedFile)
    assert checked.name == name
    assert checked.content_type == content_type
    assert checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    assert checked.size == len(checked.data)
    assert fake_scanner.calls == [data]  # the upload as sent is what gets scanned


def test_pdf_is_stored_byte_for_byte(fake_scanner):
    data = samples.pdf(pages=2)

    assert check_upload(("a.pdf", data)).data == data


def test_tuple_upload_is_accepted(fake_scanner):
    assert check_upload(("scan.png", samples.png())).content_type == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200,  # a Windows executable
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"<html>%PDF-1.7 hidden further in</html>",
        b"\x7fELF\x02\x01\x01" + b"\0" * 100,
        b"PK\x03\x04" + b"\0" * 100,  # zip, e.g. a .docx
    ],
    ids=["exe", "html", "html-with-pdf-marker", "elf", "zip"],
)
def test_file_named_pdf_with_other_content_is_refused_by_content(fake_scanner, data):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("Antrag.pdf", data))

    assert exc.value.code == "type_not_allowed"
    assert "erlaubt: PDF, JPEG, PNG" in exc.value.message
    assert "Inhalt" in exc.value.message


def test_type_outside_the_fields_allowed_types_is_refused(fake_scanner):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("foto.png", samples.png()), allowed_types=["application/pdf"])

    assert exc.value.code == "type_not_allowed"
    assert "(erlaubt: PDF)" in exc.value.message


def test_webp_only_when_listed(fake_scanner):
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(out, format="WEBP")
    with pytest.raises(UploadRejected):
        check_upload(("a.webp", out.getvalue()))

    assert check_upload(("a.webp", out.getvalue()), allowed_types=["image/webp"]).content_type == "image/webp"


def test_allowed_type_we_cannot_recognise_never_matches(fake_scanner):
    assert check_upload(("a.pdf", samples.pdf()), allowed_types=["image/tiff", "application/pdf"])
    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.tif", b"II*\x00" + b"\0" * 100), allowed_types=["image/tiff", "application/pdf"])

    assert exc.value.code == "type_not_allowed"
    assert "(erlaubt: PDF, image/tiff)" in exc.value.message


def test_oversize_stream_is_refused_after_reading_at_most_the_limit_plus_one(fake_scanner):
    stream = EndlessStream()
    upload = UploadedFile(file=stream, name="riesig.pdf", size=None)

    with pytest.raises(UploadRejected) as exc:
        check_upload(upload, max_bytes=2 * MB)

    assert exc.value.code == "too_large"
    assert "höchstens 2 MB" in exc.value.message
    assert stream.bytes_read <= 2 * MB + 1
    assert fake_scanner.calls == []


def test_oversize_upload_with_known_size_is_refused_without_reading(fake_scanner):
    stream = EndlessStream()
    upload = UploadedFile(file=stream, name="riesig.pdf", size=50 * MB)

    with pytest.raises(UploadRejected) as exc:
        check_upload(upload)

    assert exc.value.code == "too_large"
    assert "höchstens 10 MB" in exc.value.message
    assert stream.bytes_read == 0


def test_upload_of_exactly_the_limit_is_accepted(fake_scanner):
    data = samples.pdf()

    assert check_upload(SimpleUploadedFile("a.pdf", data), max_bytes=len(data)).size == len(data)
    with pytest.raises(UploadRejected):
        check_upload(SimpleUploadedFile("a.pdf", data), max_bytes=len(data) - 1)


def test_empty_file_is_refused(fake_scanner):
    with pytest.raises(UploadRejected) as exc:
        check_upload(SimpleUploadedFile("leer.pdf", b""))

    assert exc.value.code == "empty"
    assert "leer" in exc.value.message


def test_truncated_pdf_is_refused_as_corrupt(fake_scanner):
    data = samples.pdf()

    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.pdf", data[: len(data) // 2]))

    assert exc.value.code == "corrupt"
    assert "unvollständig" in exc.value.message


def test_pdf_with_an_end_marker_but_no_document_is_refused_as_corrupt(fake_scanner):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.pdf", b"%PDF-1.7\nnothing here\n%%EOF\n"))

    assert exc.value.code == "corrupt"


def test_password_protected_pdf_is_refused_with_a_reason(fake_scanner):
    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.pdf", samples.pdf(user_password="geheim")))

    assert exc.value.code == "corrupt"
    assert "Passwort" in exc.value.message


def test_pdf_with_only_an_owner_password_is_accepted(fake_scanner):
    assert check_upload(("a.pdf", samples.pdf(owner_password="nur-fuer-rechte"))).content_type == "application/pdf"


def test_truncated_png_is_refused_as_corrupt(fake_scanner):
    data = samples.png(size=(200, 200), color=None)

    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.png", data[: len(data) - 40]))

    assert exc.value.code == "corrupt"
    assert "Bild" in exc.value.message


def test_png_with_a_damaged_checksum_is_refused_as_corrupt(fake_scanner):
    data = bytearray(samples.png())
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF

    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.png", bytes(data)))

    assert exc.value.code == "corrupt"


def test_truncated_jpeg_is_refused_as_corrupt(fake_scanner):
    from PIL import Image

    data = samples.jpeg(Image.effect_noise((300, 300), 80).convert("RGB"))

    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.jpg", data[: len(data) // 2]))

    assert exc.value.code == "corrupt"


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("C:\\Users\\erika\\Desktop\\Antrag.pdf", "application/pdf", "Antrag.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("Rechnung.exe", "application/pdf", "Rechnung.exe.pdf"),
        ("Foto.JPG", "image/jpeg", "Foto.JPG"),
        ("Scan 12.03.2024", "application/pdf", "Scan 12.03.2024.pdf"),
        ("Gr\u00fc\u00dfe\u202egpj.exe", "image/jpeg", "Grüßegpj.exe.jpg"),
        ("a\x00b\nc.png", "image/png", "abc.png"),
        (".pdf", "application/pdf", "Anhang.pdf"),
        ("", "image/png", "Anhang.png"),
        ("...", "image/png", "Anhang.png"),
        ('wer?was:"wo".pdf', "application/pdf", "wer_was__wo_.pdf"),
        ("Mu\u0308ller.pdf", "application/pdf", "Müller.pdf"),  # decomposed umlaut → NFC
    ],
)
def test_names_are_sanitised(raw, content_type, expected):
    assert sanitise_name(raw, content_type) == expected


def test_long_names_are_cut_to_200_characters_keeping_the_extension():
    name = sanitise_name("x" * 500 + ".pdf", "application/pdf")

    assert len(name) == 200
    assert name.endswith("x.pdf")


def test_total_within_the_limit_passes():
    check_total([10 * MB, 10 * MB, 10 * MB])


def test_total_over_the_limit_is_refused_with_both_numbers():
    with pytest.raises(UploadRejected) as exc:
        check_total([10 * MB, 10 * MB, 10 * MB + 512 * 1024])

    assert exc.value.code == "total_too_large"
    assert "30,5 MB" in exc.value.message
    assert "höchstens 30 MB" in exc.value.message


def test_total_limit_is_configurable():
    with pytest.raises(UploadRejected):
        check_total(iter([600, 600]), max_total=1000)


def test_rejection_codes_are_fixed():
    with pytest.raises(ValueError):
        UploadRejected("nope")
    assert UploadRejected("total_too_large").message  # a default message for every code


_MAGIC = st.sampled_from([b"", b"%PDF-1.4\n", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP"])
_VALID = [samples.pdf(), samples.png(), samples.jpeg()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(magic=_MAGIC, body=st.binary(max_size=2048), eof=st.booleans())
def test_random_bytes_only_ever_raise_upload_rejected(fake_scanner, magic, body, eof):
    data = magic + body + (b"\n%%EOF\n" if eof else b"")
    allowed = ["application/pdf", "image/jpeg", "image/png", "image/webp"]
    try:
        checked = check_upload(("x.pdf", data), allowed_types=allowed)
    except UploadRejected as exc:
        assert exc.message
        assert exc.code in {"corrupt", "type_not_allowed", "empty", "too_large"}
    else:
        _assert_well_formed(checked, allowed)


def _assert_well_formed(checked, allowed) -> None:
    """What is accepted is what it claims to be: an allowed type that its own parser opens, hashed right."""
    assert checked.content_type in allowed
    assert checked.size == len(checked.data) and checked.sha256 == hashlib.sha256(checked.data).hexdigest()
    if checked.content_type == "application/pdf":
        assert len(PdfReader(io.BytesIO(checked.data)).pages) >= 1
    else:
        with Image.open(io.BytesIO(checked.data)) as image:
            image.load()
            assert Image.MIME[image.format] == checked.content_type


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(range(len(_VALID))), data=st.data())
def test_damaged_valid_files_only_ever_raise_upload_rejected(fake_scanner, which, data):
    original = bytearray(_VALID[which])
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(1, 255)), max_size=8))
    for position, mask in flips:
        original[position] ^= mask
    # Half of the examples keep the whole file, so that untouched and lightly damaged files (the accept
    # branch) are reached, not only cut-off ones.
    cut = len(original) if data.draw(st.booleans()) else data.draw(st.integers(0, len(original)))
    try:
        checked: CheckedFile | None = check_upload(("x", bytes(original[:cut])))
    except UploadRejected as exc:
        assert exc.message
        checked = None
    else:
        _assert_well_formed(checked, ["application/pdf", "image/jpeg", "image/png", "image/webp"])
    if not flips and cut == len(original):
        assert checked is not None, "an intact file must pass"
        assert checked.content_type in {"application/pdf", "image/png", "image/jpeg"}


def test_truncated_jpeg_is_refused_even_after_weasyprint_was_imported(fake_scanner) -> None:
    """WeasyPrint switches Pillow to padding truncated images; our check must not inherit that."""
    import weasyprint  # noqa: F401 - the import is the point: it sets ImageFile.LOAD_TRUNCATED_IMAGES
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    test_truncated_jpeg_is_refused_as_corrupt(fake_scanner)


def test_installation_limits_cap_every_upload_and_submission(fake_scanner, settings) -> None:
    """RATHAUS_MAX_ATTACHMENT_BYTES / RATHAUS_MAX_SUBMISSION_BYTES bound what a form field may allow."""
    data = samples.pdf()
    settings.RATHAUS_MAX_ATTACHMENT_BYTES = len(data) - 1
    settings.RATHAUS_MAX_SUBMISSION_BYTES = 1500
    with pytest.raises(UploadRejected) as exc:
        check_upload(("a.pdf", data), max_bytes=10 * 1024 * 1024)  # the field's own, larger limit
    assert exc.value.code == "too_large"
    check_total([700, 800])
    with pytest.raises(UploadRejected) as total:
        check_total([700, 801])
    assert total.value.code == "total_too_large"
