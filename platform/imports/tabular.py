"""Streaming reads of XLSX and CSV, cell text normalisation, and formula detection.

Rows come out as (row number as the user sees it in Excel, [cell text, ...]); the header is row 1. Nothing is
ever evaluated: a formula cell is read as its formula text (openpyxl with data_only=False) and rejected.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date, datetime, time

from django.utils.translation import gettext as _

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


def _xlsx_rows(sheet) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        yield number, cells


def open_xlsx(content: bytes) -> Table:
    import openpyxl

    try:
        # read_only streams the sheet; data_only=False keeps formulas as text, so they are seen and never used.
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        rows = _xlsx_rows(sheet)
        header = _first_row(rows)
    except DomainValidationError:
        raise
    except Exception:
        raise TableError.of(
            "file_unreadable", _("无法读取该 Excel 文件，请在 Excel 中另存为 .xlsx 后重新上传。")
        ) from None
    estimated = max((sheet.max_row or 0) - 1, 0)
    return Table(header, rows, estimated)


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    for number, values in enumerate(reader, start=1):
        cells = [v.strip() for v in values]
        while cells and not cells[-1]:
            cells.pop()
        yield number, cells


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
