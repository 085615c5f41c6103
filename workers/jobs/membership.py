"""Membership tasks: beat starts the daily 视为自动退会 proposal run, one fan-out over every active union
(membership.jobs); each union's part is idempotent (one pending proposal per member)."""

from jobs.celery_app import app


@app.task(name="jobs.membership.withdrawal_proposals_start")
def withdrawal_proposals_start() -> int:
    from django.utils import timezone

    from membership.jobs import WITHDRAWAL_PROPOSE_JOB
    from operations.services import fanout_start

    run = fanout_start(job_name=WITHDRAWAL_PROPOSE_JOB, params={"today": timezone.localdate().isoformat()})
    return run.pk
