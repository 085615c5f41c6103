"""Model-worker care, daily beat tasks (settings.CELERY_BEAT_SCHEDULE): the scheduled term end and the reminders.

Both are idempotent and safe to run twice or concurrently (see modelworker_care.services.terms_end_run and
modelworker_care.reminders). They work on public tables only, whatever schema the message names.
"""

from django_tenants.utils import get_public_schema_name, schema_context

from jobs.celery_app import app
from modelworker_care.reminders import reminders_send
from modelworker_care.services.terms import terms_end_run


@app.task(name="jobs.modelworker_care.modelworker_terms_end")
def modelworker_terms_end() -> int:
    """Workers whose continuation term ended yesterday (or earlier, after a missed run) change to ended."""
    with schema_context(get_public_schema_name()):
        return len(terms_end_run())


@app.task(name="jobs.modelworker_care.modelworker_reminders_send")
def modelworker_reminders_send() -> int:
    """Reminders due today (30 and 7 days before each due date and term end), each sent once."""
    with schema_context(get_public_schema_name()):
        return reminders_send()
