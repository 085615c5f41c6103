"""Per-request loaders for drives (see api.core.loaders)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from drives import selectors


class VisibleDriveLoader(DataLoader):
    """Drives by id that the actor may see in this request's scope (absent ids: None)."""

    def batch_load(self, keys):
        context = self.context
        if context.union is not None and not context.union_visible:
            return {}
        drives = selectors.drive_list(actor=context.actor, union=context.union).filter(pk__in=keys)
        return {drive.pk: drive for drive in drives}
