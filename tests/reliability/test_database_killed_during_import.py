"""The database connection of a worker killed mid-import (pg_terminate_backend from another connection): the task
fails with a database error, Celery retries it, the job resumes after its last committed batch and ends with every
good row written exactly once and every bad row rejected exactly once."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from imports.models import ImportRejection, ImportStatus
from jobs.celery_app import enqueue_on_commit
from jobs.imports import import_job_run_task
from tests.support.imports import csv_bytes
from tests.support.members import make_id

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"]
ROWS = 6_000
BAD_EVERY = 97


@pytest.fixture
def union(county, settings, broker):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    # The worker process stores and reads files under the same directory (see the broker fixture).
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": broker.media, "allow_overwrite": True},
        },
    }
    union = union_provision(parent_node=county, **union_kwargs(name="断线测试厂工会"))
    yield union
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


def member_rows() -> tuple[list[list[str]], int]:
    rows, bad = [HEADER], 0
    for i in range(ROWS):
        number = make_id(n=10_000 + i)
        if i % BAD_EVERY == 0:
            number = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check character
            bad += 1
        rows.append([f"职工{i}", number, "", "正式职工", "", "2024-05-01", "", ""])
    return rows, bad


def worker_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return [row[0] for row in cursor.fetchall()]


def test_killed_connection_mid_import_resumes_without_loss_or_duplicates(union, broker, workers):
    from imports.services import import_job_create
    from membership.models import Member
    from people.models import PersonMembership

    rows, bad = member_rows()
    job = import_job_create(
        kind="members", filename="会员.csv", content=csv_bytes(rows, "utf-8"), union=union
    )
    worker = workers("importer", concurrency=1)
    enqueue_on_commit(import_job_run_task, job.pk)

    # Wait until some batches are committed and the job is still writing, then cut the worker off.
    deadline = time.monotonic() + 60
    while True:
        job.refresh_from_db()
        if job.committed_batches >= 1 and job.status == ImportStatus.WRITING:
            break
        assert job.status != ImportStatus.DONE, "the import finished before the connection could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    killed_at_batch = job.committed_batches
    with connection.cursor() as cursor:
        for pid in worker_backends():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    deadline = time.monotonic() + 90
    while job.status != ImportStatus.DONE:
        assert time.monotonic() < deadline, f"job stuck in {job.status}: {job.error_message}"
        time.sleep(0.2)
        job.refresh_from_db()

    assert killed_at_batch < job.committed_batches == (ROWS + 999) // 1000
    assert (job.processed_rows, job.accepted_rows, job.rejected_rows) == (ROWS, ROWS - bad, bad)
    assert ImportRejection.objects.filter(job_id=job.pk).count() == bad
    with schema_context(union.schema_name):
        assert Member.objects.count() == ROWS - bad
        assert Member.objects.values("id_hash").distinct().count() == ROWS - bad
    assert PersonMembership.objects.filter(union=union).count() == ROWS - bad
    # It was the kill that interrupted the task, and Celery's retry that finished it.
    log = worker.log_path.read_text()
    assert "retry: Retry in" in log and ("OperationalError" in log or "InterfaceError" in log), log[-3000:]
