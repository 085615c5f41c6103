"""Which union the connection serves, and entering a union's schema when a caller is elsewhere."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection
from django_tenants.utils import get_tenant_model, schema_context


def current_union():
    """The union whose schema the connection is in (the request's tenant, or a schema_context); error on public."""
    # The tenant model (federations.Union) through django-tenants' setting: the kernel imports no app.
    Union = get_tenant_model()
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Union) and tenant.schema_name == connection.schema_name:
        return tenant
    union = Union.objects.filter(schema_name=connection.schema_name).first()
    if union is None:
        raise RuntimeError("union services need a union's schema (use schema_context / tenant_context)")
    return union


@contextmanager
def in_union(union):
    """Run in `union`'s schema; a no-op when the connection is already there (the union host's requests)."""
    if connection.schema_name == union.schema_name:
        yield
    else:
        with schema_context(union.schema_name):
            yield
