"""Roll-up tasks: the per-union task of a period close (fan-out protocol, then the freeze when all are done)."""

from django_tenants.utils import get_public_schema_name, schema_context

from jobs.celery_app import app


@app.task(name="jobs.rollup.period_close_union")
def period_close_union(run_id: int, union_id: int) -> str:
    from operations.services import fanout_process_union
    from rollup.services import period_close_finish_for_run

    outcome = fanout_process_union(run_id=run_id, union_id=union_id)
    # The union to finish last sees the run finished and freezes the snapshot (others find it still running).
    with schema_context(get_public_schema_name()):
        period_close_finish_for_run(run_id=run_id)
    return outcome
