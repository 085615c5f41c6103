"""The S3 endpoint down while a file is stored: a clear, retryable error, no half-written rows; the same request
succeeds once the store is back. A worker that cannot read its file retries instead of failing the job."""

from __future__ import annotations

import base64
import time

import pytest
from graphql_relay import to_global_id

from accounts.models import Role
from audit.models import AuditEntry
from files.models import StoredFile
from files.selectors import file_exists, file_read
from files.services import file_store
from imports.models import ImportJob
from tests.support.files import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, s3_storage
from tests.support.graphql import grant, make_user, union_client
from tests.support.imports import BRANCH_HEADER, xlsx_bytes
from unionhub.errors import ServiceUnavailable

START = """mutation($union: ID!, $name: String!, $file: String!) {
  importJobStart(union: $union, kind: BRANCHES, fileName: $name, fileBase64: $file) {
    errors { field code message } importJob { id status } } }"""


@pytest.fixture
def bucket(s3_server, settings):
    import boto3

    endpoint = f"http://127.0.0.1:{s3_server.port}"

    def create():
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
            region_name=S3_REGION,
        ).create_bucket(Bucket="uh-reliability")

    create()
    settings.STORAGES = {**settings.STORAGES, "unionhub": s3_storage("uh-reliability", endpoint)}
    return create


@pytest.fixture
def union(county):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    return union_provision(parent_node=county, **union_kwargs(name="存储测试厂工会"))


def test_file_store_with_the_store_down_raises_a_retryable_error_and_records_nothing(db, bucket, s3_server):
    s3_server.stop()
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as caught:
        file_store(key="tenants/u_x/imports/1/source/a.csv", content=b"a,b\n", content_type="text/csv")
    seconds = time.monotonic() - started
    assert caught.value.message == "文件存储暂时不可用，请稍后重试。"
    assert not StoredFile.objects.exists()
    assert seconds < 30, f"gave up after {seconds:.1f}s"
    with pytest.raises(ServiceUnavailable):
        file_read(key="tenants/u_x/imports/1/source/a.csv")
    with pytest.raises(ServiceUnavailable):  # was botocore's EndpointConnectionError: not retried
        file_exists(key="tenants/u_x/imports/1/source/a.csv")


def test_import_start_with_the_store_down_answers_service_unavailable_and_writes_nothing(
    union, bucket, s3_server
):
    admin = make_user(full_name="工会主席")
    grant(admin, Role.UNION_ADMIN, union=union)
    api = union_client(admin, union)
    variables = {
        "union": to_global_id("Union", union.pk),
        "name": "分会.xlsx",
        "file": base64.b64encode(xlsx_bytes([BRANCH_HEADER, ["一分会", "分会", "", "是"]])).decode(),
    }
    s3_server.stop()
    data = api.run(START, variables)["importJobStart"]
    assert data["importJob"] is None
    assert data["errors"] == [
        {"field": None, "code": "service_unavailable", "message": "文件存储暂时不可用，请稍后重试。"}
    ]
    assert not ImportJob.objects.exists() and not StoredFile.objects.exists()
    assert not AuditEntry.objects.filter(operation="importJobStart").exists()

    # The store is back (moto keeps nothing across a restart: the bucket is created again): the same request works.
    s3_server.start()
    bucket()
    data = api.run(START, variables)["importJobStart"]
    assert data["errors"] == [] and data["importJob"]["status"] == "QUEUED"
    assert ImportJob.objects.count() == 1 and StoredFile.objects.count() == 1


def test_an_import_whose_file_cannot_be_read_is_retried_not_failed(union, bucket, s3_server):
    from imports.services import import_job_create, import_job_run
    from jobs.celery_app import TRANSIENT_ERRORS

    job = import_job_create(
        kind="branches",
        filename="分会.xlsx",
        content=xlsx_bytes([BRANCH_HEADER, ["一分会", "分会", "", "是"]]),
        union=union,
    )
    s3_server.stop()
    with pytest.raises(ServiceUnavailable) as caught:
        import_job_run(job_id=job.pk)
    assert isinstance(caught.value, TRANSIENT_ERRORS)  # Celery retries it with backoff
    job.refresh_from_db()
    assert job.status != "failed" and job.accepted_rows == 0
