from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import event, given
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


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


# Not an ASCII digit, yet often taken for one: Unicode digits (str.isdigit() is true), blanks, line breaks.
_NOT_A_DIGIT = st.one_of(st.sampled_from(["٣", "０", "߁", "²", " ", "\n", "\t", "O", "l"]), st.characters())
_NOT_A_DIGIT = _NOT_A_DIGIT.filter(lambda ch: ch not in "0123456789")


def _with_one_char_replaced(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(valid, st.integers(0, 100), _NOT_A_DIGIT).map(
        lambda t: t[0][: t[1] % len(t[0])] + t[2] + t[0][t[1] % len(t[0]) + 1 :]
    )


# AGS = Land (01–16), Regierungsbezirk (1), Kreis (2, never 00), Gemeinde (3); the city states Hamburg and
# Berlin are a municipality on Land level.
VALID_AGS = st.one_of(
    st.tuples(st.integers(1, 16), _digits(1), _digits(2).filter(lambda k: k != "00"), _digits(3)).map(
        lambda t: f"{t[0]:02d}{t[1]}{t[2]}{t[3]}"
    ),
    st.sampled_from(["02000000", "11000000"]),
)
INVALID_AGS = st.one_of(
    st.one_of(_digits(0), *[_digits(n) for n in (1, 7, 9, 12)]).map(lambda v: (v, "ags_format")),
    _with_one_char_replaced(VALID_AGS).map(lambda v: (v, "ags_format")),
    VALID_AGS.map(lambda v: (v + "\n", "ags_format")),
    st.tuples(st.sampled_from([0, *range(17, 100)]), _digits(6)).map(lambda t: (f"{t[0]:02d}{t[1]}", "ags_land")),
    st.integers(1, 16).filter(lambda land: land not in (2, 11)).map(lambda land: (f"{land:02d}000000", "ags_level")),
)


@given(VALID_AGS)
def test_every_gemeindeschluessel_built_from_its_structure_is_accepted(ags: str) -> None:
    validate_ags(ags)


@given(INVALID_AGS)
def test_keys_off_the_ags_structure_are_refused_with_their_reason(case: tuple[str, str]) -> None:
    ags, code = case
    with pytest.raises(ValidationError) as exc:
        validate_ags(ags)
    assert exc.value.code == code


def _is_ags(value: str) -> bool:
    if len(value) != 8 or not all(ch in "0123456789" for ch in value) or not 1 <= int(value[:2]) <= 16:
        return False
    return value[2:] != "000000" or value[:2] in ("02", "11")


@given(st.one_of(VALID_AGS, INVALID_AGS.map(lambda case: case[0]), st.text(max_size=20)))
def test_ags_validator_accepts_exactly_the_gemeindeschluessel(value: str) -> None:
    expected = _is_ags(value)
    event("accepted" if expected else "refused")
    try:
        validate_ags(value)
    except ValidationError:
        assert not expected, value
    else:
        assert expected, value


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


# A LeiKa key: Kennung (2, 99 for the federal catalogue, others for extensions), Leistungsobjekt (6),
# Verrichtung (3), Verrichtungsdetail (3); fourteen ASCII digits, never all zero.
VALID_LEIKA = (
    st.tuples(st.one_of(st.just("99"), _digits(2)), _digits(6), _digits(3), _digits(3))
    .map("".join)
    .filter(lambda key: key != "0" * 14)
)
INVALID_LEIKA = st.one_of(
    st.one_of(*[_digits(n) for n in (0, 1, 8, 13, 15, 20)]).map(lambda v: (v, "leika_format")),
    _with_one_char_replaced(VALID_LEIKA).map(lambda v: (v, "leika_format")),
    VALID_LEIKA.map(lambda v: (v + "\n", "leika_format")),
    VALID_LEIKA.map(lambda v: (" " + v, "leika_format")),
    st.just(("0" * 14, "leika_zero")),
)


@given(VALID_LEIKA)
def test_every_leika_key_built_from_its_structure_is_accepted(key: str) -> None:
    validate_leika_key(key)


@given(INVALID_LEIKA)
def test_keys_off_the_leika_structure_are_refused_with_their_reason(case: tuple[str, str]) -> None:
    key, code = case
    with pytest.raises(ValidationError) as exc:
        validate_leika_key(key)
    assert exc.value.code == code
    assert "LeiKa" in str(exc.value.messages[0])


@given(st.one_of(VALID_LEIKA, INVALID_LEIKA.map(lambda case: case[0]), st.text(max_size=20)))
def test_leika_validator_accepts_exactly_fourteen_ascii_digits_not_all_zero(value: str) -> None:
    expected = len(value) == 14 and all(ch in "0123456789" for ch in value) and value != "0" * 14
    event("accepted" if expected else "refused")
    try:
        validate_leika_key(value)
    except ValidationError:
        assert not expected, value
    else:
        assert expected, value


def test_leika_key_must_be_text() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_leika_key(99115001000000)  # type: ignore[arg-type]
    assert exc.value.code == "leika_format"


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
