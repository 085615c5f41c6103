"""Per-union fan-out jobs of the roll-up (registered on import, from RollupConfig.ready)."""

from operations.registry import fanout_job

from .services import PERIOD_RECOUNT_JOB, period_recount_union

fanout_job(PERIOD_RECOUNT_JOB)(period_recount_union)
