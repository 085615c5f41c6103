"""The task outbox sweep (see operations.outbox): beat sends it every minute."""

from jobs.celery_app import app
from operations.outbox import outbox_sweep as sweep


@app.task(name="jobs.outbox.outbox_sweep")
def outbox_sweep() -> int:
    """Send tasks whose send after commit failed (broker down) or never happened (process died)."""
    return sweep()
