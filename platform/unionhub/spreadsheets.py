"""The one way the product writes spreadsheet cells (XLSX and CSV): every value goes through `formula_safe`.

A text cell that Excel or WPS would evaluate (it starts with = + - @, or a tab / carriage return some programs skip
before them: OWASP "CSV injection") is written with a leading apostrophe, so a union named `=HYPERLINK(...)` is
shown as text in a county's report instead of becoming a live link. Characters XLSX cannot hold are dropped.

Writers use `new_workbook()` (its sheets' `append`, `cell(value=)` and `ws["A1"] = ...` are formula-safe),
`export_xlsx` for a one-sheet table, and `csv_writer`. tests/security/test_formula_injection.py fails when a module
elsewhere creates an openpyxl workbook, a write-only cell or a csv writer, or assigns a cell's `.value` itself.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_UNSAFE_RE = re.compile(r"[\\/?*\[\]:]")


def formula_safe(value):
    """The value as it may go into a spreadsheet cell (CSV or XLSX) without being evaluated."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_DANGEROUS_START):
            return "'" + value
    elif isinstance(value, Cell) and isinstance(value.value, str):
        value.value = formula_safe(value.value)
    return value


class _SafeSheet(Worksheet):
    def append(self, iterable):
        if isinstance(iterable, dict):
            return super().append({key: formula_safe(value) for key, value in iterable.items()})
        return super().append([formula_safe(value) for value in iterable])

    def cell(self, row, column, value=None):
        return super().cell(row, column, value=formula_safe(value))

    def __setitem__(self, key, value):
        self[key].value = formula_safe(value)


class _SafeWriteOnlySheet(WriteOnlyWorksheet):
    def append(self, row):
        return super().append([formula_safe(value) for value in row])


class _SafeWorkbook(Workbook):
    def __init__(self, write_only: bool = False):
        super().__init__(write_only=write_only)
        if not write_only:
            self._sheets = [_SafeSheet(self)]

    def create_sheet(self, title=None, index=None):
        sheet = (
            _SafeWriteOnlySheet(parent=self, title=title)
            if self.write_only
            else _SafeSheet(parent=self, title=title)
        )
        self._add_sheet(sheet=sheet, index=index)
        return sheet


def new_workbook(*, write_only: bool = False) -> Workbook:
    """An openpyxl workbook whose sheets write every value formula-safe."""
    return _SafeWorkbook(write_only=write_only)


def _safe_sheet_title(text: str) -> str:
    return _SHEET_TITLE_UNSAFE_RE.sub("_", text)[:31] or "Sheet1"  # Excel's rules for sheet names


def export_xlsx(headers: list[str], rows: Iterable[Iterable], *, sheet_title: str = "Sheet1") -> bytes:
    """An .xlsx with one sheet: a bold header row, then `rows`. Values are written as they are (numbers stay
    numbers), text made formula-safe. Streamed (write-only mode), so a large export stays small in memory."""
    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet(title=_safe_sheet_title(sheet_title))
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class _SafeCsvWriter:
    def __init__(self, buffer, **options):
        self._writer = csv.writer(buffer, **options)

    def writerow(self, row):
        return self._writer.writerow([formula_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(buffer, **options) -> _SafeCsvWriter:
    """`csv.writer(buffer)` whose rows are written formula-safe (text only: numbers stay numbers)."""
    return _SafeCsvWriter(buffer, **options)
