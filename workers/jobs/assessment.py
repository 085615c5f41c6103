"""职工之家 assessment, daily beat task (settings.CELERY_BEAT_SCHEDULE): titles whose validity ran out end.

Idempotent: assessment.services.titles_expire locks the active titles it ends, so a repeated or concurrent run
ends nothing more. Public tables only, whatever schema the message names.
"""

from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.services.titles import titles_expire as expire
from jobs.celery_app import app


@app.task(name="jobs.assessment.titles_expire")
def titles_expire() -> int:
    """Titles valid until yesterday (or earlier, after a missed run) change to expired, with their live facts."""
    with schema_context(get_public_schema_name()):
        return expire(on=timezone.localdate())
