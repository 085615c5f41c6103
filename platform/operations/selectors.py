"""Reads for fan-out runs: progress counts for dashboards and tests."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .models import FanoutProgress, FanoutRun, ProgressStatus


def fanout_run_get(*, run_id: int) -> FanoutRun:
    return FanoutRun.objects.get(pk=run_id)


def fanout_runs_list(*, job_name: str | None = None, limit: int = 50) -> list[FanoutRun]:
    runs = FanoutRun.objects.all()
    if job_name:
        runs = runs.filter(job_name=job_name)
    return list(runs[:limit])


def fanout_progress_counts(*, run_id: int) -> dict:
    """{"total", "pending", "running", "stale", "done", "failed", "finished"} for one run, in one query.

    `stale` counts running claims older than the run's lease (their worker is presumably gone; resume them).
    """
    run = FanoutRun.objects.get(pk=run_id)
    stale_before = timezone.now() - timedelta(seconds=run.lease_seconds)
    counts = run.progress.aggregate(
        total=Count("id"),
        pending=Count("id", filter=Q(status=ProgressStatus.PENDING)),
        running=Count("id", filter=Q(status=ProgressStatus.RUNNING)),
        stale=Count("id", filter=Q(status=ProgressStatus.RUNNING, claimed_at__lt=stale_before)),
        done=Count("id", filter=Q(status=ProgressStatus.DONE)),
        failed=Count("id", filter=Q(status=ProgressStatus.FAILED)),
    )
    # From the rows, not finished_at: that is stamped just after the last union commits.
    counts["finished"] = counts["done"] == counts["total"]
    return counts


def fanout_progress_list(*, run_id: int, status: str | None = None) -> list[FanoutProgress]:
    rows = FanoutProgress.objects.filter(run_id=run_id).select_related("union")
    if status:
        rows = rows.filter(status=status)
    return list(rows.order_by("union_id"))
