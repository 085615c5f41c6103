"""Report files: the statistical tables as XLSX (one sheet per table, a row per sub-unit plus totals) and a PDF
summary, stored under deterministic keys; regenerating gives the same content."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from files.models import StoredFile
from files.selectors import file_read
from reporting.files import report_data_build, report_files_generate
from reporting.models import ReportFile
from reporting.render import render_pdf, render_xlsx, xlsx_data_hash

pytestmark = pytest.mark.django_db


def sheet_rows(content: bytes, title: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    rows = [tuple(row) for row in workbook[title].iter_rows(values_only=True)]
    workbook.close()
    return rows


def test_the_tables_layout(world):
    data = report_data_build(node=world.county, period=world.period)
    content = render_xlsx(data)
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    assert workbook.sheetnames == ["封面", "表1", "表2", "表3", "表4", "表5", "表6"]
    workbook.close()

    rows = sheet_rows(content, "表2")
    assert rows[0][0] == "表2 职工和会员情况"
    header = rows[2]
    assert header[:2] == ("单位名称", "代码") and "会员人数（人）" in header and "入会率（%）" in header
    members, rate = header.index("会员人数（人）"), header.index("入会率（%）")
    body = {row[0]: row for row in rows[3:]}
    # One row per direct sub-unit (townships first, then the union directly under the county), then the total.
    assert list(body) == ["城关镇工会", "东城街道工会", "县直机关工会", "合计（示范县总工会）"]
    assert body["城关镇工会"][members] == 250 and body["县直机关工会"][members] == 70
    assert body["合计（示范县总工会）"][members] == 600
    # 入会率 of the total is all members over all staff (600 / 700), never an average of the rows' rates.
    assert body["合计（示范县总工会）"][rate] == pytest.approx(85.71)
    assert body["城关镇工会"][rate] == pytest.approx(float(Decimal(250 * 100) / 320), abs=0.01)
    cover = dict(row[:2] for row in sheet_rows(content, "封面")[1:])
    assert cover["接收单位"] == "示范市总工会" and cover["行政区划代码（903）"] == "330122"

    pdf = render_pdf(data)
    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf


def test_regenerating_twice_gives_the_same_content(world, local_storage, monkeypatch):
    import time

    first = {
        row.kind: (row.key, row.sha256, row.data_sha256)
        for row in report_files_generate(node=world.county, period=world.period)
    }
    stored = {row.key: row.updated_at for row in StoredFile.objects.all()}
    before = {kind: file_read(key=key) for kind, (key, _sha, _data) in first.items()}
    time.sleep(1.1)  # the zip and PDF timestamps would differ by now if they were taken from the clock

    second = {
        row.kind: (row.key, row.sha256, row.data_sha256)
        for row in report_files_generate(node=world.county, period=world.period)
    }
    assert second == first
    assert {kind: file_read(key=key) for kind, (key, _s, _d) in second.items()} == before
    assert xlsx_data_hash(before["xlsx"]) == first["xlsx"][2]
    # Unchanged content is not uploaded again.
    assert {row.key: row.updated_at for row in StoredFile.objects.all()} == stored
    assert ReportFile.objects.count() == 2
    assert (
        first["xlsx"][0]
        == f"federations/{world.county.pk}/reports/year-2026/live/xlsx/示范县总工会2026工会统计报表.xlsx"
    )

    # Different figures: a different data hash, stored under the same key (live figures).
    from rollup.facts import facts_apply

    facts_apply(union=world.u4, deltas={(0, "members", ""): 1})
    third = {
        row.kind: (row.key, row.sha256, row.data_sha256)
        for row in report_files_generate(node=world.county, period=world.period)
    }
    assert third["xlsx"][0] == first["xlsx"][0] and third["xlsx"][2] != first["xlsx"][2]


def test_a_snapshot_gets_its_own_key_and_frozen_figures(world, local_storage):
    from rollup.facts import facts_apply
    from rollup.periods import snapshot_freeze

    snapshot = snapshot_freeze(period=world.period, version=1, reason="")
    files = {row.kind: row for row in report_files_generate(node=world.county, period=world.period)}
    assert "/v1/" in files["xlsx"].key and files["xlsx"].snapshot == snapshot
    frozen = file_read(key=files["xlsx"].key)
    facts_apply(union=world.u1, deltas={(0, "members", ""): 5})  # live figures move on; the snapshot does not
    again = {row.kind: row for row in report_files_generate(node=world.county, period=world.period)}
    assert file_read(key=again["xlsx"].key) == frozen
    assert again["xlsx"].data_sha256 == files["xlsx"].data_sha256


def test_the_data_hash_from_the_written_rows_is_the_hash_read_back_from_the_file():
    """The recorded hash is computed without re-reading the workbook; it must still be what a stored file says."""
    from reporting.layout import Column, ReportData, Row, Table
    from reporting.render import report_data_hash

    columns = [
        Column("members", "会员人数（人）"),
        Column("join_rate", "入会率（%）", 2),
        Column("x", "其他（人）"),
    ]
    rows = [
        # No credit code (an empty cell), an integral ratio (stored as 100, read back as an int), a missing value.
        Row("无代码工会", "", "union", {"members": 12, "join_rate": Decimal("100.00"), "x": None}),
        Row(
            " 前后空格 ",
            "91330122MA0000000X",
            "union",
            {"members": 0, "join_rate": Decimal("33.333"), "x": 7},
        ),
        Row("大数", "1", "union", {"members": 12345678901234567, "join_rate": None, "x": -3}),
        Row("示范县总工会", "330122", "total", {"members": 12345678901234579, "join_rate": Decimal("0.1")}),
    ]
    data = ReportData(
        node_id=1,
        node_name="示范县总工会",
        division_code="330122",
        period_label="2026",
        period_name="2026年度",
        report_date="2026-09-30",
        recipient_name="示范市总工会",
        snapshot_version=None,
        tables=[Table("表1", "测试", columns, rows), Table("表2", "空表", columns[:1], [])],
    )
    assert report_data_hash(data) == xlsx_data_hash(render_xlsx(data))

    changed = Row("无代码工会", "", "union", {"members": 13, "join_rate": Decimal("100.00"), "x": None})
    other = ReportData(**{**data.__dict__, "tables": [Table("表1", "测试", columns, [changed, *rows[1:]])]})
    assert report_data_hash(other) != report_data_hash(data)


def test_cells_carry_the_table_styles(world):
    data = report_data_build(node=world.county, period=world.period)
    workbook = load_workbook(io.BytesIO(render_xlsx(data)))
    sheet = workbook["表2"]
    header = [cell.value for cell in sheet[3]]
    rate = header.index("入会率（%）") + 1
    last = sheet.max_row
    assert sheet.cell(1, 1).style == "uh_title" and sheet.cell(3, 1).style == "uh_header"
    assert [sheet.cell(4, 1).style, sheet.cell(4, 3).style, sheet.cell(4, rate).style] == [
        "uh_text",
        "uh_int",
        "uh_dec",
    ]
    assert [sheet.cell(last, 1).style, sheet.cell(last, rate).style] == ["uh_text_total", "uh_dec_total"]
    assert sheet.cell(last, rate).font.bold and sheet.cell(last, rate).number_format == "0.00"
    assert not sheet.cell(4, 3).font.bold and sheet.cell(4, 3).number_format == "0"
    assert sheet.freeze_panes == "C4"
