"""Per-request loaders for reporting periods (rows already authorised by their period)."""

from __future__ import annotations

from django.db.models import Count, Q

from api.core.loaders import DataLoader


class CloseProgressLoader(DataLoader):
    """{"total", "done", "failed"} of close runs, keyed by run id, in one query."""

    def batch_load(self, keys):
        from operations.models import FanoutProgress, ProgressStatus

        rows = (
            FanoutProgress.objects.filter(run_id__in=list(keys))
            .values("run_id")
            .annotate(
                total=Count("id"),
                done=Count("id", filter=Q(status=ProgressStatus.DONE)),
                failed=Count("id", filter=Q(status=ProgressStatus.FAILED)),
            )
        )
        return {row["run_id"]: row for row in rows}
