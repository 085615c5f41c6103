"""Report files from ReportData: the statistical tables as XLSX and a PDF summary with a chart.

Both are deterministic: the same data gives the same bytes. openpyxl stamps "now" into the workbook properties and
every zip entry, and reportlab into the PDF info and id; we fix all of them (workbook dates = the report date, zip
entries at 1980-01-01, reportlab's invariant mode), so a regenerated report is byte-identical and re-storing it under
its deterministic key changes nothing. The data hash of a workbook (`report_data_hash`) is computed from the rows
written, without reading the file back; `xlsx_data_hash` reads the same hash from a file.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from copy import copy
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as PdfTable

from unionhub.spreadsheets import new_workbook

from .layout import ReportData, Table

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_CONTENT_TYPE = "application/pdf"
COVER_SHEET = "封面"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _cell_value(value, decimals: int):
    if value is None:
        return None
    if decimals:
        return float(Decimal(value).quantize(Decimal(1).scaleb(-decimals)))
    return int(value)


def _cover_rows(data: ReportData) -> list[tuple[str, str]]:
    return [
        (_("单位名称（902）"), data.node_name),
        (_("行政区划代码（903）"), data.division_code),
        (_("报告期"), data.period_name),
        (_("统计截止日期"), data.report_date),
        (_("报送单位"), data.node_name),
        (_("接收单位"), data.recipient_name),
        (
            _("数据版本"),
            _("快照第%(v)s版") % {"v": data.snapshot_version}
            if data.snapshot_version
            else _("实时数据（未封账）"),
        ),
        (_("单位负责人（签字）"), ""),
        (_("填表人"), ""),
        (_("单位盖章"), ""),
    ]


def _add_styles(workbook) -> dict:
    """Named styles, registered once: assigning a name to a cell is cheap, where building Font/Border objects per
    cell makes openpyxl hash and compare style objects thousands of times (seconds for a county's tables).
    Returns each name's style array (what openpyxl copies into a cell given the name)."""
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    styles = [
        NamedStyle("uh_title", font=Font(bold=True, size=14), alignment=Alignment(horizontal="center")),
        NamedStyle(
            "uh_header",
            font=Font(bold=True),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            fill=PatternFill("solid", fgColor="DDEBF7"),
            border=border,
        ),
    ]
    for bold in (False, True):
        suffix = "_total" if bold else ""
        font = Font(bold=bold)
        styles += [
            NamedStyle(f"uh_text{suffix}", font=font, border=border),
            NamedStyle(f"uh_int{suffix}", font=font, border=border, number_format="0"),
            NamedStyle(f"uh_dec{suffix}", font=font, border=border, number_format="0.00"),
        ]
    for style in styles:
        workbook.add_named_style(style)
    return {style.name: style.as_tuple() for style in styles}


def _table_rows(table: Table, data: ReportData) -> list[tuple[list, str]]:
    """The rows of a table's sheet as written, each with the style suffix of its body cells ("" / "_total"); the
    writer and `report_data_hash` both take them from here, so the hash is of exactly what the sheet holds."""
    rows: list[tuple[list, str]] = [
        ([f"{table.code} {table.title}"], ""),
        (
            [
                _("填报单位：%(name)s") % {"name": data.node_name},
                None,
                _("报告期：%(p)s") % {"p": data.period_name},
            ],
            "",
        ),
        ([_("单位名称"), _("代码"), *[column.header for column in table.columns]], ""),
    ]
    for row in table.rows:
        values = [_cell_value(row.values.get(column.code), column.decimals) for column in table.columns]
        name = _("合计（%(name)s）") % {"name": row.name} if row.kind == "total" else row.name
        rows.append(([name, row.code, *values], "_total" if row.kind == "total" else ""))
    return rows


def _write_table(sheet, table: Table, data: ReportData, styles: dict) -> None:
    """The table's sheet. Cells get their named style by copying its style array, which is what `cell.style =
    name` does after looking the name up in a list twice per cell (over half the time of a 200-row sheet)."""

    def styled(row: int, column: int, name: str) -> None:
        sheet.cell(row, column)._style = copy(styles[name])

    rows = _table_rows(table, data)
    headers = rows[2][0]
    width = len(table.columns) + 2
    for values, _suffix in rows[:3]:
        sheet.append(values)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    styled(1, 1, "uh_title")
    header_row = 3
    for index in range(1, len(headers) + 1):
        styled(header_row, index, "uh_header")
    body_styles = ["uh_text", "uh_text"] + [
        "uh_dec" if column.decimals else "uh_int" for column in table.columns
    ]
    # Row numbers counted here: sheet.max_row scans every cell, once per row it would be quadratic.
    for current, (values, suffix) in enumerate(rows[3:], start=header_row + 1):
        sheet.append(values)
        for index, name in enumerate(body_styles, start=1):
            styled(current, index, name + suffix)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 20
    for index in range(3, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.row_dimensions[header_row].height = 42
    # A coordinate, not sheet.cell(): that would add an empty cell (a phantom row under a table without rows).
    sheet.freeze_panes = f"C{header_row + 1}"


def render_xlsx(data: ReportData) -> bytes:
    """The workbook: a cover sheet, then one sheet per statistical table."""
    workbook = new_workbook()  # formula-safe: a union's name is data, never a formula
    styles = _add_styles(workbook)
    cover = workbook.active
    cover.title = COVER_SHEET
    cover.append([_("工会统计年报")])
    cover.cell(1, 1).font = Font(bold=True, size=16)
    for label, value in _cover_rows(data):
        cover.append([label, value])
    cover.column_dimensions["A"].width = 24
    cover.column_dimensions["B"].width = 60
    for table in data.tables:
        _write_table(workbook.create_sheet(table.code), table, data, styles)

    fixed = datetime.fromisoformat(data.report_date)
    properties = workbook.properties
    properties.creator = "UnionHub 工会云"
    properties.lastModifiedBy = "UnionHub 工会云"
    properties.title = f"{data.node_name} {data.period_name}"
    properties.created = fixed
    properties.modified = fixed

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        # ExcelWriter directly: openpyxl's save_workbook would stamp "now" into the properties.
        ExcelWriter(workbook, archive).save()
    return _normalise_zip(raw.getvalue())


def _normalise_zip(content: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01 (zip entries otherwise carry the time of writing)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def report_data_hash(data: ReportData) -> str:
    """SHA-256 of what the data sheets say (every sheet but the cover, cell by cell), computed from the rows the
    writer writes: equal to `xlsx_data_hash` of the rendered file, without reading the file back."""
    sheets = []
    for table in data.tables:
        rows = [values for values, _suffix in _table_rows(table, data)]
        width = max(len(values) for values in rows)  # the sheet's dimension: reading pads every row to it
        sheets.append(
            [
                table.code,
                [[_json_cell(_as_read_back(value)) for value in _padded(values, width)] for values in rows],
            ]
        )
    return _sheets_hash(sheets)


def xlsx_data_hash(content: bytes) -> str:
    """The data hash read back from a rendered file (to check a stored file against its recorded hash)."""
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheets = []
    for sheet in workbook.worksheets:
        if sheet.title == COVER_SHEET:
            continue
        rows = [[_json_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        sheets.append([sheet.title, rows])
    workbook.close()
    return _sheets_hash(sheets)


def _sheets_hash(sheets: list) -> str:
    return hashlib.sha256(json.dumps(sheets, ensure_ascii=False).encode()).hexdigest()


def _padded(values: list, width: int) -> list:
    return values + [None] * (width - len(values))


def _as_read_back(value):
    """A written value as openpyxl reads it back: numbers go through the file as "%.16g" text (so 100.0 comes
    back as 100), an empty string is an empty cell, text as the formula-safe writer wrote it."""
    from unionhub.spreadsheets import formula_safe

    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        text = f"{value:.16g}"
        return float(text) if any(mark in text for mark in ".eE") else int(text)
    return formula_safe(value)


def _json_cell(value):
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


# --- PDF ------------------------------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"  # reportlab's built-in CID font for Simplified Chinese: no font file shipped
CHART_BARS = 15


def _register_font() -> None:
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))


def _fmt(value, decimals: int) -> str:
    if value is None:
        return "—"
    if decimals:
        return f"{Decimal(value).quantize(Decimal(1).scaleb(-decimals))}"
    return f"{int(value):,}"


def _members_chart(table: Table):
    """A bar chart of members per sub-unit (the largest CHART_BARS), or None without sub-units."""
    rows = [row for row in table.rows if row.kind != "total"]
    if not rows:
        return None
    rows = sorted(rows, key=lambda row: (-(row.values.get("members") or 0), row.name))[:CHART_BARS]
    drawing = Drawing(460, 240)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 50, 70, 390, 150
    chart.data = [[int(row.values.get("members") or 0) for row in rows]]
    chart.categoryAxis.categoryNames = [row.name[:8] for row in rows]
    chart.categoryAxis.labels.fontName = PDF_FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.bars[0].fillColor = colors.HexColor("#C0392B")
    drawing.add(chart)
    drawing.add(String(230, 228, _("各单位会员人数"), fontName=PDF_FONT, fontSize=10, textAnchor="middle"))
    return drawing


def render_pdf(data: ReportData) -> bytes:
    """A summary: the key totals of each table and a chart of members per sub-unit."""
    _register_font()
    title_style = ParagraphStyle("title", fontName=PDF_FONT, fontSize=16, leading=22, alignment=1)
    body_style = ParagraphStyle("body", fontName=PDF_FONT, fontSize=9, leading=13)
    heading_style = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=11, leading=16, spaceBefore=6)

    story = [
        Paragraph(_("%(name)s 工会统计摘要") % {"name": data.node_name}, title_style),
        Spacer(1, 4 * mm),
    ]
    for label, value in _cover_rows(data)[:7]:
        story.append(Paragraph(f"{label}：{value}", body_style))
    story.append(Spacer(1, 4 * mm))

    members_table = data.table("表2")
    if members_table is not None:
        chart = _members_chart(members_table)
        if chart is not None:
            story += [chart, Spacer(1, 4 * mm)]

    for table in data.tables:
        total = table.total
        if total is None:
            continue
        story.append(Paragraph(f"{table.code} {table.title}", heading_style))
        cells = [[_("指标"), _("合计")]] + [
            [column.header, _fmt(total.values.get(column.code), column.decimals)] for column in table.columns
        ]
        pdf_table = PdfTable(cells, colWidths=[110 * mm, 40 * mm])
        pdf_table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                    ("ALIGN", (1, 1), (1, -1), "RIGHT"),
                ]
            )
        )
        story.append(pdf_table)

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"{data.node_name} {data.period_name}",
        author="UnionHub 工会云",
        invariant=1,  # fixed creation date and document id: same data, same bytes
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    document.build(story)
    return out.getvalue()
