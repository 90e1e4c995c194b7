"""Whatever text a fee carries, the payment request Rathaus builds conforms to the XBezahldienste schema."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jsonschema_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.payments.providers.registry import payment_providers
from rathaus.payments.providers.xbezahldienste import XBezahldiensteProvider, _json_number

from .test_xbezahldienste import OPTIONS

SCHEMA = json.loads((Path(__file__).parent / "xbezahldienste" / "schema.json").read_text(encoding="utf-8"))
REQUEST = jsonschema_rs.validator_for({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/PaymentRequest"})
# Any text, including control characters, NUL, lone surrogates, umlauts and emoji.
TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)
CENTS = st.integers(min_value=1, max_value=9_999_999)


@settings(max_examples=300, deadline=None)
@given(
    reference=st.text(max_size=40),
    purpose=TEXT,
    lines=st.lists(st.tuples(TEXT.filter(str.strip), CENTS, TEXT), max_size=8),
    prefix=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
    rules=st.sampled_from(["", "Hund = 6.1100.000 / 61100000; Parken = 1.2"]),
)
def test_any_fee_text_gives_a_conforming_request(
    reference: str, purpose: str, lines: list[tuple[str, int, str]], prefix: str, rules: str
) -> None:
    options = payment_providers.validate_options(
        "xbezahldienste", {**OPTIONS, "kassenzeichen_prefix": prefix, "buchungen_je_leistung": rules}
    )
    fee_lines: list[dict[str, Any]] = [
        {"label": label, "amount": f"{Decimal(cents) / 100:.2f}", "buchungstext": text} for label, cents, text in lines
    ]
    total = sum((Decimal(line["amount"]) for line in fee_lines), Decimal(0)) or Decimal("12.34")
    payment = SimpleNamespace(
        uuid=uuid.uuid4(), reference=reference, purpose=purpose or "x", amount=total, currency="EUR", lines=fee_lines
    )
    request_id = f"{payment.uuid.hex}-01"
    built = XBezahldiensteProvider(options)._payment_request(payment, request_id, "https://alpha.example/zahlung/r/")
    body = json.loads(json.dumps(built, default=_json_number))
    errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in REQUEST.iter_errors(body)]
    assert errors == []
    gross = sum((Decimal(str(i["totalNetAmount"])) for i in body["items"]), Decimal(0))
    assert gross == Decimal(str(body["grosAmount"])) == total
