"""The audit log over GraphQL: federation admins read their subtree, union admins their union."""

from __future__ import annotations

import graphene

from api.core.access import node_for, or_none, union_for
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from audit.selectors import audit_entries_visible

from .types import AuditEntryConnection, queue_entry_relations


class AuditQueries(graphene.ObjectType):
    audit_entries = graphene.Field(
        AuditEntryConnection,
        required=True,
        union=graphene.ID(description="Only entries about this union."),
        node=graphene.ID(description="Only entries about this node and everything below it."),
        since=graphene.DateTime(description="Only entries at or after this time."),
        operation=graphene.String(description='Only this operation, e.g. "importJobStart".'),
        description="Audit entries the viewer administers, newest first (on a union host: that union's).",
        **connection_args(),
    )

    @staticmethod
    def resolve_audit_entries(
        root, info, union=None, node=None, since=None, operation=None, first=None, after=None
    ):
        context = info.context
        if not context.actor.is_authenticated:
            return empty_connection(AuditEntryConnection)
        union_obj = node_obj = None
        if context.union is not None:
            # A union host answers for its union only, and never for federation nodes.
            if not context.union_visible or node is not None:
                return empty_connection(AuditEntryConnection)
            union_obj = context.union
            if union is not None and or_none(union_for, context, union) is None:
                return empty_connection(AuditEntryConnection)
        else:
            if union is not None:
                union_obj = or_none(union_for, context, union)
                if union_obj is None:
                    return empty_connection(AuditEntryConnection)
            if node is not None:
                node_obj = or_none(node_for, context, node)
                if node_obj is None:
                    return empty_connection(AuditEntryConnection)
        entries = audit_entries_visible(actor=context.actor, union=union_obj, node=node_obj, since=since)
        if operation:
            entries = entries.filter(operation=operation)
        connection = paginate_queryset(
            entries,
            AuditEntryConnection,
            keys=("created_at", "id"),
            first=first,
            after=after,
            descending=True,
        )
        queue_entry_relations(info, connection.items)
        return connection
