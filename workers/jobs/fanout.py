"""Fan-out tasks: one dispatcher per run, one task per union (see operations.services for the protocol)."""

from jobs.celery_app import app
from operations.services import fanout_dispatch as dispatch
from operations.services import fanout_process_union
from operations.services import fanout_sweep as sweep


@app.task(name="jobs.fanout.fanout_dispatch")
def fanout_dispatch(run_id: int, include_failed: bool = True) -> int:
    return dispatch(run_id=run_id, include_failed=include_failed)


@app.task(name="jobs.fanout.fanout_union")
def fanout_union(run_id: int, union_id: int) -> str:
    return fanout_process_union(run_id=run_id, union_id=union_id)


@app.task(name="jobs.fanout.fanout_sweep")
def fanout_sweep() -> list[int]:
    """Beat, every few minutes: resume fan-out runs left behind by lost messages or dead workers."""
    return sweep()
