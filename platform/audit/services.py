"""Writing the audit log. Every mutation and every reveal of personal data calls `audit_record`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import connection, models

from federations.models import Union

from .context import current_context
from .models import AuditEntry

MASK = "***"


def _plain(value):
    # Foreign keys are recorded by id; the JSON encoder handles dates, decimals and UUIDs.
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (set, frozenset, tuple)):
        return [_plain(v) for v in value]
    return value


def _masked(value):
    # Keep "was empty" vs "had a value" visible; never the value itself.
    return value if value in (None, "") else MASK


def audit_snapshot(obj, fields: Iterable[str]) -> dict:
    """The current values of `fields` on `obj`, for diffing before and after a change."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def audit_changes(before: Mapping, after: Mapping, *, sensitive: Iterable[str] = ()) -> dict:
    """{field: {"before": old, "after": new}} for the fields whose value differs between the two dicts.

    A field missing on one side counts as None (creation: before={}, deletion: after={}). Fields listed in
    `sensitive` (identity numbers, phones, ...) are recorded as changed, with values masked as "***".
    """
    sensitive = set(sensitive)
    diff: dict = {}
    for field in sorted(set(before) | set(after), key=str):
        old, new = _plain(before.get(field)), _plain(after.get(field))
        if old == new:
            continue
        if field in sensitive:
            old, new = _masked(old), _masked(new)
        diff[str(field)] = {"before": old, "after": new}
    return diff


def _current_union():
    """The union whose schema the connection is in, or None on the public schema."""
    if connection.schema_name == settings.PUBLIC_SCHEMA_NAME:
        return None

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Union) and tenant.pk is not None:
        return tenant
    # schema_context() sets a bare schema name, not the Union row.
    return (
        Union.objects.filter(schema_name=connection.schema_name)
        .only("id", "schema_name", "node_path")
        .first()
    )


def audit_record(
    *,
    actor,
    operation: str,
    object_type: str = "",
    object_id="",
    changes: Mapping | None = None,
    union=None,
    node=None,
) -> AuditEntry:
    """Append one audit entry and return it.

    Contract:
    - Call it INSIDE the transaction of the change it records (same `transaction.atomic()` block, after the
      write succeeded): the row is written on the caller's connection, so a rolled-back change leaves no audit
      row and a committed change always has one. GraphQL's base mutation calls it from `after_success(info,
      result)`, which must run inside the mutation's atomic block.
    - `actor`: an accounts.access.Actor (e.g. `info.context.actor`), a User, or None for system jobs. The user
      id and username are copied, so the entry survives the user.
    - `operation`: a stable name, the GraphQL mutation name ("unionProvision") or "<entity>.<action>"
      ("member.reveal_id"). `object_type`/`object_id` name the row changed or read ("Member", 42).
    - `changes`: {field: {"before": x, "after": y}}, built with `audit_changes(before, after,
      sensitive=[...])`. The caller masks personal data; never put an identity number or phone in clear here.
    - Scope: pass `union` (a federations Union) for a union's data, `node` (a FederationNode) for federation
      data. Without either, on a union's schema the current union is used. The entry stores the node path (or
      the union's parent path) so federation admins see it in their subtree.
    - Request id and client ip come from the current request context (set by RequestIdMiddleware; in a Celery
      task by `audit.context.request_context(request_id=...)` with the id the dispatcher passed along).
    """
    if not operation or len(operation) > 100:
        raise ValueError("audit_record: operation must be 1-100 characters")
    user = getattr(actor, "user", actor)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if union is None and node is None:
        union = _current_union()
    ctx = current_context()
    entry = AuditEntry(
        actor_id=user.pk if user is not None else None,
        actor_username=(user.get_username() if user is not None else "")[:150],
        tenant_schema=(
            union.schema_name
            if union is not None
            else (settings.PUBLIC_SCHEMA_NAME if node is not None else connection.schema_name)
        ),
        union_id=union.pk if union is not None else None,
        node_id=node.pk if node is not None else None,
        scope_path=union.node_path if union is not None else (node.path if node is not None else ""),
        operation=operation,
        object_type=object_type or "",
        object_id=str(object_id) if object_id not in (None, "") else "",
        changes=dict(changes or {}),
        request_id=ctx.request_id if ctx else "",
        ip=ctx.ip if ctx else None,
    )
    entry.save(force_insert=True)
    return entry
