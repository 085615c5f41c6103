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
    from rollup.services import facts_apply

    facts_apply(union=world.u4, deltas={(0, "members", ""): 1})
    third = {
        row.kind: (row.key, row.sha256, row.data_sha256)
        for row in report_files_generate(node=world.county, period=world.period)
    }
    assert third["xlsx"][0] == first["xlsx"][0] and third["xlsx"][2] != first["xlsx"][2]


def test_a_snapshot_gets_its_own_key_and_frozen_figures(world, local_storage):
    from rollup.services import facts_apply, snapshot_freeze

    snapshot = snapshot_freeze(period=world.period, version=1, reason="")
    files = {row.kind: row for row in report_files_generate(node=world.county, period=world.period)}
    assert "/v1/" in files["xlsx"].key and files["xlsx"].snapshot == snapshot
    frozen = file_read(key=files["xlsx"].key)
    facts_apply(union=world.u1, deltas={(0, "members", ""): 5})  # live figures move on; the snapshot does not
    again = {row.kind: row for row in report_files_generate(node=world.county, period=world.period)}
    assert file_read(key=again["xlsx"].key) == frozen
    assert again["xlsx"].data_sha256 == files["xlsx"].data_sha256
