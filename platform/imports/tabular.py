"""Streaming reads of XLSX and CSV, cell text normalisation, and formula detection.

Rows come out as (row number as the user sees it in Excel, [cell text, ...]); the header is row 1. Nothing is
ever evaluated: a formula cell is read as its formula text (from the sheet XML) and rejected.
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from xml.etree import ElementTree

from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from unionhub.errors import DomainValidationError

XLSX, CSV = "xlsx", "csv"

# Cells starting with one of these are formulas to Excel, LibreOffice and WPS (DDE and HYPERLINK attacks
# included). "+" and "-" followed only by digits, spaces, dots and further signs are numbers or phone numbers
# ("-5", "+86 138 0000 0000", a lone "-" as "none"), which nothing evaluates into a command.
_FORMULA_START = ("=", "+", "-", "@")
_NUMBER_LIKE_RE = re.compile(r"[+\-][\d\s.+\-]*")
_HEADER_NOISE_RE = re.compile(r"[\s\u3000*＊]|[(（]\s*必填\s*[)）]")


class TableError(DomainValidationError):
    """The file as a whole cannot be imported (unreadable, no header, missing columns)."""

    @classmethod
    def of(cls, code: str, message) -> TableError:
        return cls.single("file", code, message)  # type: ignore[return-value]


def is_formula(text: str) -> bool:
    if not text or text[0] not in _FORMULA_START:
        return False
    return not (text[0] in "+-" and _NUMBER_LIKE_RE.fullmatch(text))


def normalise_header(text: str) -> str:
    """ "名称 *", "名称（必填）", " 名 称 " -> "名称": the forms spreadsheet templates use for one column."""
    return _HEADER_NOISE_RE.sub("", unicodedata.normalize("NFKC", text or ""))


def cell_text(value) -> str:
    """One cell as text: numbers without a spurious ".0", dates as YYYY-MM-DD, booleans as 是/否."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    # openpyxl's ArrayFormula / DataTableFormula objects: keep the formula text so the row is rejected.
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text if text.startswith("=") else f"={text}"
    return str(value).strip()


class Table:
    """An opened file: `header` (list of texts), `estimated_rows`, and `rows()` streaming the data rows."""

    def __init__(self, header: list[str], rows: Iterator[tuple[int, list[str]]], estimated_rows: int):
        self.header = header
        self._rows = rows
        self.estimated_rows = estimated_rows

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows


def _first_row(rows: Iterator[tuple[int, list[str]]]) -> list[str]:
    # Leading blank rows are skipped: some templates start with an empty line.
    for _number, cells in rows:
        if any(cells):
            return cells
    raise TableError.of("file_empty", _("文件中没有内容：请在第一行填写表头，从第二行起填写数据。"))


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _column_index(ref: str) -> int:
    """ "C7" -> 2."""
    index = 0
    for char in ref:
        if not char.isalpha():
            break
        index = index * 26 + ord(char.upper()) - 64
    return index - 1


