"""Writing XLSX (exports and error files): Chinese headers, streamed with openpyxl's write_only mode, and safe
against formula injection: a text cell that Excel would run as a formula is written with a leading apostrophe."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

# OWASP "CSV injection": =, +, -, @ and the tab / carriage return that some programs skip before them.
_DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_UNSAFE_RE = re.compile(r"[\\/?*\[\]:]")


def formula_safe(value):
    """The value as it may go into a spreadsheet cell (CSV or XLSX) without being evaluated."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_DANGEROUS_START):
            return "'" + value
    return value


def export_xlsx(headers: list[str], rows: Iterable[Iterable], *, sheet_title: str = "Sheet1") -> bytes:
    """An .xlsx with one sheet: a bold header row, then `rows`. Values are written as they are (numbers stay
    numbers), text made formula-safe."""
    workbook = Workbook(write_only=True)
    title = _SHEET_TITLE_UNSAFE_RE.sub("_", sheet_title)[:31] or "Sheet1"  # Excel's rules for sheet names
    sheet = workbook.create_sheet(title=title)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=formula_safe(str(header)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([formula_safe(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
