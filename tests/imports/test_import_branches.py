"""Importing branches end to end: upload checks, row validation, the error file, batches and resumable retries."""

from __future__ import annotations

import pytest

from tests.support.imports import (
    BRANCH_HEADER,
    branches,
    csv_bytes,
    error_file,
    read_xlsx,
    run_import,
    xlsx_bytes,
)

MB = 1024 * 1024


def _branch_count(union) -> int:
    from django_tenants.utils import tenant_context

    from organisation.models import Branch

    with tenant_context(union):
        return Branch.objects.count()


def _error_rows(job) -> dict[int, str]:
    """{original row number: reason} read back from the stored error file with openpyxl."""

    rows = read_xlsx(error_file(job))
    assert rows[0] == [*BRANCH_HEADER, "错误原因", "原行号"]
    return {row[-1]: row[-2] for row in rows[1:]}


def test_ten_thousand_rows_with_300_bad_ones_import_exactly_the_good_ones(union):
    rows = [BRANCH_HEADER]
    expected: dict[int, str] = {}  # row number -> a fragment the reason must contain
    tops = [f"第{i}分会" for i in range(40)]
    for name in tops:
        rows.append([name, "分会", None, "是"])
    n = 0
    while len(rows) - 1 < 10_000:
        n += 1
        number = len(rows) + 1  # the row number Excel shows for the row appended next
        bad = n % 32 == 0 and len(expected) < 300
        parent = tops[n % len(tops)]
        if not bad:
            rows.append([f"小组{n}", "工会小组" if n % 2 else "车间工会", parent, "否"])
            continue
        flavour = len(expected) % 5
        if flavour == 0:
            rows.append([None, "分会", parent, "否"])
            expected[number] = "名称：不能为空"
        elif flavour == 1:
            rows.append([f"坏类型{n}", "委员会", parent, "否"])
            expected[number] = "类型：“委员会”不是有效的类型"
        elif flavour == 2:
            rows.append([f'=HYPERLINK("http://evil.example/?{n}","点我")', "分会", parent, "否"])
            expected[number] = "名称：内容以“=”开头，可能是公式"
        elif flavour == 3:
            # A repeat of the good row just above it (same name, same parent).
            rows.append(list(rows[-1]))
            expected[number] = f"与第{number - 1}行重复"
        else:
            rows.append([f"孤儿{n}", "工会小组", f"不存在的分会{n}", "否"])
            expected[number] = f"上级名称：未找到名为“不存在的分会{n}”的分会"
    assert len(rows) - 1 == 10_000 and len(expected) == 300

    # Speed is measured by bench/imports.py, not asserted here.
    job = run_import(union, "分会名单.xlsx", xlsx_bytes(rows))

    assert job.status == "done", job.error_message
    assert (job.total_rows, job.accepted_rows, job.rejected_rows) == (10_000, 9_700, 300)
    assert job.progress == 1.0
    assert _branch_count(union) == 9_700
    errors = _error_rows(job)
    assert set(errors) == set(expected)
    for number, fragment in expected.items():
        assert fragment in errors[number], (number, errors[number])


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_and_utf8_with_or_without_bom(union, encoding):
    rows = [
        BRANCH_HEADER,
        ["机修车间分会", "分会", "", "是"],
        ["钳工班工会小组", "工会小组", "机修车间分会", "否"],
        ["装配车间工会", "车间工会", "", ""],
    ]
    content = csv_bytes(rows, encoding)
    if encoding == "utf-8-sig":
        assert content.startswith(b"\xef\xbb\xbf")
    job = run_import(union, "分会.csv", content)
    assert job.status == "done", job.error_message
    assert job.encoding == ("gbk" if encoding == "gbk" else "utf-8")
    assert branches(union) == {
        ("机修车间分会", "branch", None, True),
        ("钳工班工会小组", "group", "机修车间分会", False),
        ("装配车间工会", "workshop", None, False),
    }


def test_missing_required_columns_fail_the_job_naming_them(union):
    job = run_import(union, "分会.xlsx", xlsx_bytes([["上级名称", "备注"], ["", "x"]]))
    assert job.status == "failed"
    assert job.error_code == "missing_columns"
    assert "缺少必填列：名称、类型" in job.error_message
    assert _branch_count(union) == 0


def test_header_variants_from_templates_are_recognised(union):
    job = run_import(
        union,
        "分会.csv",
        csv_bytes([["名称 *", "类型（必填）", "备注"], ["团委分会", "分会", "多余列"]], "utf-8"),
    )
    assert job.status == "done" and job.accepted_rows == 1


