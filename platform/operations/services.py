"""Fan-out over unions: start a run, dispatch one task per union, process one union exactly once, resume.

Flow: `fanout_start` writes the run and one progress row per union, then (on commit) one dispatcher task sends
one per-union task each, spread over `jitter_seconds`. Each per-union task claims its row with a single
conditional UPDATE, does the work inside the union's schema and marks the row done in the same transaction.
Messages may be delivered twice (late acks, redelivery after a crash, a resume); the claim makes the extra
deliveries no-ops, so every union is processed once.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from federations.models import Union, UnionStatus
from jobs.celery_app import enqueue_on_commit, resolve_task
from unionhub.errors import DomainValidationError

from .models import FanoutProgress, FanoutRun, ProgressStatus
from .registry import fanout_job_get

logger = logging.getLogger(__name__)

FANOUT_DISPATCH_TASK = "jobs.fanout.fanout_dispatch"
FANOUT_UNION_TASK = "jobs.fanout.fanout_union"
DEFAULT_LEASE_SECONDS = 900
# Default spread of the per-union tasks: 50 ms per union, at most 5 minutes, so 10,000 unions do not all
# hit PostgreSQL in the same second.
JITTER_PER_UNION = 0.05
JITTER_MAX = 300.0


class ClaimLost(Exception):
    """The progress row was taken over (resumed as stale) while this task worked on it; its work is discarded."""


@dataclass(frozen=True)
class Claim:
    progress_id: int
    token: uuid.UUID
    attempt: int


def fanout_start(
    *,
    job_name: str,
    task_name: str = FANOUT_UNION_TASK,
    union_ids: list[int] | None = None,
    params: dict | None = None,
    lease_seconds: int = DEFAULT_LEASE_SECONDS,
    jitter_seconds: float | None = None,
) -> FanoutRun:
    """Start running the registered per-union job `job_name` over `union_ids` (default: all active unions).

    `task_name` is the Celery task that processes one union (args: run_id, union_id); the default one calls
    `fanout_process_union`. Nothing is sent unless the surrounding transaction commits.
    """
    try:
        fanout_job_get(job_name)
    except LookupError:
        raise DomainValidationError.single("job_name", "unknown_job", _("未知的批量作业。")) from None
    params = params or {}
    try:
        json.dumps(params, cls=DjangoJSONEncoder)
    except TypeError:
        raise DomainValidationError.single("params", "invalid_params", _("作业参数格式不正确。")) from None
    if lease_seconds < 1:
        raise DomainValidationError.single("lease_seconds", "invalid_lease", _("租约时间必须大于零。"))

    unions = Union.objects.exclude(schema_name=get_public_schema_name())
    if union_ids is None:
        ids = list(unions.filter(status=UnionStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    else:
        wanted = set(union_ids)
        ids = sorted(unions.filter(pk__in=wanted).values_list("pk", flat=True))
        if len(ids) != len(wanted):
            raise DomainValidationError.single("union_ids", "unknown_union", _("所选工会不存在。"))
    if jitter_seconds is None:
        jitter_seconds = min(JITTER_MAX, JITTER_PER_UNION * len(ids))

    with transaction.atomic():
        run = FanoutRun.objects.create(
            job_name=job_name,
            task_name=task_name,
            params=params,
            total=len(ids),
            lease_seconds=lease_seconds,
            jitter_seconds=max(0.0, jitter_seconds),
            finished_at=timezone.now() if not ids else None,
        )
        FanoutProgress.objects.bulk_create(
            [FanoutProgress(run=run, union_id=union_id) for union_id in ids], batch_size=1000
        )
        if ids:
            _enqueue_dispatch(run.pk)
    return run


def fanout_resume(*, run_id: int, stale_after_seconds: int | None = None, include_failed: bool = True) -> int:
    """Send again every union of the run that is not done (failed ones too unless `include_failed` is
    False); returns how many are left.

    Running claims older than `stale_after_seconds` (default: the run's lease) are presumed dead (their worker
    was killed) and reset to pending; if their worker is alive after all, its claim token no longer matches
    and its work is rolled back, so the union is still processed once.
    """
    with transaction.atomic():
        run = FanoutRun.objects.select_for_update().get(pk=run_id)
        stale_after = run.lease_seconds if stale_after_seconds is None else stale_after_seconds
        FanoutProgress.objects.filter(
            run=run,
            status=ProgressStatus.RUNNING,
            claimed_at__lte=timezone.now() - timedelta(seconds=stale_after),
        ).update(status=ProgressStatus.PENDING, claim_token=None)
        left = run.progress.exclude(status=ProgressStatus.DONE).count()
        if left:
            _enqueue_dispatch(run.pk, include_failed=include_failed)
    return left


def fanout_sweep() -> list[int]:
    """Periodic safety net (beat): resume unfinished runs whose messages were lost or whose workers died.

    A run is swept when its dispatcher never ran, or when a lease and the jitter window have passed since its
    last dispatch and it still has pending rows or expired claims. Failed unions are left for an operator
    (`fanout_resume`), since they already used their automatic retries. Returns the swept run ids.
    """
    now = timezone.now()
    swept = []
    for run in FanoutRun.objects.filter(finished_at__isnull=True).order_by("pk"):
        # The last union's task may have died between its commit and stamping the run finished.
        if _finish_run_if_complete(run.pk):
            continue
        window = timedelta(seconds=run.lease_seconds + run.jitter_seconds)
        if run.dispatched_at is None:
            due = run.created_at < now - window
        else:
            stale_before = now - timedelta(seconds=run.lease_seconds)
            due = run.dispatched_at < now - window and (
                run.progress.filter(
                    Q(status=ProgressStatus.PENDING)
                    | Q(status=ProgressStatus.RUNNING, claimed_at__lt=stale_before)
                ).exists()
            )
        if due:
            fanout_resume(run_id=run.pk, include_failed=False)
            swept.append(run.pk)
    if swept:
        logger.warning("fan-out sweep resumed run(s) %s", swept)
    return swept


def fanout_dispatch(*, run_id: int, include_failed: bool = True) -> int:
    """Send one per-union task for every union of the run still to do; returns how many were sent.

    Safe to run twice (a redelivered or resumed dispatcher): extra messages find their row done and skip.
    """
    run = FanoutRun.objects.get(pk=run_id)
    task = resolve_task(run.task_name)
    stale_before = timezone.now() - timedelta(seconds=run.lease_seconds)
    retry = [ProgressStatus.PENDING, ProgressStatus.FAILED] if include_failed else [ProgressStatus.PENDING]
    todo = (
        run.progress.filter(
            Q(status__in=retry) | Q(status=ProgressStatus.RUNNING, claimed_at__lt=stale_before)
        )
        .order_by("union_id")
        .values_list("union_id", "union__schema_name")
    )
    sent = 0
    for union_id, schema_name in todo.iterator(chunk_size=1000):
        enqueue_on_commit(
            task,
            run.pk,
            union_id,
            task_options={
                "headers": {"_schema_name": schema_name},
                "countdown": random.uniform(0, run.jitter_seconds) if run.jitter_seconds else None,
            },
        )
        sent += 1
    FanoutRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
    logger.info("fan-out run %s (%s): sent %s union task(s)", run.pk, run.job_name, sent)
    return sent


def fanout_process_union(*, run_id: int, union_id: int) -> str:
    """Process one union of a run, at most once. Returns "done", or "skipped" when another delivery already
    did (or is doing) it, or "lost" when the claim was taken over as stale while working."""
    run = FanoutRun.objects.get(pk=run_id)
    job = fanout_job_get(run.job_name)
    union = Union.objects.get(pk=union_id)
    with tenant_context(union):
        claim = fanout_claim(run_id=run_id, union_id=union_id)
        if claim is None:
            # Done (or in hand) elsewhere. A redelivery after a crash between the last union's commit and the
            # run's finish completes the run now instead of waiting for the sweep.
            _finish_run_if_complete(run_id)
            return "skipped"
        try:
            if job.atomic:
                # The work and "done" commit together: a crash leaves neither.
                with transaction.atomic():
                    result = job.func(union=union, params=run.params, run_id=run.pk)
                    _finish(claim, result)
            else:
                result = job.func(union=union, params=run.params, run_id=run.pk)
                _finish(claim, result)
        except ClaimLost:
            logger.warning("fan-out run %s union %s: claim taken over, work discarded", run_id, union_id)
            return "lost"
        except Exception as exc:
            _release_failed(claim, exc)
            raise
    _finish_run_if_complete(run_id)
    return "done"


def fanout_claim(*, run_id: int, union_id: int) -> Claim | None:
    """Take the union's progress row for this worker, or None if it is done or held by a live claim.

    One conditional UPDATE, so two deliveries racing for the same row cannot both win. Committed at once:
    a worker that dies afterwards leaves the row running until its lease expires (or a resume resets it).
    """
    progress = _table(FanoutProgress)
    run = _table(FanoutRun)
    token = uuid.uuid4()
    # A single statement: outside a transaction it commits on its own (no BEGIN/COMMIT round trips).
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {progress} AS p
               SET status = %s, claim_token = %s, claimed_at = now(), attempts = p.attempts + 1, error = ''
              FROM {run} AS r
             WHERE r.id = p.run_id AND p.run_id = %s AND p.union_id = %s
               AND (p.status IN (%s, %s)
                    OR (p.status = %s AND p.claimed_at < now() - make_interval(secs => r.lease_seconds)))
         RETURNING p.id, p.attempts
            """,
            [
                ProgressStatus.RUNNING,
                token,
                run_id,
                union_id,
                ProgressStatus.PENDING,
                ProgressStatus.FAILED,
                ProgressStatus.RUNNING,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return Claim(progress_id=row[0], token=token, attempt=row[1])


def _finish(claim: Claim, result) -> None:
    updated = FanoutProgress.objects.filter(
        pk=claim.progress_id, claim_token=claim.token, status=ProgressStatus.RUNNING
    ).update(status=ProgressStatus.DONE, result=result, finished_at=timezone.now(), error="")
    if updated != 1:
        raise ClaimLost()


def _release_failed(claim: Claim, exc: Exception) -> None:
    # Failed rows may be claimed again (by the automatic retry, or a resume).
    try:
        FanoutProgress.objects.filter(
            pk=claim.progress_id, claim_token=claim.token, status=ProgressStatus.RUNNING
        ).update(status=ProgressStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
    except Exception:  # the database itself may be what failed; the lease then expires on its own
        logger.exception("could not mark fan-out progress %s failed", claim.progress_id)


def _finish_run_if_complete(run_id: int) -> bool:
    """Stamp the run finished once every union is done, and run its job's `on_finished` hook in the same
    transaction (exactly once: the conditional UPDATE lets one caller win; a crash undoes both, and the sweep or
    a redelivered union task tries again). True when this call finished the run."""
    # Runs after this union's commit, so the last union to commit always sees every row done.
    not_done = FanoutProgress.objects.filter(run_id=OuterRef("pk")).exclude(status=ProgressStatus.DONE)
    with transaction.atomic(), schema_context(get_public_schema_name()):
        stamped = (
            FanoutRun.objects.filter(pk=run_id, finished_at__isnull=True)
            .exclude(Exists(not_done))
            .update(finished_at=timezone.now())
        )
        if stamped:
            job_name = FanoutRun.objects.values_list("job_name", flat=True).get(pk=run_id)
            try:
                hook = fanout_job_get(job_name).on_finished
            except LookupError:  # a job no longer registered (old runs): nothing to follow up
                hook = None
            if hook is not None:
                hook(run_id=run_id)
    return bool(stamped)


def _enqueue_dispatch(run_id: int, *, include_failed: bool = True) -> None:
    # The dispatcher only touches public tables.
    enqueue_on_commit(
        FANOUT_DISPATCH_TASK,
        run_id,
        include_failed=include_failed,
        task_options={"headers": {"_schema_name": get_public_schema_name()}},
    )


def _table(model) -> str:
    # Public tables, named explicitly: inside a union the search path starts with the union's schema.
    qn = connection.ops.quote_name
    return f"{qn(get_public_schema_name())}.{qn(model._meta.db_table)}"
