"""Per-request loaders for model-worker care (see api.core.loaders)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from modelworker_care import selectors


class VisibleWorkerLoader(DataLoader):
    """Model workers by id that the actor may see in this request's scope (absent ids: None)."""

    def batch_load(self, keys):
        context = self.context
        if context.union is not None and not context.union_visible:
            return {}
        workers = selectors.workers_visible(context.actor, union=context.union).filter(pk__in=keys)
        # Full rows: the `worker` field shows the registry's ModelWorker type (its history prefetched here).
        workers = workers.select_related("awarding_node", "batch").prefetch_related("status_changes")
        return {worker.pk: worker for worker in workers}
