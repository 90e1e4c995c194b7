"""Spreadsheets in and out: the process catalog as XLSX (openpyxl) or CSV (the house's CSV writer).

Reading gives rows of ``{field key: cell}`` with the spreadsheet's row number, or :class:`ImportRejected`
for a file that is no table of processes at all (wrong format, unknown or missing columns, too big).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from rathaus.core.csv_cells import neutralise_formula, write_csv
from rathaus.core.errors import ImportRejected

from .fields import FIELDS, REQUIRED_COLUMNS, column_of

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED = 50 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Row = tuple[int, dict[str, Any]]  # (row number in the spreadsheet, cells by field key)


def uploaded_bytes(upload: Any) -> bytes:
    """The spreadsheet a form posted (field ``datei``), or ImportRejected: none chosen, or over the size limit."""
    if upload is None:
        raise ImportRejected("Bitte wählen Sie eine Datei (XLSX oder CSV).")
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ImportRejected("Die Datei ist größer als 5 MB.")
    return bytes(upload.read())


def read_rows(data: bytes) -> list[Row]:
    """The process rows of an XLSX or CSV file (recognised by content: a ZIP is XLSX)."""
    if len(data) > MAX_BYTES:
        raise ImportRejected("Die Datei ist größer als 5 MB.")
    table = _xlsx_table(data) if data.startswith(b"PK\x03\x04") else _csv_table(data)
    if not table or not any(cell not in (None, "") for cell in table[0]):
        raise ImportRejected("Die Datei enthält keine Prozesse (keine Kopfzeile mit den Spalten der Vorlage).")
    header, *body = table
    columns = _columns(header)
    rows: list[Row] = []
    for number, cells in enumerate(body, start=2):
        if all(cell in (None, "") or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue  # empty lines at the end of a sheet
        if len(rows) >= MAX_ROWS:
            raise ImportRejected(f"Die Datei hat mehr als {MAX_ROWS} Zeilen; bitte aufteilen.")
        rows.append((number, {key: cells[i] for i, key in enumerate(columns) if key and i < len(cells)}))
    if not rows:
        raise ImportRejected("Die Datei enthält keine Prozesse (nur eine Kopfzeile oder gar nichts).")
    return rows


def _columns(header: Sequence[Any]) -> list[str | None]:
    columns: list[str | None] = []
    unknown = []
    for cell in header:
        if cell in (None, ""):
            columns.append(None)
            continue
        key = column_of(str(cell))
        if key is None:
            unknown.append(str(cell)[:60])
        elif key in columns:
            raise ImportRejected(f"Die Spalte »{str(cell)[:60]}« kommt doppelt vor.")
        columns.append(key)
    if unknown:
        raise ImportRejected(
            "Unbekannte Spalte(n): " + ", ".join(f"»{u}«" for u in unknown) + ". Erlaubt sind die Spalten der Vorlage."
        )
    missing = [spec.title for spec in FIELDS if spec.key in REQUIRED_COLUMNS and spec.key not in columns]
    if missing:
        raise ImportRejected("Es fehlen Pflichtspalten: " + ", ".join(f"»{m}«" for m in missing) + ".")
    return columns


def _xlsx_table(data: bytes) -> list[list[Any]]:
    # A few MB of ZIP can unpack to gigabytes (a "zip bomb"); a real catalog of 5,000 rows unpacks to far less.
    try:
        unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRejected("Die Datei ist keine lesbare Excel-Datei (XLSX).") from exc
    if unpacked > MAX_UNPACKED:
        raise ImportRejected("Die Excel-Datei ist entpackt größer als 50 MB; bitte aufteilen.")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected("Die Datei ist keine lesbare Excel-Datei (XLSX).") from exc
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            return []
        table = []
        for row in sheet.iter_rows(values_only=True):
            table.append(list(row))
            if len(table) > MAX_ROWS + 1:
                raise ImportRejected(f"Die Datei hat mehr als {MAX_ROWS} Zeilen; bitte aufteilen.")
        return table
    finally:
        book.close()


def _csv_table(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected("Die CSV-Datei ist weder UTF-8 noch Windows-1252 kodiert.")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    try:
        table = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            table.append(row)
            if len(table) > MAX_ROWS + 1:
                raise ImportRejected(f"Die Datei hat mehr als {MAX_ROWS} Zeilen; bitte aufteilen.")
        return table
    except csv.Error as exc:
        raise ImportRejected("Die CSV-Datei ist nicht lesbar (Anführungszeichen oder Zeilenenden prüfen).") from exc


def header() -> list[str]:
    return [spec.title for spec in FIELDS]


def write_xlsx(rows: Iterable[Sequence[Any]]) -> bytes:
    """An XLSX workbook with the header and ``rows``; text cells formula-escaped like the CSV export."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Prozesskatalog"
    sheet.append(header())
    for row in rows:
        sheet.append([neutralise_formula(v) if isinstance(v, str) else v for v in row])
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv_text(rows: Iterable[Sequence[Any]]) -> str:
    return write_csv(header(), rows, bom=True)
