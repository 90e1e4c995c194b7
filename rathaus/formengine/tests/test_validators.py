from __future__ import annotations

import string

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from rathaus.formengine import parse_definition
from rathaus.formengine.validators import (
    FieldInvalid,
    clean_iban,
    clean_number,
    clean_phone,
    clean_yesno,
    is_valid_iban,
)


def _with_check_digits(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.digits, min_size=18, max_size=18))
def test_any_german_iban_with_correct_check_digits_is_valid(bban: str):
    iban = _with_check_digits("DE", bban)
    assert is_valid_iban(iban)
    spaced = " ".join(iban[i : i + 4] for i in range(0, 22, 4)).lower()
    assert clean_iban(spaced) == iban


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.digits, min_size=18, max_size=18), st.integers(4, 21), st.integers(1, 9))
def test_changing_one_digit_breaks_the_checksum(bban: str, position: int, delta: int):
    iban = _with_check_digits("DE", bban)
    changed = iban[:position] + str((int(iban[position]) + delta) % 10) + iban[position + 1 :]
    assert not is_valid_iban(changed)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.digits + string.ascii_uppercase, min_size=11, max_size=30))
def test_foreign_ibans_of_unlisted_length_only_need_the_checksum(bban: str):
    assert is_valid_iban(_with_check_digits("XK", bban))


# The lengths of the ISO 13616 IBAN registry for the countries the validator knows; written out here (not
# imported) so that a wrong entry in the validator's table shows.
IBAN_LENGTHS = {
    "AT": 20, "BE": 16, "CH": 21, "CZ": 24, "DE": 22, "DK": 18, "ES": 24, "FI": 18, "FR": 27, "GB": 22,
    "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IT": 27, "LI": 21, "LU": 20, "NL": 18, "NO": 15, "PL": 28,
    "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "TR": 26,
}  # fmt: skip
_ALNUM = string.digits + string.ascii_uppercase
_UNLISTED = [a + b for a in string.ascii_uppercase for b in string.ascii_uppercase if a + b not in IBAN_LENGTHS]


def _bban(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_ALNUM, min_size=length, max_size=length)


# ISO 13616: country, two check digits (mod 97-10), BBAN; the length is fixed per listed country, 15–34 else.
LISTED_IBANS = st.sampled_from(sorted(IBAN_LENGTHS)).flatmap(
    lambda country: _bban(IBAN_LENGTHS[country] - 4).map(lambda bban: _with_check_digits(country, bban))
)
UNLISTED_IBANS = st.tuples(st.sampled_from(_UNLISTED), st.integers(11, 30)).flatmap(
    lambda t: _bban(t[1]).map(lambda bban: _with_check_digits(t[0], bban))
)
VALID_IBANS = st.one_of(LISTED_IBANS, UNLISTED_IBANS)


def _as_typed(iban: str, lower: bool, group: int, blank: str) -> str:
    """How people write or paste it: in groups, maybe in lower case, with blanks between and around."""
    typed = blank.join(iban[i : i + group] for i in range(0, len(iban), group))
    return f"  {typed.lower() if lower else typed}\t"


def _other_check_digits(iban: str, new: int) -> str:
    # Check digits that differ by 97 pass mod 97 as well (02 and 99, 01 and 98): skip those.
    old = int(iban[2:4])
    new = new if (new - old) % 97 else (new + 1) % 100
    return f"{iban[:2]}{new:02d}{iban[4:]}"


INVALID_IBANS = st.one_of(
    st.tuples(VALID_IBANS, st.integers(0, 99))
    .filter(lambda t: int(t[0][2:4]) != t[1])
    .map(lambda t: (_other_check_digits(*t), "Prüfziffer")),
    st.tuples(st.sampled_from(sorted(IBAN_LENGTHS)), st.integers(11, 30))
    .filter(lambda t: t[1] != IBAN_LENGTHS[t[0]] - 4)
    .flatmap(lambda t: _bban(t[1]).map(lambda bban: (_with_check_digits(t[0], bban), "Zeichen"))),
    st.tuples(VALID_IBANS, st.integers(0, 40), st.sampled_from(["-", "/", ".", "Ä", "٣", "_"])).map(
        lambda t: (t[0][: t[1]] + t[2] + t[0][t[1] :], "Bitte geben Sie eine IBAN an")
    ),
    _bban(10).map(lambda bban: (_with_check_digits("DE", bban), "Bitte geben Sie eine IBAN an")),
    VALID_IBANS.map(lambda iban: (iban[:2] + "AB" + iban[4:], "Bitte geben Sie eine IBAN an")),
)


