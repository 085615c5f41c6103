"""Fan-out over unions, run in-process (eager): claims, exactly-once, failures, retries, resume."""

import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

from operations.models import FanoutProgress, FanoutRun, ProgressStatus
from operations.selectors import fanout_progress_counts
from operations.services import ClaimLost, fanout_claim, fanout_process_union, fanout_resume, fanout_start
from tests.workers import worker_tasks
from tests.workers.worker_tasks import ALLOW_BRANCH, MARK_PREFIX
from unionhub.errors import DomainValidationError


def marks(union, run_id):
    from organisation.models import Branch

    with tenant_context(union):
        return Branch.objects.filter(name__startswith=f"{MARK_PREFIX}{run_id}-").count()


def test_count_branches_runs_once_in_every_union(db, eager, make_unions, django_capture_on_commit_callbacks):
    from organisation.models import Branch

    unions = make_unions(3)
    for n, union in enumerate(unions):
        with tenant_context(union):
            Branch.objects.bulk_create([Branch(name=f"分会{i}") for i in range(n)])

    with django_capture_on_commit_callbacks(execute=True):
        run = fanout_start(job_name="count_branches", params={})

    rows = FanoutProgress.objects.filter(run=run).order_by("union_id")
    assert [(r.union_id, r.status, r.attempts, r.result) for r in rows] == [
        (u.pk, ProgressStatus.DONE, 1, {"branches": n}) for n, u in enumerate(unions)
    ]
    counts = fanout_progress_counts(run_id=run.pk)
    assert counts == {
        "total": 3,
        "pending": 0,
        "running": 0,
        "stale": 0,
        "done": 3,
        "failed": 0,
        "finished": True,
    }
    # A second delivery of the same union's task (redelivery, resume) does nothing.
    assert fanout_process_union(run_id=run.pk, union_id=unions[0].pk) == "skipped"
    assert FanoutProgress.objects.get(run=run, union=unions[0]).attempts == 1


def test_start_limited_to_given_unions_and_nothing_sent_before_commit(db, eager, make_unions):
    a, b, c = make_unions(3)
    run = fanout_start(job_name="test_mark_once", union_ids=[a.pk, c.pk], params={})
    # The test transaction never commits, so the dispatcher was never sent.
    assert set(FanoutProgress.objects.filter(run=run).values_list("union_id", "status")) == {
        (a.pk, ProgressStatus.PENDING),
        (c.pk, ProgressStatus.PENDING),
    }
    assert marks(a, run.pk) == 0


def test_start_rejects_unknown_job_and_unknown_union(db, make_unions):
    (a,) = make_unions(1)
    with pytest.raises(DomainValidationError) as exc:
        fanout_start(job_name="no_such_job", params={})
    assert exc.value.errors[0].field == "job_name"
    with pytest.raises(DomainValidationError) as exc:
        fanout_start(job_name="count_branches", union_ids=[a.pk, a.pk + 10_000], params={})
    assert exc.value.errors[0].code == "unknown_union"
    assert not FanoutRun.objects.exists()


def test_claim_is_exclusive_and_stale_claims_lose_their_work(db, make_unions):
    (a,) = make_unions(1)
    run = fanout_start(job_name="test_mark_once", union_ids=[a.pk], params={}, lease_seconds=600)
    first = fanout_claim(run_id=run.pk, union_id=a.pk)
    assert first is not None and first.attempt == 1
    # Held by a live claim: a second delivery gets nothing.
    assert fanout_claim(run_id=run.pk, union_id=a.pk) is None

    # The operator resumes, presuming the holder dead; a new delivery claims and finishes the union.
    assert fanout_resume(run_id=run.pk, stale_after_seconds=0) == 1
    assert fanout_process_union(run_id=run.pk, union_id=a.pk) == "done"
    assert marks(a, run.pk) == 1

    # The first holder was alive after all: finishing with its old token fails, so its work rolls back.
    from operations.services import _finish

    with pytest.raises(ClaimLost):
        with transaction.atomic(), schema_context(a.schema_name):
            worker_tasks.mark_once(union=a, params={}, run_id=run.pk)
            _finish(first, {"late": True})
    assert marks(a, run.pk) == 1
    row = FanoutProgress.objects.get(run=run, union=a)
    assert (row.status, row.attempts, row.result) == (ProgressStatus.DONE, 2, {"schema": a.schema_name})


