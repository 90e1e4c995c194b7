"""Conditions: a small, safe JSON expression language for visibility, cross-field rules and fees.

Syntax (one operator per leaf)::

    {"field": "step.group.field", "equals": "ja"}          also: not_equals, in, not_in, contains
    {"field": "...", "filled": true}                       true = has a value, false = empty
    {"field": "...", "gte": 3}                             gt, gte, lt, lte: number, or date for date fields
    {"field": "einzug", "gte": "today-14d"}                dates: "2026-01-01", "today", "today±N[dwmy]"
    {"field": "auszug", "lte_field": "step.group.einzug"}  equals_field, gt_field, gte_field, lt_field, lte_field
    {"valid_date": ["s.g.tag", "s.g.monat", "s.g.jahr"]}     day, month and year fields form a real date
    {"count": "step.group", "gte": 2}                      number of items of a repeat group;
                                                           a plain group counts 1 once any field has a value
                                                           (sub-groups: "step.group.sub", items of all
                                                           parent items, or of the item a rule looks at)
    {"all": [...]}, {"any": [...]}, {"not": {...}}

Evaluation is three-valued (Kleene logic): a comparison whose field has no value is *unknown* (None).
A visibility condition shows its element only when it is True; a rule fails only when its check is
False, so an empty field never trips a cross-field rule (``required`` reports it instead).
No eval, no attribute access: values are looked up by path in the answers dict.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Union

VALUE_OPS = ("equals", "not_equals", "in", "not_in", "contains", "filled", "gt", "gte", "lt", "lte")
FIELD_OPS = ("equals_field", "gt_field", "gte_field", "lt_field", "lte_field")
ORDER_OPS = ("gt", "gte", "lt", "lte")

_RELATIVE = re.compile(r"^today(?:([+-])(\d{1,4})([dwmy]))?$")


@dataclass(frozen=True)
class All:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


@dataclass(frozen=True)
class Compare:
    """``field`` compared with a literal ``value`` by ``op`` (one of VALUE_OPS)."""

    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class CompareField:
    """``field`` compared with another field ``other`` by ``op`` (one of FIELD_OPS, without the suffix)."""

    field: str
    op: str
    other: str


@dataclass(frozen=True)
class Count:
    """Number of items of the repeat group ``group`` compared with an integer."""

    group: str
    op: str
    value: int


@dataclass(frozen=True)
class ValidDate:
    """The values of three fields (day, month, year) form a calendar date (no 30.02.)."""

    day: str
    month: str
    year: str


Condition = Union[All, AnyOf, Not, Compare, CompareField, Count, ValidDate]  # noqa: UP007 - used at runtime


class ConditionSyntaxError(ValueError):
    """A condition that does not follow the syntax above (message in German)."""


def parse_condition(data: Any) -> Condition:
    """Parse the JSON form of a condition. Raises ConditionSyntaxError with a German message."""
    if isinstance(data, (All, AnyOf, Not, Compare, CompareField, Count, ValidDate)):
        return data
    if not isinstance(data, dict) or not data:
        raise ConditionSyntaxError("Eine Bedingung muss ein nicht leeres Objekt sein.")
    keys = set(data)
    if keys == {"all"} or keys == {"any"}:
        (key,) = keys
        items = data[key]
        if not isinstance(items, list) or not items:
            raise ConditionSyntaxError(f"„{key}“ braucht eine nicht leere Liste von Bedingungen.")
        parsed = tuple(parse_condition(item) for item in items)
        return All(parsed) if key == "all" else AnyOf(parsed)
    if keys == {"not"}:
        return Not(parse_condition(data["not"]))
    if keys == {"valid_date"}:
        parts = data["valid_date"]
        if not isinstance(parts, list) or len(parts) != 3:
            raise ConditionSyntaxError("„valid_date“ braucht drei Feldpfade: Tag, Monat, Jahr.")
        return ValidDate(*(_path(p) for p in parts))
    if "count" in keys:
        ops = keys - {"count"}
        if len(ops) != 1 or not ops <= {"equals", *ORDER_OPS}:
            raise ConditionSyntaxError("„count“ braucht genau einen Vergleich: equals, gt, gte, lt oder lte.")
        (op,) = ops
        value = data[op]
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConditionSyntaxError("„count“ vergleicht mit einer ganzen Zahl ab 0.")
        return Count(_path(data["count"]), op, value)
    if "field" not in keys:
        raise ConditionSyntaxError(
            "Unbekannte Bedingung; erlaubt sind field, count, all, any und not (gefunden: "
            + ", ".join(sorted(keys))
            + ")."
        )
    ops = keys - {"field"}
    if len(ops) != 1:
        raise ConditionSyntaxError("Eine Feldbedingung braucht genau einen Operator, z. B. „equals“.")
    (op,) = ops
    field = _path(data["field"])
    value = data[op]
    if op in FIELD_OPS:
        return CompareField(field, op.removesuffix("_field"), _path(value))
    if op not in VALUE_OPS:
        raise ConditionSyntaxError(f"Unbekannter Operator „{op}“.")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionSyntaxError(f"„{op}“ braucht eine nicht leere Liste von Werten.")
        value = tuple(value)
    elif op == "filled" and not isinstance(value, bool):
        raise ConditionSyntaxError("„filled“ ist true oder false.")
    elif op in ORDER_OPS:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConditionSyntaxError(f"„{op}“ vergleicht mit einer Zahl oder einem Datum.")
        if isinstance(value, str):
            parse_date_spec(value)  # raises on bad syntax
    return Compare(field, op, value)


def _path(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,9}", value):
        raise ConditionSyntaxError(f"Ungültiger Feldpfad „{value}“ (erwartet: schritt.gruppe.feld).")
    return value


def dump_condition(cond: Condition) -> dict[str, Any]:
    """The JSON form of a parsed condition (inverse of parse_condition)."""
    if isinstance(cond, All):
        return {"all": [dump_condition(c) for c in cond.items]}
    if isinstance(cond, AnyOf):
        return {"any": [dump_condition(c) for c in cond.items]}
    if isinstance(cond, Not):
        return {"not": dump_condition(cond.item)}
    if isinstance(cond, Count):
        return {"count": cond.group, cond.op: cond.value}
    if isinstance(cond, ValidDate):
        return {"valid_date": [cond.day, cond.month, cond.year]}
    if isinstance(cond, CompareField):
        return {"field": cond.field, f"{cond.op}_field": cond.other}
    value = list(cond.value) if isinstance(cond.value, tuple) else cond.value
    return {"field": cond.field, cond.op: value}


def references(cond: Condition) -> Iterable[str]:
    """Every field path (and repeat-group path for count) the condition reads."""
    if isinstance(cond, (All, AnyOf)):
        for item in cond.items:
            yield from references(item)
    elif isinstance(cond, Not):
        yield from references(cond.item)
    elif isinstance(cond, Count):
        yield cond.group
    elif isinstance(cond, ValidDate):
        yield from (cond.day, cond.month, cond.year)
    elif isinstance(cond, CompareField):
        yield cond.field
        yield cond.other
    else:
        yield cond.field


# --- dates -----------------------------------------------------------------------------------------


def parse_date_spec(spec: str) -> Callable[[date], date]:
    """``"2026-01-01"`` or ``"today-14d"`` → a function of today. Raises ConditionSyntaxError."""
    match = _RELATIVE.match(spec)
    if match:
        sign, amount, unit = match.groups()
        if not sign:
            return lambda today: today
        n = int(amount) * (1 if sign == "+" else -1)
        return lambda today: shift_date(today, n, unit)
    try:
        fixed = date.fromisoformat(spec)
    except ValueError:
        raise ConditionSyntaxError(
            f"Ungültige Datumsangabe „{spec}“ (erwartet: 2026-01-31, today, today-14d, today+1y)."
        ) from None
    return lambda _today: fixed


def shift_date(day: date, n: int, unit: str) -> date:
    if unit == "d":
        return day + timedelta(days=n)
    if unit == "w":
        return day + timedelta(weeks=n)
    months = n if unit == "m" else 12 * n
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def resolve_date(spec: str, today: date) -> date:
    return parse_date_spec(spec)(today)


# --- evaluation ------------------------------------------------------------------------------------

# A lookup returns every candidate value of a path: [] when empty, one value normally, one per item when a
# repeat-group field is read from outside its item. A leaf holds if it holds for any candidate.
Lookup = Callable[[str], list[Any]]
CountLookup = Callable[[str], int]


def evaluate(cond: Condition, lookup: Lookup, count: CountLookup, today: date) -> bool | None:
    """True, False or None (unknown, because a compared field is empty)."""
    if isinstance(cond, All):
        results = [evaluate(c, lookup, count, today) for c in cond.items]
        if False in results:
            return False
        return None if None in results else True
    if isinstance(cond, AnyOf):
        results = [evaluate(c, lookup, count, today) for c in cond.items]
        if True in results:
            return True
        return None if None in results else False
    if isinstance(cond, Not):
        inner = evaluate(cond.item, lookup, count, today)
        return None if inner is None else not inner
    if isinstance(cond, ValidDate):
        return _valid_date(lookup, cond)
    if isinstance(cond, Count):
        return (
            _order(cond.op, count(cond.group), cond.value) if cond.op != "equals" else count(cond.group) == cond.value
        )
    values = [v for v in lookup(cond.field) if not is_empty(v)]
    if isinstance(cond, Compare) and cond.op == "filled":
        return bool(values) == cond.value
    if not values:
        return None
    if isinstance(cond, CompareField):
        others = [v for v in lookup(cond.other) if not is_empty(v)]
        if not others:
            return None
        return any(_compare(cond.op, a, b, today) for a in values for b in others)
    op = cond.op
    if op == "not_equals":
        return not any(_equal(v, cond.value) for v in values)
    if op == "not_in":
        return not any(_equal(v, option) for v in values for option in cond.value)
    return any(_leaf(op, v, cond.value, today) for v in values)


def _valid_date(lookup: Lookup, cond: ValidDate) -> bool | None:
    found = [[v for v in lookup(p) if not is_empty(v)] for p in (cond.day, cond.month, cond.year)]
    if not all(found):
        return None
    try:
        date(int(str(found[2][0])), int(str(found[1][0])), int(str(found[0][0])))
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def _leaf(op: str, value: Any, expected: Any, today: date) -> bool:
    if op == "equals":
        return _equal(value, expected)
    if op == "in":
        return any(_equal(value, option) for option in expected)
    if op == "contains":
        return isinstance(value, (list, tuple)) and any(_equal(item, expected) for item in value)
    return _compare(op, value, expected, today)


def _compare(op: str, left: Any, right: Any, today: date) -> bool:
    if op == "equals":
        return _equal(left, right)
    a, b = _comparable(left, today), _comparable(right, today)
    if a is None or b is None or type(a) is not type(b):
        return False
    return _order(op, a, b)


def _order(op: str, a: Any, b: Any) -> bool:
    return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]


def _comparable(value: Any, today: date) -> Decimal | date | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return resolve_date(value, today)
        except ConditionSyntaxError:
            try:
                return Decimal(value)
            except InvalidOperation:
                return None
    return None


def _equal(value: Any, expected: Any) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return _as_bool(value) is not None and _as_bool(value) == _as_bool(expected)
    if isinstance(value, (int, float, Decimal)) and isinstance(expected, (int, float, Decimal)):
        return Decimal(str(value)) == Decimal(str(expected))
    return str(value) == str(expected)


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value in ("ja", "true"):
        return True
    if value in ("nein", "false"):
        return False
    return None


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}
