"""Test-only tasks and fan-out jobs. Imported by the tests, and by the worker subprocess via `--include`."""

import time
import uuid

from django.db import connection

from jobs.celery_app import TransientJobError, app
from operations.registry import fanout_job

MARK_PREFIX = "fanout-mark-"
ALLOW_BRANCH = "允许执行"

# In-process only (eager tests): how many times each union was attempted by `test_transient_once`.
attempts_seen: dict[int, int] = {}


@app.task(name="tests.workers.record_schema")
def record_schema():
    """What the worker sees: the schema it runs in and the branch names visible there."""
    from organisation.models import Branch

    return {
        "schema": connection.schema_name,
        "branches": sorted(Branch.objects.values_list("name", flat=True)),
    }


@fanout_job("test_mark_once")
def mark_once(*, union, params, run_id):
    """Leaves one new branch per execution, so a union processed twice shows two."""
    from organisation.models import Branch

    Branch.objects.create(name=f"{MARK_PREFIX}{run_id}-{uuid.uuid4().hex[:12]}")
    time.sleep(params.get("sleep", 0))
    return {"schema": connection.schema_name}


@fanout_job("test_needs_permission")
def needs_permission(*, union, params, run_id):
    """Fails (permanently, not retried) until the union has a branch called ALLOW_BRANCH."""
    from organisation.models import Branch

    Branch.objects.create(name=f"{MARK_PREFIX}{run_id}-{uuid.uuid4().hex[:12]}")
    if not Branch.objects.filter(name=ALLOW_BRANCH).exists():
        raise ValueError("not allowed yet")
    return {"ok": True}


@fanout_job("test_transient_once")
def transient_once(*, union, params, run_id):
    """Fails with a transient error on the first attempt for each union, then succeeds."""
    attempts_seen[union.pk] = attempts_seen.get(union.pk, 0) + 1
    if attempts_seen[union.pk] == 1:
        raise TransientJobError("briefly unavailable")
    return {"attempt": attempts_seen[union.pk]}