@pytest.mark.parametrize(
    "filename, content, code",
    [
        ("分会.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "file_type_mismatch"),
        ("分会.csv", "名称,类型\n一分会,分会\n".encode("utf-16"), "file_encoding_unknown"),
        ("分会.csv", b"", "file_empty"),
        ("分会.pdf", b"%PDF-1.4 fake", "file_type_not_allowed"),
        ("分会.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "file_legacy_office"),
    ],
)
def test_bad_uploads_are_refused_before_any_job_exists(union, filename, content, code):
    from imports.models import ImportJob
    from imports.services import import_job_create
    from unionhub.errors import DomainValidationError

    with pytest.raises(DomainValidationError) as caught:
        import_job_create(kind="branches", filename=filename, content=content, union=union)
    assert caught.value.errors[0].code == code
    assert caught.value.errors[0].message  # a Chinese sentence for the user
    assert not ImportJob.objects.exists()


def test_a_50_mb_file_is_refused_with_the_limit_named(union):
    from imports.models import ImportJob
    from imports.services import import_job_create
    from unionhub.errors import DomainValidationError

    content = b"\xe5\x90\x8d\xe7\xa7\xb0,\xe7\xb1\xbb\xe5\x9e\x8b\n" + b"a,b\n" * (50 * MB // 4)
    with pytest.raises(DomainValidationError) as caught:
        import_job_create(kind="branches", filename="大文件.csv", content=content, union=union)
    assert caught.value.errors[0].code == "file_too_large"
    assert "MB" in caught.value.errors[0].message
    assert not ImportJob.objects.exists()


def test_header_only_and_blank_files_fail_clearly(union):
    job = run_import(union, "分会.csv", csv_bytes([BRANCH_HEADER, ["", "", "", ""]], "utf-8"))
    assert (job.status, job.error_code) == ("failed", "no_data")
    assert "没有数据行" in job.error_message

    job = run_import(union, "空表.xlsx", xlsx_bytes([[None], [None]]))
    assert (job.status, job.error_code) == ("failed", "file_empty")


def test_formula_cells_reject_their_row_and_are_never_evaluated(union):
    rows = [
        BRANCH_HEADER,
        ["=1+1", "分会", "", "否"],
        ["+cmd|' /C calc'!A0", "分会", "", "否"],
        ["-2+3+cmd|' /C calc'!A0", "分会", "", "否"],
        ["@SUM(A1)", "分会", "", "否"],
        ["安全分会", "分会", "", "否"],
        ["安全小组", "工会小组", "安全分会", '=IF(1,"是","否")'],
    ]
    job = run_import(union, "公式.xlsx", xlsx_bytes(rows))
    assert (job.accepted_rows, job.rejected_rows) == (1, 5)
    assert branches(union) == {("安全分会", "branch", None, False)}
    errors = _error_rows(job)
    assert set(errors) == {2, 3, 4, 5, 7}
    assert "职工小家：内容以“=”开头" in errors[7]

    # The error file carries the formulas as text, prefixed so Excel shows them instead of running them.
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(error_file(job))).worksheets[0]
    assert sheet["A2"].value == "'=1+1" and sheet["A2"].data_type == "s"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_duplicate_rows_name_the_first_occurrence(union):
    rows = [
        BRANCH_HEADER,
        ["一分会", "分会", "", "否"],
        ["二分会", "分会", "", "否"],
        ["一分会", "分会", "", "是"],  # same name and parent as row 2
        ["一分会", "工会小组", "二分会", "否"],  # same name, other parent: allowed
    ]
    job = run_import(union, "重复.csv", csv_bytes(rows, "gbk"))
    assert (job.accepted_rows, job.rejected_rows) == (3, 1)
    assert "与第2行重复（名称、上级名称相同）" in _error_rows(job)[4]


def test_rows_already_in_the_union_are_rejected_not_duplicated(union):
    content = csv_bytes(
        [BRANCH_HEADER, ["一分会", "分会", "", "否"], ["一小组", "工会小组", "一分会", "否"]], "utf-8"
    )
    assert run_import(union, "a.csv", content).accepted_rows == 2
    again = run_import(union, "a.csv", content)
    assert (again.accepted_rows, again.rejected_rows) == (0, 2)
    assert "已存在于同一上级下" in _error_rows(again)[2]
    assert _branch_count(union) == 2


def test_parents_may_come_from_earlier_rows_in_the_same_or_earlier_batches(union, monkeypatch):
    from imports.registry import importer_get

    monkeypatch.setattr(importer_get("branches"), "batch_size", 3)
    rows = [
        BRANCH_HEADER,
        ["甲", "分会", "", ""],
        ["甲一", "车间工会", "甲", ""],
        ["甲一一", "工会小组", "甲一", ""],
    ]
    rows += [["甲一二", "工会小组", "甲一", ""], ["乙", "分会", "", ""], ["乙一", "工会小组", "乙", ""]]
    rows += [["丙一", "工会小组", "丙", ""], ["丙", "分会", "", ""]]  # a child before its parent: not found
    job = run_import(union, "树.xlsx", xlsx_bytes(rows))
    assert (job.accepted_rows, job.rejected_rows) == (7, 1)
    assert ("甲一一", "group", "甲一", False) in branches(union)
    assert ("乙一", "group", "乙", False) in branches(union)
    assert "未找到名为“丙”的分会" in _error_rows(job)[8]


def test_a_crash_mid_job_resumes_without_writing_any_row_twice(union, monkeypatch):
    """Batches commit with the job's counter: after a crash in batch 3, a rerun writes batches 3.. only."""
    from imports.models import ImportJob, ImportRejection
    from imports.registry import importer_get
    from imports.services import import_job_create
    from jobs.imports import import_job_run_task

    importer = importer_get("branches")
    monkeypatch.setattr(importer, "batch_size", 100)
    rows = [BRANCH_HEADER] + [[f"分会{i}", "分会", "", "否"] for i in range(500)]
    rows[50][1] = "坏类型"  # rejected rows in a committed batch and in a later one
    rows[450][1] = "坏类型"
    job = import_job_create(kind="branches", filename="大名单.xlsx", content=xlsx_bytes(rows), union=union)

    real_write = type(importer).write_batch
    calls = {"n": 0}

    def crashing_write(self, batch, ctx):
        calls["n"] += 1
        if calls["n"] == 3:
            real_write(self, batch, ctx)  # the rows are inserted, then the worker "dies" before the commit
            raise RuntimeError("simulated worker crash")
        real_write(self, batch, ctx)

    monkeypatch.setattr(type(importer), "write_batch", crashing_write)
    with pytest.raises(RuntimeError):
        import_job_run_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code, job.committed_batches) == ("failed", "interrupted", 2)
    assert (job.accepted_rows, job.rejected_rows) == (199, 1)
    assert _branch_count(union) == 199  # batch 3 rolled back whole

    monkeypatch.setattr(type(importer), "write_batch", real_write)
    import_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.accepted_rows, job.rejected_rows, job.total_rows) == (498, 2, 500)
    assert _branch_count(union) == 498
    assert ImportRejection.objects.filter(job=job).count() == 2
    assert set(_error_rows(job)) == {51, 451}

    # Running a finished job again (a redelivered message) changes nothing.
    import_job_run_task(job.pk)
    assert _branch_count(union) == 498
    assert ImportJob.objects.get(pk=job.pk).accepted_rows == 498


