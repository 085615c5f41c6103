"""Reporting tasks: reminders before submission deadlines, report files, and delivery to the higher-level union.

Beat runs `reminders_send_task` (hourly; each reminder is claimed once, so repeats send nothing) and
`deliveries_dispatch_task` (every minute: schedules deliveries of county reports that went up, then sends one task
per delivery that is due). Each delivery attempt locks its row, so duplicate messages are no-ops.
"""

from federations.models import FederationNode
from jobs.celery_app import app
from reporting.delivery import deliveries_due, deliveries_schedule, delivery_attempt
from reporting.files import report_files_generate
from reporting.reminders import reminders_send
from rollup.models import ReportingPeriod


@app.task(name="jobs.reporting.reminders_send_task")
def reminders_send_task() -> int:
    return reminders_send()


@app.task(name="jobs.reporting.deliveries_dispatch_task")
def deliveries_dispatch_task() -> dict:
    scheduled = deliveries_schedule()
    due = deliveries_due()
    for delivery_id in due:
        delivery_attempt_task.delay(delivery_id)
    return {"scheduled": scheduled, "sent_to_workers": len(due)}


@app.task(name="jobs.reporting.delivery_attempt_task")
def delivery_attempt_task(delivery_id: int) -> str | None:
    delivery = delivery_attempt(delivery_id=delivery_id)
    return None if delivery is None else delivery.status


@app.task(name="jobs.reporting.report_files_generate_task")
def report_files_generate_task(node_id: int, period_id: int) -> list[str]:
    node = FederationNode.objects.get(pk=node_id)
    period = ReportingPeriod.objects.get(pk=period_id)
    return [row.key for row in report_files_generate(node=node, period=period)]
