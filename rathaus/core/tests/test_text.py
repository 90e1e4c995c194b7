"""The one cleaning of typed text (core.text): what is refused, what is removed, what is kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.core.text import TextRefused, clean_text, storable

# Every code point, lone surrogates included (hypothesis leaves them out of text() by default).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40) | st.lists(
    st.sampled_from(["\x00", "\ud800", "\udfff", "\r\n", "\r", "\t", "\n", "\x1b", "\x7f", "a", "ä", " "]), max_size=12
).map("".join)


def test_nul_is_refused_with_a_german_message() -> None:
    with pytest.raises(TextRefused, match="Steuerzeichen"):
        clean_text("Bello\x00")


@pytest.mark.parametrize("value", ["\ud800 x", "x\udfff", "\udbff\udc00"[0]])
def test_lone_surrogates_are_refused(value: str) -> None:
    with pytest.raises(TextRefused):
        clean_text(value, multiline=True)


def test_control_characters_are_removed_and_line_breaks_kept_only_in_multiline_text() -> None:
    assert clean_text("  Erika\x1b[31m\x07 Muster\x7fmann ") == "Erika[31m Mustermann"
    assert clean_text("Zeile 1\r\nZeile 2\rZeile 3\tTab", multiline=True) == "Zeile 1\nZeile 2\nZeile 3\tTab"
    assert clean_text("Zeile 1\r\nZeile 2\tTab") == "Zeile 1 Zeile 2 Tab"


def test_german_and_other_scripts_pass_unchanged() -> None:
    for value in ("Größe Straße", "Ğüzel İstanbul", "Łódź", "日本語", "😀 emoji"):
        assert clean_text(value) == value


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.booleans())
def test_any_text_is_refused_or_comes_back_storable(value: str, multiline: bool) -> None:
    try:
        cleaned = clean_text(value, multiline=multiline)
    except TextRefused:
        assert "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
        return
    cleaned.encode("utf-8")  # no lone surrogate
    assert "\x00" not in cleaned and "\r" not in cleaned
    assert all(c in "\t\n" or (ord(c) >= 0x20 and c != "\x7f") for c in cleaned)
    if not multiline:
        assert "\n" not in cleaned and "\t" not in cleaned


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(ANY_TEXT | st.integers() | st.none(), lambda inner: st.lists(inner) | st.dictionaries(ANY_TEXT, inner))
)
def test_storable_values_encode_as_utf8_without_nul(value: object) -> None:
    import json

    dumped = json.dumps(storable(value), ensure_ascii=False)
    dumped.encode("utf-8")
    assert "\x00" not in dumped and "\\u0000" not in dumped