_FORMULA_TAG_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_NS_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding the worksheet called `sheet_name` (via xl/workbook.xml and its relationships)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = next(
        (
            element.get(_NS_RELATIONSHIP)
            for element in workbook.iter()
            if _local(element.tag) == "sheet" and element.get("name") == sheet_name
        ),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter():
        if _local(rel.tag) == "Relationship" and rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def _xlsx_formulas(content: bytes, sheet_name: str) -> dict[int, dict[int, str]]:
    """{row: {column: "=<formula>"}} (0-based) for the formula cells of the sheet, read from its XML.

    calamine gives a formula cell's cached value (or nothing), so formulas are found here and their text replaces
    the value: the row is then rejected as before, and nothing is ever evaluated. A sheet without an <f> element
    (the usual case) is only scanned, not parsed."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        part = _sheet_part(archive, sheet_name)
        if part is None:
            return {}
        data = archive.read(part)
    if not _FORMULA_TAG_RE.search(data):
        return {}
    formulas: dict[int, dict[int, str]] = {}
    row, column = -1, -1
    for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            if tag == "row":
                row = int(element.get("r")) - 1 if element.get("r") else row + 1
                column = -1
            elif tag == "c":
                ref = element.get("r")
                column = _column_index(ref) if ref else column + 1
        elif tag == "f":
            # Shared formulas carry their text on the first cell only: the others are still formulas.
            formulas.setdefault(row, {})[column] = "=" + (element.text or "")
        elif tag == "row":
            element.clear()
    return formulas


def _with_formulas(cells: list[str], formulas: dict[int, str]) -> list[str]:
    cells = cells + [""] * (max(formulas) + 1 - len(cells))
    for column, formula in formulas.items():
        cells[column] = formula
    return cells


def _xlsx_rows(sheet, formulas: dict[int, dict[int, str]]) -> Iterator[tuple[int, list[str]]]:
    # calamine yields rows from the sheet's first row but columns from the used range's first column only: pad
    # them, so column letters and formula positions line up (tests/imports check sheets not starting at A1).
    padding = [""] * (sheet.start[1] if sheet.start else 0)
    row = -1
    for row, values in enumerate(sheet.iter_rows()):
        cells = padding + [cell_text(v) for v in values]
        if row in formulas:
            cells = _with_formulas(cells, formulas[row])
        yield row + 1, _trimmed(cells)
    # A formula without a cached result is no value to calamine: rows (or columns) holding only such cells lie
    # outside its range, and must still come out to be rejected.
    for late in sorted(r for r in formulas if r > row):
        yield late + 1, _with_formulas([], formulas[late])


def open_xlsx(content: bytes) -> Table:
    # calamine (Rust) reads a sheet many times faster than openpyxl; formulas come from the sheet XML.

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        worksheets = [meta.name for meta in workbook.sheets_metadata if str(meta.typ).endswith("WorkSheet")]
        name = worksheets[0] if worksheets else workbook.sheet_names[0]
        sheet = workbook.get_sheet_by_name(name)
        formulas = _xlsx_formulas(content, name)
        rows = _xlsx_rows(sheet, formulas)
        header = _first_row(rows)
    except DomainValidationError:
        raise
    except Exception:
        raise TableError.of(
            "file_unreadable", _("无法读取该 Excel 文件，请在 Excel 中另存为 .xlsx 后重新上传。")
        ) from None
    estimated = max((sheet.end[0] + 1 if sheet.end else 0) - 1, 0)
    return Table(header, rows, estimated)


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(reader, start=1):
        yield number, _trimmed([v.strip() for v in values])


def open_csv(content: bytes, encoding: str) -> Table:
    codec = "utf-8-sig" if encoding == "utf-8" else encoding
    try:
        text = content.decode(codec)
    except (UnicodeDecodeError, LookupError):
        raise TableError.of(
            "file_encoding_unknown", _("无法识别文本编码，请将文件保存为 UTF-8 或 GBK 编码的 CSV 后上传。")
        ) from None
    first_line = text.split("\n", 1)[0]
    # Excel's "Unicode text" export uses tabs; everything else Chinese offices produce uses commas.
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = _csv_rows(reader)
    try:
        header = _first_row(rows)
    except csv.Error:
        raise TableError.of("file_unreadable", _("CSV 文件格式有误，无法读取。")) from None
    return Table(header, _guarded(rows), max(text.count("\n") - 1, 0))


def _guarded(rows):
    try:
        yield from rows
    except csv.Error:
        raise TableError.of("file_unreadable", _("CSV 文件格式有误，无法读取。")) from None


def open_table(content: bytes, file_format: str, encoding: str = "") -> Table:
    if file_format == XLSX:
        return open_xlsx(content)
    return open_csv(content, encoding or "utf-8")


def map_headers(header: list[str], importer) -> dict[str, int]:
    """{field: column index} for the importer's columns; unknown columns are ignored (kept in the error file).

    Raises TableError naming the missing required columns, or a column given twice."""
    known = {normalise_header(h): field for h, field in importer.headers.items()}
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        field = known.get(normalise_header(text))
        if field is None:
            continue
        if field in columns:
            raise TableError.of(
                "duplicate_column",
                _("表头中“%(column)s”列出现了两次，请删除重复的列。")
                % {"column": importer.header_for(field)},
            )
        columns[field] = index
    missing = [h for h in importer.required if importer.headers[h] not in columns]
    if missing:
        raise TableError.of(
            "missing_columns",
            _("缺少必填列：%(columns)s。请使用导入模板，表头须包含：%(all)s。")
            % {"columns": "、".join(missing), "all": "、".join(importer.export_headers)},
        )
    return columns
