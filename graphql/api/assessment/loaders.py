"""Per-request loaders for assessment (see api.core.loaders)."""

from __future__ import annotations

from api.core.loaders import DataLoader
from assessment import selectors
from assessment.models import FundingPool


class ParticipantResultLoader(DataLoader):
    """Results by participant id that the actor may see (on a union host: published ones only)."""

    def batch_load(self, keys):
        context = self.context
        rows = (
            selectors.result_list(actor=context.actor, union=context.union)
            .filter(participant_id__in=keys)
            .select_related("participant__union")
        )
        return {row.participant_id: row for row in rows}


class RoundFundingLoader(DataLoader):
    def batch_load(self, keys):
        return {pool.round_id: pool for pool in FundingPool.objects.filter(round_id__in=keys)}
