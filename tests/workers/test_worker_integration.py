"""Real worker processes on a real Redis: schema propagation, and exactly-once fan-out across a worker crash.

Each test run uses its own queue and key prefix on a Redis database reserved for these tests, and purges its
keys afterwards, so parallel runs and other helpers' workers never see its messages.
"""

import time

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context

from tests.support.workers import wait_for
from tests.workers import worker_tasks
from tests.workers.worker_tasks import MARK_PREFIX

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unions(county):
    """make(n) -> n provisioned unions; their schemas are dropped afterwards (flush only empties public)."""
    from federations.services import union_provision
    from tests.factories import union_kwargs

    made = []

    def make(n):
        batch = [union_provision(parent_node=county, **union_kwargs()) for _ in range(n)]
        made.extend(batch)
        return batch

    yield make
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for union in made:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


def test_task_sent_inside_a_union_runs_in_that_unions_schema(workers, unions):
    from celery.result import AsyncResult

    from jobs.celery_app import app, enqueue_on_commit
    from organisation.models import Branch

    worker = workers("w1", concurrency=2, wait=False)  # starts while the unions are created
    a, b = unions(2)
    with tenant_context(a):
        Branch.objects.create(name="只在甲工会")
    workers.wait_ready(worker)

    with transaction.atomic():
        with tenant_context(a):
            id_a = enqueue_on_commit(worker_tasks.record_schema)
        with tenant_context(b):
            id_b = enqueue_on_commit(worker_tasks.record_schema)
        # Committed after leaving both unions: each task still runs where it was enqueued.

    assert AsyncResult(id_a, app=app).get(timeout=20) == {"schema": a.schema_name, "branches": ["只在甲工会"]}
    assert AsyncResult(id_b, app=app).get(timeout=20) == {"schema": b.schema_name, "branches": []}


def test_fanout_over_50_unions_survives_a_killed_worker(workers, unions):
    from operations.models import FanoutRun
    from operations.selectors import fanout_progress_counts
    from operations.services import fanout_resume, fanout_start
    from organisation.models import Branch

    started = time.monotonic()
    first = workers("w1", wait=False)  # starts while the unions are created
    all_unions = unions(50)
    provisioned = time.monotonic()
    workers.wait_ready(first)
    w1_ready = time.monotonic()

    run = fanout_start(
        job_name="test_mark_once", params={"sleep": 0.15}, jitter_seconds=1.0, lease_seconds=300
    )
    wait_for(lambda: fanout_progress_counts(run_id=run.pk)["done"] >= 10, 30, "10 unions done")
    workers.kill(first)  # SIGKILL, mid-run: claimed rows stay "running", prefetched messages stay unacked
    time.sleep(0.3)  # let PostgreSQL notice the dead connections and roll their transactions back
    at_kill = fanout_progress_counts(run_id=run.pk)
    assert 10 <= at_kill["done"] < 50, at_kill

    killed = time.monotonic()
    workers("w2")
    w2_ready = time.monotonic()
    # The dead worker's claims are not stale yet (lease 300 s): the operator says they are.
    left = fanout_resume(run_id=run.pk, stale_after_seconds=0)
    assert 0 < left <= 50 - at_kill["done"]
    wait_for(lambda: fanout_progress_counts(run_id=run.pk)["done"] == 50, 40, "all 50 unions done")
    finished = time.monotonic()

    counts = fanout_progress_counts(run_id=run.pk)
    assert counts == {
        "total": 50,
        "pending": 0,
        "running": 0,
        "stale": 0,
        "done": 50,
        "failed": 0,
        "finished": True,
    }
    wait_for(lambda: FanoutRun.objects.get(pk=run.pk).finished_at, 5, "the run to be stamped finished")
    # Each union's effect was applied exactly once: one mark per union, even for the unions that were being
    # worked on when the worker died (their transaction rolled back with the connection).
    for union in all_unions:
        with tenant_context(union):
            assert Branch.objects.filter(name__startswith=f"{MARK_PREFIX}{run.pk}-").count() == 1, union.slug
    print(
        f"\nprovision 50 unions {provisioned - started:.2f}s (w1 starting meanwhile), w1 ready +"
        f"{w1_ready - provisioned:.2f}s, until kill {killed - w1_ready:.2f}s, w2 start {w2_ready - killed:.2f}s, "
        f"resume to all done {finished - w2_ready:.2f}s; at kill: {at_kill}"
    )
