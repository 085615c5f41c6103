"""Formula-safe XLSX writing, the branches export round trip, and the members importer."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.support.imports import BRANCH_HEADER, branches, error_file, read_xlsx, run_import, xlsx_bytes

MEMBER_HEADER = ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"]


def test_export_xlsx_never_writes_a_formula_and_keeps_numbers():
    from imports.tabular import is_formula
    from unionhub.spreadsheets import export_xlsx, formula_safe

    dangerous = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]
    content = export_xlsx(["名称", "人数"], [[text, 3] for text in dangerous] + [["普通分会", 12]])
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [c.value for c in sheet[1]] == ["名称", "人数"] and sheet["A1"].font.b
    for row, text in enumerate(dangerous, start=2):
        assert sheet.cell(row, 1).value == "'" + text and sheet.cell(row, 1).data_type == "s"
        assert sheet.cell(row, 2).value == 3
    assert sheet.cell(len(dangerous) + 2, 1).value == "普通分会"
    assert (
        formula_safe("\r=1") == "'\r=1"
        and formula_safe("=A1") == "'=A1"
        and formula_safe(5) == 5
        and formula_safe("a\x07b") == "ab"
    )

    # On import, numbers and phone numbers with a sign are data, anything else with a formula start is refused.
    assert not any(is_formula(t) for t in ["-", "-5", "+86 139 1234 5678", "普通", ""])
    assert all(is_formula(t) for t in ["=1", "+A1", "-A1", "@x", "-1+cmd|x"])


def test_branch_export_writes_parents_first_and_imports_back(union):
    from django_tenants.utils import tenant_context

    from imports.services import export_job_create, export_job_run
    from organisation.models import Branch

    with tenant_context(union):
        # Created child-first by id order after a move: the export still lists the parent first.
        child = Branch.objects.create(name="后建分会的小组", kind="group")
        parent = Branch.objects.create(name="=后建分会", kind="branch", is_small_home=True)
        child.parent = parent
        child.save()
    job = export_job_run(job_id=export_job_create(kind="branches", union=union).pk)
    assert job.status == "done" and job.row_count == 2
    # The job id is followed by an unguessable part (files.keys), the same on every rerun (checked below).
    prefix, secret_part, name = job.file_key.rsplit("/", 2)
    assert prefix == f"tenants/{union.schema_name}/exports/{job.pk}" and name == "分会小组.xlsx"
    assert len(secret_part) == 20 and int(secret_part, 16) >= 0

    from files.selectors import file_read

    rows = read_xlsx(file_read(key=job.file_key))
    assert rows == [
        BRANCH_HEADER,
        ["'=后建分会", "分会", None, "是"],
        ["后建分会的小组", "工会小组", "'=后建分会", "否"],
    ]
    # Exported again (a rerun of a finished job) changes nothing.
    assert export_job_run(job_id=job.pk).file_key == job.file_key


def test_members_import_with_branch_lookup_and_row_errors(union):
    from tests.support.members import make_id

    assert (
        run_import(
            union, "分会.xlsx", xlsx_bytes([BRANCH_HEADER, ["机修分会", "分会", "", "否"]])
        ).accepted_rows
        == 1
    )
    good_id, dup_id = make_id(), make_id()
    rows = [
        MEMBER_HEADER,
        ["张三", good_id, "13912345678", "正式职工", "机修分会", "2024-05-01", "汉族", "HY0001"],
        ["李四", dup_id, "", "劳务派遣", "", "2023-01-15", "", ""],
        ["王五", "110105198001017770", "", "正式职工", "", "2024-05-01", "", ""],  # wrong check character
        ["赵六", dup_id.lower(), "", "正式职工", "", "2024-05-01", "", ""],  # same person as row 3
        ["孙七", make_id(), "12345", "正式职工", "不存在分会", "2024-05-01", "", ""],
    ]
    job = run_import(union, "会员.xlsx", xlsx_bytes(rows), kind="members")
    assert job.status == "done", job.error_message
    assert (job.accepted_rows, job.rejected_rows) == (2, 3)

    errors = {row[-1]: row[-2] for row in read_xlsx(error_file(job))[1:]}
    assert set(errors) == {4, 5, 6}
    assert errors[4].startswith("身份证号码：")
    assert "与第3行重复（身份证号码相同）" in errors[5]
    assert "手机号：" in errors[6] and "所在分会：" in errors[6]

    from django_tenants.utils import tenant_context

    from membership.models import Member

    with tenant_context(union):
        members = {m.name: m for m in Member.objects.select_related("branch")}
    assert set(members) == {"张三", "李四"}
    assert members["张三"].branch.name == "机修分会" and members["张三"].card_number == "HY0001"
    assert good_id not in members["张三"].id_number_masked  # stored masked and encrypted, never in clear
    assert branches(union) == {("机修分会", "branch", None, False)}
