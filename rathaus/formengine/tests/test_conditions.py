from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rathaus.formengine.conditions import (
    ConditionSyntaxError,
    dump_condition,
    evaluate,
    parse_condition,
    resolve_date,
    shift_date,
)

PATHS = ["s.g.a", "s.g.b", "s.g.c"]
values = st.one_of(st.none(), st.integers(-5, 5), st.sampled_from(["x", "y", ""]), st.booleans())
leaves = st.one_of(
    st.builds(
        lambda f, v: {"field": f, "equals": v},
        st.sampled_from(PATHS),
        st.one_of(st.integers(-5, 5), st.sampled_from(["x", "y"])),
    ),
    st.builds(
        lambda f, v: {"field": f, "in": v}, st.sampled_from(PATHS), st.lists(st.integers(-5, 5), min_size=1, max_size=3)
    ),
    st.builds(lambda f, b: {"field": f, "filled": b}, st.sampled_from(PATHS), st.booleans()),
    st.builds(
        lambda f, op, v: {"field": f, op: v},
        st.sampled_from(PATHS),
        st.sampled_from(["gt", "gte", "lt", "lte"]),
        st.integers(-5, 5),
    ),
    st.builds(
        lambda f, op, o: {"field": f, op: o},
        st.sampled_from(PATHS),
        st.sampled_from(["gte_field", "lt_field"]),
        st.sampled_from(PATHS),
    ),
)
conditions = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda item: {"not": item}, inner),
    ),
    max_leaves=8,
)
answer_sets = st.fixed_dictionaries({p: values for p in PATHS})

TODAY = date(2026, 3, 16)


def _eval(cond: dict[str, Any], answers: dict[str, Any]) -> bool | None:
    def lookup(path: str) -> list[Any]:
        value = answers.get(path)
        return [] if value in (None, "") else [value]

    return evaluate(parse_condition(cond), lookup, lambda _g: 0, TODAY)


@settings(max_examples=300, deadline=None)
@given(conditions)
def test_parse_and_dump_round_trip(cond: dict[str, Any]):
    assert dump_condition(parse_condition(cond)) == cond


@settings(max_examples=300, deadline=None)
@given(conditions, answer_sets)
def test_double_negation_and_de_morgan_hold_in_three_valued_logic(cond: dict[str, Any], answers: dict[str, Any]):
    result = _eval(cond, answers)
    assert result in (True, False, None)
    assert _eval({"not": {"not": cond}}, answers) == result
    other = {"field": "s.g.a", "filled": True}
    assert _eval({"not": {"all": [cond, other]}}, answers) == _eval({"any": [{"not": cond}, {"not": other}]}, answers)


@settings(max_examples=300, deadline=None)
@given(st.integers(-5, 5), st.integers(-5, 5))
def test_comparisons_agree_with_python(a: int, b: int):
    answers = {"s.g.a": a}
    assert _eval({"field": "s.g.a", "gt": b}, answers) is (a > b)
    assert _eval({"field": "s.g.a", "lte": b}, answers) is (a <= b)
    assert _eval({"field": "s.g.a", "equals": b}, answers) is (a == b)


def test_empty_fields_make_comparisons_unknown_but_filled_is_definite():
    assert _eval({"field": "s.g.a", "gte": 1}, {}) is None
    assert _eval({"field": "s.g.a", "equals": "x"}, {}) is None
    assert _eval({"field": "s.g.a", "filled": False}, {}) is True
    assert _eval({"any": [{"field": "s.g.a", "gte": 1}, {"field": "s.g.b", "filled": False}]}, {}) is True


def test_yes_no_compares_with_booleans_and_ja_nein():
    assert _eval({"field": "s.g.a", "equals": True}, {"s.g.a": "ja"}) is True
    assert _eval({"field": "s.g.a", "equals": "nein"}, {"s.g.a": False}) is True


def test_relative_dates():
    assert resolve_date("today", TODAY) == TODAY
    assert resolve_date("today-14d", TODAY) == date(2026, 3, 2)
    assert resolve_date("today+2w", TODAY) == date(2026, 3, 30)
    assert resolve_date("today+1y", TODAY) == date(2027, 3, 16)
    assert shift_date(date(2024, 2, 29), 1, "y") == date(2025, 2, 28)
    assert shift_date(date(2026, 1, 31), 1, "m") == date(2026, 2, 28)
    assert _eval({"field": "s.g.a", "gte": "today-14d"}, {"s.g.a": "2026-03-02"}) is True
    assert _eval({"field": "s.g.a", "gte": "today-14d"}, {"s.g.a": "2026-03-01"}) is False


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2000, 1, 1), date(2100, 12, 31)), st.integers(0, 500))
def test_day_offsets_match_timedelta(day: date, n: int):
    assert resolve_date(f"today-{n}d", day) == day - timedelta(days=n)


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {},
        {"field": "x"},
        {"field": "s.g.a", "gte": True},
        {"field": "S.G.A", "equals": 1},
        {"eval": "1"},
        {"count": "s.g", "gte": -1},
        {"field": "s.g.a", "gte": "morgen"},
        {"all": "x"},
    ],
)
def test_bad_conditions_raise_german_syntax_errors(bad: Any):
    with pytest.raises(ConditionSyntaxError):
        parse_condition(bad)
