"""Fees from the definition's fee rules and the (cleaned) answers.

Each rule gives a line: ``amount`` once, or per unit of ``per`` (a whole-number field, or the items of a
repeat group). ``skip`` leaves the first units out (first dog one price, each further dog another).
``when`` restricts the rule; with a repeat group as ``per`` it is checked per item, so only matching items count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from .definition import Fee, FormDefinition
from .scope import Scope

CENT = Decimal("0.01")


@dataclass(frozen=True)
class FeeLine:
    label: str
    quantity: int
    unit_amount: Decimal
    amount: Decimal


def compute_fees(definition: FormDefinition, answers: Mapping[str, Any], *, today: date | None = None) -> list[FeeLine]:
    """The fee lines for these answers; rules that do not apply (quantity 0) give no line."""
    scope = Scope(definition, answers, today or timezone.localdate())
    lines = []
    for fee in definition.fees:
        quantity = _quantity(definition, fee, scope)
        if quantity > 0:
            unit = fee.unit_amount
            lines.append(FeeLine(fee.label, quantity, unit, (unit * quantity).quantize(CENT)))
    return lines


def _quantity(definition: FormDefinition, fee: Fee, scope: Scope) -> int:
    if fee.per is None:
        units = 1 if scope.holds(fee.when) else 0
    elif definition.has_group(fee.per):
        units = sum(1 for _path, item_scope, _item in scope.places(fee.per) if item_scope.holds(fee.when))
    else:
        if not scope.holds(fee.when):
            return 0
        values = scope.lookup(fee.per)
        units = (
            int(values[0]) if values and isinstance(values[0], (int, float)) and not isinstance(values[0], bool) else 0
        )
    return max(0, units - fee.skip)


def total(lines: Iterable[FeeLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal("0.00")).quantize(CENT)
