"""Spreadsheet builders and an import runner for the import tests and the tests that go through imports."""

import csv
import io

from openpyxl import Workbook

BRANCH_HEADER = ["名称", "类型", "上级名称", "职工小家"]


def xlsx_bytes(rows, *, shared_strings: bool = True) -> bytes:
    """An .xlsx as Excel writes it (shared strings) or as streaming writers do (write_only, inline strings)."""
    workbook = Workbook(write_only=not shared_strings)
    sheet = workbook.active if shared_strings else workbook.create_sheet("Sheet1")
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def run_import(union, filename: str, content: bytes, kind: str = "branches"):
    """Create the job as the API does and run the task function directly; returns the finished job."""
    from imports.services import import_job_create
    from jobs.imports import import_job_run_task

    job = import_job_create(kind=kind, filename=filename, content=content, union=union)
    import_job_run_task(job.pk)
    job.refresh_from_db()
    return job


def branches(union):
    from django_tenants.utils import tenant_context

    from organisation.models import Branch

    with tenant_context(union):
        return {
            (b.name, b.kind, b.parent.name if b.parent else None, b.is_small_home)
            for b in Branch.objects.select_related("parent")
        }


def error_file(job) -> bytes:
    """The job's error file as its uploader gets it (identity numbers in full)."""
    from imports.rejections import error_file_content

    return error_file_content(job, full=True)
