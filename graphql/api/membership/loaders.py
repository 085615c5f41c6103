"""Per-request loaders for members (the branch of a member comes from the organisation tree loader)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from membership import selectors


class StatusHistoryLoader(DataLoader):
    missing: list = []

    def batch_load(self, keys):
        return selectors.status_history_map(member_ids=keys)