@settings(max_examples=200, deadline=None)
@given(VALID_IBANS, st.booleans(), st.integers(1, 8), st.sampled_from([" ", "  ", "\u00a0", "\t", "\n"]))
def test_every_iban_built_from_its_structure_is_accepted_as_typed(iban: str, lower: bool, group: int, blank: str):
    assert is_valid_iban(iban)
    assert clean_iban(_as_typed(iban, lower, group, blank)) == iban


@settings(max_examples=200, deadline=None)
@given(INVALID_IBANS)
def test_ibans_off_the_structure_are_refused_with_their_reason(case: tuple[str, str]):
    iban, message = case
    assert not is_valid_iban(iban)
    with pytest.raises(FieldInvalid, match=message):
        clean_iban(iban)


def _is_iban(value: str) -> bool:
    iban = "".join(value.split()).upper()
    if not 15 <= len(iban) <= 34 or not all(ch in _ALNUM for ch in iban):
        return False
    if not (iban[:2].isalpha() and iban[2:4].isdigit()) or len(iban) != IBAN_LENGTHS.get(iban[:2], len(iban)):
        return False
    return int("".join(str(_ALNUM.index(ch)) for ch in iban[4:] + iban[:4])) % 97 == 1


@settings(max_examples=300, deadline=None)
@given(st.one_of(VALID_IBANS, INVALID_IBANS.map(lambda case: case[0]), st.text(max_size=40)))
def test_iban_validators_accept_exactly_the_ibans(value: str):
    expected = _is_iban(value)
    event("accepted" if expected else "refused")
    assert is_valid_iban(value) is expected
    try:
        cleaned = clean_iban(value)
    except FieldInvalid:
        assert not expected, value
    else:
        assert expected and cleaned == "".join(value.split()).upper(), value


def test_iban_messages_are_german():
    with pytest.raises(FieldInvalid, match="22 Zeichen"):
        clean_iban("DE8937040044053201300")
    with pytest.raises(FieldInvalid, match="Prüfziffer"):
        clean_iban("DE88370400440532013000")
    with pytest.raises(FieldInvalid, match="Bitte geben Sie eine IBAN an"):
        clean_iban("keine iban")
    assert clean_iban("AT61 1904 3002 3457 3201") == "AT611904300234573201"


NUMBER = parse_definition(
    {
        "id": "n",
        "version": 1,
        "title": "N",
        "steps": [
            {
                "id": "s",
                "title": "S",
                "groups": [
                    {
                        "id": "g",
                        "title": "G",
                        "fields": [
                            {"id": "ganz", "label": "Ganz", "type": "number", "min": 0, "max": 1000},
                            {"id": "komma", "label": "Komma", "type": "number", "decimals": 2, "min": 0.5},
                        ],
                    }
                ],
            }
        ],
    }
)


def test_numbers_accept_german_decimal_commas_and_check_limits():
    ganz, komma = NUMBER.field("s.g.ganz"), NUMBER.field("s.g.komma")
    assert clean_number(ganz, "12") == 12
    assert clean_number(komma, "2,75") == 2.75
    assert clean_number(komma, "1.234,5") == 1234.5
    with pytest.raises(FieldInvalid, match="ganze Zahl"):
        clean_number(ganz, "1,5")
    with pytest.raises(FieldInvalid, match="höchstens 2 Nachkommastellen"):
        clean_number(komma, "1,555")
    with pytest.raises(FieldInvalid, match=r"Zahl von 0 bis 1\.000"):
        clean_number(ganz, "1001")
    with pytest.raises(FieldInvalid, match="Zahl ab 0,5"):
        clean_number(komma, "0,1")
    for bad in ("zwölf", "NaN", "1e400", True):
        with pytest.raises(FieldInvalid):
            clean_number(ganz, bad)


@pytest.mark.parametrize(
    "value", ["0211 123456", "+49 211 123456", "0171/1234567", "(0211) 12 34-56", "+4915112345678"]
)
def test_common_german_phone_formats_are_accepted(value: str):
    assert clean_phone(value) == value


@pytest.mark.parametrize("value", ["12345", "211 123456", "+49 abc", "0" + "1" * 20, "++49 211 1234"])
def test_implausible_phone_numbers_are_rejected(value: str):
    with pytest.raises(FieldInvalid, match="Telefonnummer"):
        clean_phone(value)


def test_yes_no_accepts_html_and_json_values():
    assert clean_yesno("ja") is True
    assert clean_yesno(False) is False
    with pytest.raises(FieldInvalid, match="„Ja“ oder „Nein“"):
        clean_yesno("vielleicht")
