"""CSV injection: cells a spreadsheet would run get an apostrophe, and restore_formula undoes exactly that."""

from __future__ import annotations

import pytest

from rathaus.core.csv_cells import neutralise_formula, restore_formula

VALUES = [
    "",
    "Musterstraße 1",
    "=SUM(A1:A9)",
    "+49 30 123456",
    "-5",
    "@cmd",
    " =1+1",
    "\n=1",
    "\tTab",
    "\rReturn",
    "'=1",
    "''=1",
    "'Apostroph",
    "'X=1",
    "X'=1",
    "XX'=1",
    "'",
    "''",
]


@pytest.mark.parametrize("value", VALUES)
def test_restore_gives_back_the_value_that_was_neutralised(value):
    assert restore_formula(neutralise_formula(value)) == value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("  -5", "'  -5"),
        ("\tTab", "'\tTab"),
        ("'=1", "''=1"),
        ("Musterstraße 1", "Musterstraße 1"),
        ("'Apostroph", "'Apostroph"),
        ("'X=1", "'X=1"),
    ],
)
def test_neutralised_cells(value, cell):
    assert neutralise_formula(value) == cell


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("'=1", "=1"),
        ("''=1", "'=1"),
        ("'Apostroph", "'Apostroph"),
        ("'X=1", "'X=1"),
        ("'XX=1", "'XX=1"),
        ("=1", "=1"),
    ],
)
def test_restore_removes_only_the_apostrophe_neutralise_added(cell, value):
    assert restore_formula(cell) == value
