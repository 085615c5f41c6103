"""Per-union fan-out jobs of membership (operations.registry), started by beat tasks in workers/jobs/membership.py."""

from datetime import date

from operations.registry import fanout_job

WITHDRAWAL_PROPOSE_JOB = "membership_withdrawal_propose"


@fanout_job(WITHDRAWAL_PROPOSE_JOB)
def withdrawal_propose_union(*, union, params, run_id):
    from .withdrawal import withdrawal_propose_run

    return {"proposed": withdrawal_propose_run(union=union, today=date.fromisoformat(params["today"]))}
