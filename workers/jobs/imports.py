"""Import and export tasks. GraphQL creates the job row and sends the task after commit:
`enqueue_on_commit(import_job_run_task, job.pk)`. The service enters the job's union schema itself, so the task
runs correctly whichever schema the message names."""

from django.db import IntegrityError

from imports.services import BatchConflict, export_job_run, import_job_run
from jobs.celery_app import TransientJobError, app


@app.task(name="jobs.imports.import_job_run_task")
def import_job_run_task(job_id: int) -> dict | None:
    """Run or resume an import job (idempotent: committed batches are skipped, a finished job is left alone)."""
    try:
        job = import_job_run(job_id=job_id)
    except (IntegrityError, BatchConflict) as exc:
        # Someone wrote a conflicting row while we ran: the retry re-reads the data and rejects that row.
        raise TransientJobError(str(exc)) from exc
    if job is None:
        return None
    return {"status": job.status, "accepted": job.accepted_rows, "rejected": job.rejected_rows}


@app.task(name="jobs.imports.export_job_run_task")
def export_job_run_task(job_id: int) -> dict | None:
    job = export_job_run(job_id=job_id)
    return None if job is None else {"status": job.status, "rows": job.row_count}


@app.task(name="jobs.imports.rejections_purge_task")
def rejections_purge_task() -> int:
    """Beat, daily: delete rejected import rows past UNIONHUB_IMPORT_REJECTION_RETENTION_DAYS (idempotent)."""
    from imports.rejections import rejections_purge

    return rejections_purge()
