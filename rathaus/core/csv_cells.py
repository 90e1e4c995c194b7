"""Text cells of CSV exports that a spreadsheet would run as a formula (CSV injection), and the way back.

Excel and LibreOffice evaluate a cell that starts with ``= + - @`` (also after leading blanks or line breaks)
and treat a leading tab or carriage return specially; such a cell gets an apostrophe in front. So that an
import can undo exactly that, a value that starts with apostrophes followed by such a start gets one more.
"""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@")
_CONTROL_START = ("\t", "\r")


def _formula_like(value: str) -> bool:
    return value.startswith(_CONTROL_START) or value.lstrip().startswith(_FORMULA_START)


def neutralise_formula(value: str) -> str:
    """The value as a cell no spreadsheet runs; :func:`restore_formula` gives the value back."""
    return f"'{value}" if _formula_like(value.lstrip("'")) else value


def restore_formula(cell: str) -> str:
    """The value a cell of :func:`neutralise_formula` came from."""
    return cell[1:] if cell.startswith("'") and _formula_like(cell[1:].lstrip("'")) else cell
