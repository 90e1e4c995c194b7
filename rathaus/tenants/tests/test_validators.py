from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st

from rathaus.catalog.validators import validate_leika_key
from rathaus.tenants.validators import validate_ags, validate_host, validate_logo


@pytest.mark.parametrize("ags", ["05316000", "05158016", "09162000", "11000000", "02000000", "16051000"])
def test_real_gemeindeschluessel_are_accepted(ags: str) -> None:
    validate_ags(ags)


@pytest.mark.parametrize(
    ("ags", "code"),
    [("0531600", "ags_format"), ("053160000", "ags_format"), ("05a16000", "ags_format"), ("", "ags_format"),
     ("17000000", "ags_land"), ("00123456", "ags_land"), ("05000000", "ags_level"), ("０５３１６０００", "ags_format")],
)  # fmt: skip
def test_invalid_gemeindeschluessel_get_a_german_message(ags: str, code: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_ags(ags)
    assert exc.value.code == code
    assert "Gemeindeschlüssel" in str(exc.value.messages[0]) or "Land" in str(exc.value.messages[0])


@given(st.text(max_size=20))
def test_ags_validator_accepts_only_eight_ascii_digits(value: str) -> None:
    try:
        validate_ags(value)
    except ValidationError:
        return
    assert len(value) == 8 and value.isascii() and value.isdigit() and 1 <= int(value[:2]) <= 16


@pytest.mark.parametrize("key", ["99115001000000", "99102013104000", "10000000000001"])
def test_leika_keys_are_accepted(key: str) -> None:
    validate_leika_key(key)


@pytest.mark.parametrize(
    "key", ["9911500100000", "991150010000000", "9911500100000X", "00000000000000", " 99115001000000"]
)
def test_invalid_leika_keys_are_refused(key: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_leika_key(key)
    assert "LeiKa" in str(exc.value.messages[0])


@given(st.text(max_size=20))
def test_leika_validator_accepts_only_fourteen_ascii_digits(value: str) -> None:
    try:
        validate_leika_key(value)
    except ValidationError:
        return
    assert len(value) == 14 and value.isascii() and value.isdigit() and set(value) != {"0"}


@pytest.mark.parametrize("host", ["musterstadt.de", "portal.musterstadt.de", "localhost", "a-b.example"])
def test_valid_hosts(host: str) -> None:
    validate_host(host)


@pytest.mark.parametrize("host", ["", "Musterstadt.de", "-a.de", "a..de", "a_b.de", "http://a.de", "a.de/"])
def test_invalid_hosts(host: str) -> None:
    with pytest.raises(ValidationError):
        validate_host(host)


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, True),
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, True),
        (b"RIFF\0\0\0\0WEBPVP8 ", True),
        (b"RIFF\0\0\0\0WAVEfmt ", False),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', False),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (512 * 1024), False),
    ],
)
def test_logo_accepts_only_small_raster_images(content: bytes, ok: bool) -> None:
    upload = SimpleUploadedFile("logo.png", content)
    if ok:
        validate_logo(upload)
    else:
        with pytest.raises(ValidationError):
            validate_logo(upload)
