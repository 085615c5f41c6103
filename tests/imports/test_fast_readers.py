"""The fast paths under imports: the calamine XLSX reader (formulas found in the sheet XML, positions as in Excel)
and the COPY text format."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook

from tests.support.imports import BRANCH_HEADER, branches, run_import


def _with_sheet_xml(content: bytes, edit) -> bytes:
    """The .xlsx with its first sheet's XML passed through `edit` (to write what Excel writes and openpyxl won't)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)
            target.writestr(item, data)
    return out.getvalue()


def test_xlsx_rows_keep_excel_positions_and_formulas_are_read_as_text():
    from imports.tabular import open_xlsx

    workbook = Workbook()
    sheet = workbook.active
    # The table starts at C3: row numbers and columns must still be those Excel shows.
    sheet["C3"], sheet["D3"], sheet["E3"] = "名称", "数量", "日期"
    sheet["C4"], sheet["D4"], sheet["E4"] = "=1+1", 5, date(2021, 3, 1)
    sheet["C6"], sheet["D6"], sheet["E6"] = "一分会", 2.5, datetime(2021, 3, 1, 8, 30)
    sheet["D7"] = '=IF(1,"是","否")'
    buffer = io.BytesIO()
    workbook.save(buffer)

    # As Excel saves: formulas with their cached results, and a shared formula whose other cells carry no text.
    def excel_like(xml: bytes) -> bytes:
        xml = xml.replace(b"<f>1+1</f><v />", b'<f t="shared" ref="C4:C5" si="0">1+1</f><v>2</v>')
        shared = b'<row r="5"><c r="C5"><f t="shared" si="0"/><v>3</v></c></row>'
        return xml.replace(b'<row r="6">', shared + b'<row r="6">')

    content = _with_sheet_xml(buffer.getvalue(), excel_like)
    assert b'si="0"/><v>3</v>' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    table = open_xlsx(content)
    assert table.header == ["", "", "名称", "数量", "日期"]
    rows = list(table.rows())
    assert rows == [
        (4, ["", "", "=1+1", "5", "2021-03-01"]),
        (5, ["", "", "="]),  # a shared formula's other cell: still a formula, never its cached 3
        (6, ["", "", "一分会", "2.5", "2021-03-01 08:30:00"]),
        (7, ["", "", "", '=IF(1,"是","否")']),
    ]


def test_a_formula_with_a_cached_value_is_rejected_not_imported_as_its_result(union):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(BRANCH_HEADER)
    sheet.append(["=1+1", "分会", "", "否"])
    sheet.append(["安全分会", "分会", "", "否"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    # Excel stores the last result next to the formula; calamine would hand that over as the cell's value.
    content = _with_sheet_xml(
        buffer.getvalue(), lambda xml: re.sub(rb"<f>1\+1</f><v\s*/>", b"<f>1+1</f><v>2</v>", xml)
    )
    assert b"<v>2</v>" in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    job = run_import(union, "缓存公式.xlsx", content)
    assert (job.accepted_rows, job.rejected_rows) == (1, 1)
    assert branches(union) == {("安全分会", "branch", None, False)}


@pytest.mark.django_db
def test_copy_text_format_round_trips_awkward_values():
    from django.db import connection

    from unionhub.copy import copy_rows

    values = [
        ("tab\there", 1, True, date(2024, 2, 29), datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("new\nline\r\\back\\slash\\N", -5, False, None, None),
        ("\\N", 0, None, None, None),  # the text "\N", not NULL
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE copy_check (t text, i bigint, b boolean, d date, ts timestamptz) ON COMMIT DROP"
        )
        assert copy_rows("pg_temp.copy_check", ["t", "i", "b", "d", "ts"], iter(values)) == 3
        cursor.execute("SELECT t, i, b, d, ts FROM pg_temp.copy_check ORDER BY i DESC")
        assert cursor.fetchall() == [values[0], values[2], values[1]]
    with pytest.raises(TypeError):
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE copy_bad (t text) ON COMMIT DROP")
            copy_rows("pg_temp.copy_bad", ["t"], [(object(),)])
