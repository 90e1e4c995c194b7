"""The booking fields of a payment line (where the Stadtkasse books it): what the mutation run found untested.

A booking text may have 250 characters, Haushaltsstelle and Objektnummer 50; line breaks and tabs are refused
like other unprintable characters; an empty field is left out, so the municipality's default applies.
"""

from __future__ import annotations

from typing import Any

import pytest

from rathaus.core.errors import ValidationFailed


def _line(**booking: Any) -> dict[str, Any]:
    return {"label": "Gebühr", "amount": "30.50", **booking}


def _refused(make_payment: Any, **booking: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        make_payment(lines=[_line(**booking)])
    return caught.value


@pytest.mark.parametrize(("name", "limit"), [("buchungstext", 250), ("haushaltsstelle", 50), ("objektnummer", 50)])
def test_each_booking_field_has_its_own_length_limit(make_payment: Any, name: str, limit: int) -> None:
    longest = "7" * limit
    payment = make_payment(lines=[_line(**{name: longest})])
    assert payment.lines == [_line(**{name: longest})]

    refused = _refused(make_payment, **{name: longest + "7"})
    assert refused.errors == [{"field": f"lines.0.{name}", "message": "Ungültige Buchungsangabe."}]
    assert str(refused.detail) == (f"Die Buchungsangabe »{name}« ist ungültig (höchstens {limit} druckbare Zeichen).")


@pytest.mark.parametrize("value", ["1.1220\n100", "Parkausweis\t2026", "Gebühr\r"])
def test_line_breaks_and_tabs_in_a_booking_field_are_refused(make_payment: Any, value: str) -> None:
    refused = _refused(make_payment, buchungstext=value)
    assert refused.errors[0]["field"] == "lines.0.buchungstext"


def test_empty_booking_fields_are_left_out(make_payment: Any) -> None:
    payment = make_payment(lines=[_line(haushaltsstelle="", objektnummer=None, buchungstext="")])
    assert payment.lines == [{"label": "Gebühr", "amount": "30.50"}]
