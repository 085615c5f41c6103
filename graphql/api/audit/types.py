"""GraphQL type for audit log entries."""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar

from api.core import ids
from api.core.pagination import CountableConnection
from api.federations.loaders import NodeByIdLoader, UnionByIdLoader
from api.federations.types import FederationNode, Union

AUDIT_ENTRY = "AuditEntry"


class AuditEntry(graphene.ObjectType):
    """One recorded mutation or reveal of personal data (append-only; personal data masked as "***")."""

    class Meta:
        name = AUDIT_ENTRY

    id = graphene.ID(required=True)
    created_at = graphene.DateTime(required=True)
    actor_username = graphene.String(required=True, description="Empty for system jobs.")
    operation = graphene.String(required=True, description='e.g. "unionProvision" or "member.reveal_id".')
    object_type = graphene.String(required=True)
    object_id = graphene.String(required=True)
    changes = GenericScalar(required=True, description='{field: {"before": x, "after": y}}')
    tenant_schema = graphene.String(required=True)
    request_id = graphene.String(required=True)
    union = graphene.Field(Union, description="The union concerned, when the viewer may see it.")
    node = graphene.Field(
        FederationNode, description="The federation node concerned, when the viewer may see it."
    )

    @staticmethod
    def resolve_id(root, info):
        return ids.to_global_id(AUDIT_ENTRY, root.pk)

    @staticmethod
    def resolve_union(root, info):
        context = info.context
        if root.union_id is None or (context.union is not None and root.union_id != context.union.pk):
            return None
        return context.loader(UnionByIdLoader).load(root.union_id)

    @staticmethod
    def resolve_node(root, info):
        context = info.context
        if root.node_id is None or context.union is not None:
            return None
        return context.loader(NodeByIdLoader).load(root.node_id)


class AuditEntryConnection(CountableConnection):
    class Meta:
        node = AuditEntry


def queue_entry_relations(info, entries) -> None:
    info.context.loader(UnionByIdLoader).queue(e.union_id for e in entries)
    info.context.loader(NodeByIdLoader).queue(e.node_id for e in entries)
