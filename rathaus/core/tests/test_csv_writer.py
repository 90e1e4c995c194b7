"""One CSV writer for the house: every export goes through core.csv_cells.write_csv, which escapes formulas."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from rathaus.core.csv_cells import restore_formula, write_csv

PACKAGE = Path(__file__).resolve().parents[2]


def test_every_text_cell_is_neutralised_and_other_values_written_as_they_are() -> None:
    text = write_csv(
        ["=Spalte", "Betrag"],
        [['=HYPERLINK("https://evil.example";"x")', 12], ["+SUM(A1:A9)", Decimal("-3.50")], ["@A1", None]],
    )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows == [
        ["'=Spalte", "Betrag"],
        ['\'=HYPERLINK("https://evil.example";"x")', "12"],
        ["'+SUM(A1:A9)", "-3.50"],  # a number is no formula; only text is escaped
        ["'@A1", ""],
    ]
    assert [restore_formula(cell) for cell in rows[2]] == ["+SUM(A1:A9)", "-3.50"]
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    assert write_csv(["a"], [], bom=True) == "\ufeffa\r\n"


def test_no_export_writes_csv_past_the_house_writer() -> None:
    writers = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and path.name != "csv_cells.py" and writers.search(path.read_text())
    ]
    assert offenders == []
