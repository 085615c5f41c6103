"""The S3 endpoint down in the middle of a report: a real worker renders the county's report and stores the XLSX on
a real moto server; the test then kills the server before the PDF is stored. The task fails with
ServiceUnavailable and Celery retries it; once S3 is back (moto restarted empty) the retry stores the report, and
there is exactly one set of files under the deterministic keys, matching the report records. Delivering the report
afterwards uses those files as they are and logs one attempt."""

from __future__ import annotations

import hashlib

import pytest
from django.core import mail
from django.db import connection, transaction

from tests.reliability.report_pause import GO_ON, STORED_FIRST
from tests.support.files import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, s3_storage
from tests.support.workers import wait_for
from tests.support.worlds.reporting import (
    county_submitted,
    world,  # noqa: F401 (fixture)
)

pytestmark = pytest.mark.django_db(transaction=True)

BUCKET = "uh-reports"


@pytest.fixture
def union_schemas(world):  # noqa: F811
    yield world
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for union in (world.u1, world.u2, world.u3, world.u4):
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


@pytest.fixture
def report_store(s3_server, broker, tmp_path, monkeypatch, settings):
    """The moto server as the files store, for this process and (through the environment) for the workers it
    starts; request it before `workers`."""
    import boto3

    endpoint = f"http://127.0.0.1:{s3_server.port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )
    client.create_bucket(Bucket=BUCKET)
    pause = tmp_path / "pause"
    pause.mkdir()
    for name, value in {
        "UNIONHUB_S3_BUCKET": BUCKET,
        "UNIONHUB_S3_ENDPOINT_URL": endpoint,
        "UNIONHUB_S3_REGION": S3_REGION,
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "REPORT_PAUSE_DIR": str(pause),
    }.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = {**settings.STORAGES, "unionhub": s3_storage(BUCKET, endpoint)}

    class Store:
        def objects(self) -> dict[str, bytes]:
            listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
            return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}

        def create_bucket(self) -> None:
            client.create_bucket(Bucket=BUCKET)

    store = Store()
    store.pause = pause
    return store


def test_s3_down_mid_report_is_retried_into_one_set_of_files(union_schemas, report_store, s3_server, workers):
    from files.models import StoredFile
    from jobs.celery_app import enqueue_on_commit
    from jobs.reporting import report_files_generate_task
    from reporting.delivery import deliveries_due, deliveries_schedule, delivery_attempt
    from reporting.files import report_file_key
    from reporting.models import Delivery, DeliveryAttempt, ReportFile
    from reporting.services import recipient_update

    report = union_schemas
    with transaction.atomic():  # as the GraphQL mutations call these services
        county_submitted(report)
    worker = workers("reporter", concurrency=1, include="tests.reliability.report_pause")
    task_id = enqueue_on_commit(report_files_generate_task, report.county.pk, report.period.pk)

    stored_first = report_store.pause / STORED_FIRST
    wait_for(stored_first.exists, 60, "the first report file to be stored")
    first_key = stored_first.read_text()
    assert list(report_store.objects()) == [first_key]
    s3_server.stop()  # between the two uploads of one report
    (report_store.pause / GO_ON).touch()

    wait_for(lambda: "Retry in" in worker.log_path.read_text(), 60, "the task to fail and be retried")
    log = worker.log_path.read_text()
    assert "ServiceUnavailable" in log and f"[{task_id}] succeeded" not in log
    # Only the file that was stored has a record; nothing claims the file that could not be stored.
    assert list(ReportFile.objects.values_list("key", flat=True)) == [first_key]
    assert list(StoredFile.objects.values_list("key", flat=True)) == [first_key]

    s3_server.start()  # moto keeps nothing across a restart: an empty bucket, as after losing the objects
    report_store.create_bucket()
    wait_for(
        lambda: f"[{task_id}] succeeded" in worker.log_path.read_text(), 90, "the retried task to succeed"
    )

    rows = list(ReportFile.objects.order_by("kind"))
    assert [row.kind for row in rows] == ["pdf", "xlsx"]
    expected_keys = {
        report_file_key(
            node=report.county, period=report.period, snapshot=None, kind=row.kind, filename=row.filename
        )
        for row in rows
    }
    stored = report_store.objects()
    assert set(stored) == {row.key for row in rows} == expected_keys and first_key in expected_keys
    for row in rows:
        assert hashlib.sha256(stored[row.key]).hexdigest() == row.sha256 and len(stored[row.key]) == row.size
    assert sorted(StoredFile.objects.values_list("key", flat=True)) == sorted(expected_keys)
    generated = {row.kind: row.generated_at for row in rows}

    # Delivering the report uses these files (not rendered again) and logs exactly one attempt.
    recipient_update(node=report.county, emails=["tongji@city.example.cn"])
    for _ in range(2):  # beat running twice
        deliveries_schedule()
        for delivery_id in deliveries_due():
            delivery_attempt(delivery_id=delivery_id)
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert list(DeliveryAttempt.objects.values_list("number", "ok")) == [(1, True)]
    assert len(mail.outbox) == 1
    assert {row.kind: row.generated_at for row in ReportFile.objects.all()} == generated
    assert set(report_store.objects()) == expected_keys
