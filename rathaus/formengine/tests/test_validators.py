from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
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
    with pytest.raises(FieldInvalid, match=r"Zahl bis 1\.000"):
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
