"""Per-union fan-out jobs of the roll-up (registered on import, from RollupConfig.ready)."""

from operations.registry import fanout_job

from .periods import PERIOD_RECOUNT_JOB, period_close_finish_for_run, period_recount_union

# The period freezes in the transaction that finishes the close run: once, even when the worker of the last
# union dies (the fan-out sweep then finishes the run and freezes).
fanout_job(PERIOD_RECOUNT_JOB, on_finished=period_close_finish_for_run)(period_recount_union)