def test_a_second_runner_of_the_same_job_never_writes_a_committed_batch(union, monkeypatch):
    """Two deliveries of one job: the batch counter (row-locked) makes the late one stop instead of writing."""
    from imports.models import ImportJob
    from imports.registry import importer_get
    from imports.services import _Run, import_job_create

    monkeypatch.setattr(importer_get("branches"), "batch_size", 2)
    rows = [BRANCH_HEADER] + [[f"分会{i}", "分会", "", ""] for i in range(4)]
    job = import_job_create(kind="branches", filename="a.csv", content=csv_bytes(rows, "utf-8"), union=union)

    real_batch = _Run.batch

    def other_worker_got_there_first(self, batch):
        if self.index == 1:  # another run commits batch 1 while this one validates it
            ImportJob.objects.filter(pk=job.pk).update(committed_batches=2)
        return real_batch(self, batch)

    monkeypatch.setattr(_Run, "batch", other_worker_got_there_first)
    from imports.services import import_job_run

    import_job_run(job_id=job.pk)
    assert _branch_count(union) == 2  # batch 0 only; batch 1 was left to the other run


def test_the_task_runs_in_the_unions_schema_through_celery_eager(
    union, settings, django_capture_on_commit_callbacks
):
    from django.db import connection

    from imports.services import import_job_create
    from jobs.celery_app import app, enqueue_on_commit
    from jobs.imports import import_job_run_task

    content = csv_bytes([BRANCH_HEADER, ["工会一分会", "分会", "", "是"]], "utf-8")
    job = import_job_create(kind="branches", filename="a.csv", content=content, union=union)
    app.conf.task_always_eager = True
    try:
        assert connection.schema_name == "public"
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(import_job_run_task, job.pk)
    finally:
        app.conf.task_always_eager = False
    job.refresh_from_db()
    assert job.status == "done" and job.accepted_rows == 1
    assert branches(union) == {("工会一分会", "branch", None, True)}
    assert connection.schema_name == "public"
