"""The house's CSV writer, and text cells that a spreadsheet would run as a formula (CSV injection).

Every CSV export (Leistungskatalog, Stadtkasse) is written by :func:`write_csv`, so no export can forget the
escape below.

Excel and LibreOffice evaluate a cell that starts with ``= + - @`` (also after leading blanks or line breaks)
and treat a leading tab or carriage return specially; such a cell gets an apostrophe in front. So that an
import can undo exactly that, a value that starts with apostrophes followed by such a start gets one more.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

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


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False) -> str:
    """CSV as German spreadsheets open it: ``;``-separated, CRLF, UTF-8 (with a byte order mark if ``bom``).

    Every text cell goes through :func:`neutralise_formula`; other values (numbers, None as empty) are written
    as they are.
    """
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_cell(value) for value in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value: object) -> object:
    if value is None:
        return ""
    return neutralise_formula(value) if isinstance(value, str) else value
