"""Import error files (issue 14, item 5): rejected rows used to keep identity numbers in clear in the database and in
a stored file that any viewer of the job could download. Now the numbers are encrypted at rest, in full only for the
uploader and the union's admins, every download is audited, and the rows are purged after the retention period."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from graphql_relay import to_global_id

from federations.middleware import forget_host
from tests.support.graphql import grant, make_user, union_client
from tests.support.imports import read_xlsx, xlsx_bytes
from tests.support.members import make_id

MEMBER_HEADER = ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"]
JOB = "query($id: ID!) { importJob(id: $id) { rejectedRows errorFileUrl } }"


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    forget_host()
    yield
    forget_host()


@pytest.fixture
def people(union):
    uploader, admin, officer = (make_user(full_name=name) for name in ("上传人", "工会主席", "另一干事"))
    grant(uploader, "union_officer", union=union)
    grant(admin, "union_admin", union=union)
    grant(officer, "union_officer", union=union)
    return uploader, admin, officer


@pytest.fixture
def rejected_job(union, people):
    """A members import by the uploader with one row refused (a bad employment type) and a valid number in it."""
    from imports.services import import_job_create
    from jobs.imports import import_job_run_task

    number = make_id()
    rows = [MEMBER_HEADER, ["张三", number, "", "外星人", "", "2024-05-01", "", ""]]
    job = import_job_create(
        kind="members", filename="会员.xlsx", content=xlsx_bytes(rows), union=union, user=people[0]
    )
    import_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.rejected_rows == 1
    return job, number


def _error_file_as(user, union, job):
    url = union_client(user, union).run(JOB, {"id": to_global_id("ImportJob", job.pk)})["importJob"][
        "errorFileUrl"
    ]
    # Bound to the signed-in user it was issued to: nobody signed in gets nothing.
    assert Client().get(url).status_code == 403
    browser = Client()
    browser.force_login(user)
    response = browser.get(url)
    assert response.status_code == 200, response.content
    return url, read_xlsx(response.content)


def test_identity_numbers_of_rejected_rows_are_not_stored_in_clear(rejected_job):
    from imports.models import ImportRejection

    job, number = rejected_job
    rejection = ImportRejection.objects.get(job=job)
    assert number not in str(rejection.values) and number[:6] + "********" + number[-4:] in rejection.values
    assert rejection.id_number_encrypted and number not in rejection.id_number_encrypted
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {ImportRejection._meta.db_table} WHERE values::text LIKE %s",
            [f"%{number}%"],
        )
        assert cursor.fetchone()[0] == 0
    # And no error file sits in the file store with the number in it.
    assert not hasattr(job, "error_file_key")


def test_full_numbers_only_for_the_uploader_and_union_admins_and_every_download_is_audited(
    union, people, rejected_job
):
    from audit.models import AuditEntry

    job, number = rejected_job
    uploader, admin, officer = people
    masked = number[:6] + "********" + number[-4:]
    seen = {}
    for who in (uploader, admin, officer):
        _url, rows = _error_file_as(who, union, job)
        seen[who.pk] = rows[1][1]
    assert seen == {uploader.pk: number, admin.pk: number, officer.pk: masked}

    entries = AuditEntry.objects.filter(operation="importJob.download_error_file").order_by("id")
    assert [(e.actor_id, e.changes["id_numbers"]["after"], e.union_id) for e in entries] == [
        (uploader.pk, "full", union.pk),
        (admin.pk, "full", union.pk),
        (officer.pk, "masked", union.pk),
    ]
    assert all(number not in str(e.changes) for e in entries)


def test_a_link_is_bound_to_its_user_and_expires(union, people, rejected_job, monkeypatch):
    from imports import rejections

    job, number = rejected_job
    uploader, _admin, officer = people
    url, _rows = _error_file_as(uploader, union, job)
    someone_else = Client()
    someone_else.force_login(officer)
    response = someone_else.get(url)
    assert response.status_code == 403 and number.encode() not in response.content
    # A role withdrawn after the link was issued counts at download time.
    from accounts.models import RoleGrant

    RoleGrant.objects.filter(user=uploader).delete()
    own = Client()
    own.force_login(uploader)
    assert own.get(url).status_code == 404
    monkeypatch.setattr(rejections, "LINK_SECONDS", -1)
    assert own.get(url).status_code == 410


def test_rejections_are_purged_after_the_retention_period(union, people, rejected_job, settings):
    from django.conf import settings as django_settings

    from imports.models import ImportJob, ImportRejection
    from jobs.imports import rejections_purge_task

    job, _number = rejected_job
    uploader = people[0]
    assert (
        django_settings.CELERY_BEAT_SCHEDULE["import-rejections-purge"]["task"] == rejections_purge_task.name
    )
    assert rejections_purge_task() == 0  # within the retention period: kept
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=31))
    settings.UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS = 40
    assert rejections_purge_task() == 0  # the setting decides
    settings.UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS = 30
    assert rejections_purge_task() == 1
    assert rejections_purge_task() == 0  # idempotent
    assert not ImportRejection.objects.filter(job_id=job.pk).exists()
    job.refresh_from_db()
    assert job.rejections_purged_at is not None and job.rejected_rows == 1  # the counts stay
    data = union_client(uploader, union).run(JOB, {"id": to_global_id("ImportJob", job.pk)})["importJob"]
    assert data["errorFileUrl"] is None
