"""Provisioning tasks. GraphQL calls federations.services.union_register and then
`enqueue_on_commit(union_schema_create_task, union.pk)`; the schema is built here, off the web request."""

from django_tenants.utils import schema_context

from federations.models import Union
from federations.services import union_schema_create
from jobs.celery_app import app


@app.task(name="jobs.provisioning.union_schema_create_task", max_retries=8)
def union_schema_create_task(union_id: int) -> str | None:
    """Create the union's schema from the template and mark it ACTIVE. Idempotent: safe to retry or repeat.

    Returns the schema name, or None when the union no longer exists (registration rolled back or deleted).
    """
    # The Union table lives in public, whatever schema the message header named.
    with schema_context("public"):
        union = Union.objects.filter(pk=union_id).first()
        if union is None:
            return None
        union_schema_create(union=union)
        return union.schema_name
