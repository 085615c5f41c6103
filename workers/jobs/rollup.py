"""Roll-up tasks: the per-union task of a period close (the fan-out protocol; the job's on_finished hook freezes
the snapshot when the last union is done)."""

from jobs.celery_app import app
from operations.services import fanout_process_union


@app.task(name="jobs.rollup.period_close_union")
def period_close_union(run_id: int, union_id: int) -> str:
    return fanout_process_union(run_id=run_id, union_id=union_id)