def test_expired_lease_can_be_claimed_again(db, make_unions):
    (a,) = make_unions(1)
    run = fanout_start(job_name="test_mark_once", union_ids=[a.pk], params={}, lease_seconds=60)
    assert fanout_claim(run_id=run.pk, union_id=a.pk) is not None
    FanoutProgress.objects.filter(run=run).update(claimed_at=None)
    # claimed_at NULL never counts as stale; an old timestamp does.
    assert fanout_claim(run_id=run.pk, union_id=a.pk) is None
    from datetime import timedelta

    from django.utils import timezone

    FanoutProgress.objects.filter(run=run).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert fanout_progress_counts(run_id=run.pk)["stale"] == 1
    assert fanout_claim(run_id=run.pk, union_id=a.pk).attempt == 2


def test_failed_union_is_recorded_and_resume_finishes_it(
    db, eager, make_unions, django_capture_on_commit_callbacks
):
    from organisation.models import Branch

    a, b = make_unions(2)
    with tenant_context(a):
        Branch.objects.create(name=ALLOW_BRANCH)
    with django_capture_on_commit_callbacks(execute=True):
        run = fanout_start(job_name="test_needs_permission", params={})

    failed = FanoutProgress.objects.get(run=run, union=b)
    assert failed.status == ProgressStatus.FAILED
    assert failed.error == "ValueError: not allowed yet"
    assert failed.attempts == 1  # a ValueError is not transient: no automatic retry
    assert marks(b, run.pk) == 0  # its work rolled back with the failure
    assert fanout_progress_counts(run_id=run.pk)["done"] == 1
    assert not FanoutRun.objects.get(pk=run.pk).finished_at

    with tenant_context(b):
        Branch.objects.create(name=ALLOW_BRANCH)
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout_resume(run_id=run.pk) == 1

    assert fanout_progress_counts(run_id=run.pk)["done"] == 2
    assert (marks(a, run.pk), marks(b, run.pk)) == (1, 1)
    assert FanoutProgress.objects.get(run=run, union=b).attempts == 2
    assert FanoutRun.objects.get(pk=run.pk).finished_at is not None


def test_transient_failure_is_retried_automatically(
    db, eager, make_unions, django_capture_on_commit_callbacks
):
    (a,) = make_unions(1)
    worker_tasks.attempts_seen.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run = fanout_start(job_name="test_transient_once", params={})
    row = FanoutProgress.objects.get(run=run, union=a)
    assert (row.status, row.attempts, row.result) == (ProgressStatus.DONE, 2, {"attempt": 2})


def test_enqueue_on_commit_keeps_the_schema_of_the_caller(
    db, eager, make_unions, django_capture_on_commit_callbacks
):
    from jobs.celery_app import enqueue_on_commit
    from organisation.models import Branch

    (a,) = make_unions(1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with tenant_context(a):
            Branch.objects.create(name="只在甲工会")
            task_id = enqueue_on_commit(worker_tasks.record_schema)
    # Sent only at commit, after the caller left the union's schema.
    assert connection.schema_name == "public" and len(callbacks) == 1
    results = []
    from celery.signals import task_success

    def grab(sender, result, **kwargs):
        if sender.request.id == task_id:
            results.append(result)

    task_success.connect(grab)
    try:
        callbacks[0]()
    finally:
        task_success.disconnect(grab)
    assert results == [{"schema": a.schema_name, "branches": ["只在甲工会"]}]


def test_sweep_resumes_lost_work_but_leaves_failures_to_an_operator(
    db, eager, make_unions, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from operations.services import fanout_sweep

    a, b, c = make_unions(3)
    run = fanout_start(job_name="test_mark_once", params={}, lease_seconds=60, jitter_seconds=0)
    # As if the messages were lost: b never started, c failed for good, a is done. Dispatched 2 minutes ago.
    FanoutProgress.objects.filter(run=run, union=a).update(status=ProgressStatus.DONE)
    FanoutProgress.objects.filter(run=run, union=c).update(status=ProgressStatus.FAILED, attempts=6)
    recent = fanout_start(job_name="test_mark_once", union_ids=[a.pk], params={}, jitter_seconds=0)
    FanoutRun.objects.filter(pk=recent.pk).update(dispatched_at=timezone.now())
    FanoutRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now() - timedelta(seconds=120))

    with django_capture_on_commit_callbacks(execute=True):
        assert fanout_sweep() == [run.pk]  # the recently dispatched run is left alone

    assert (marks(a, run.pk), marks(b, run.pk), marks(c, run.pk)) == (0, 1, 0)
    assert FanoutProgress.objects.get(run=run, union=c).status == ProgressStatus.FAILED
    # Just dispatched again: the next sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout_sweep() == []

    # A run whose last task died right after committing its union is stamped finished, not resumed.
    FanoutProgress.objects.filter(run=recent).update(status=ProgressStatus.DONE)
    assert fanout_sweep() == []
    assert FanoutRun.objects.get(pk=recent.pk).finished_at is not None
