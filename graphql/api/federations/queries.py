"""Root query fields for the federation tree and unions. Lists come from access-filtered selectors."""

from __future__ import annotations

import graphene

from accounts.access import Perm, access_union
from api.core.access import node_for, or_none, union_for
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from federations import selectors

from .types import (
    FederationNode,
    FederationNodeConnection,
    NodeLevelEnum,
    OwnershipTypeEnum,
    Union,
    UnionConnection,
    UnionKindEnum,
    UnionStatusEnum,
    UnitTypeEnum,
    queue_node_relations,
    queue_union_relations,
)


class FederationQueries(graphene.ObjectType):
    federation_nodes = graphene.Field(
        FederationNodeConnection,
        required=True,
        parent=graphene.ID(description="Only the direct children of this node."),
        level=NodeLevelEnum(),
        search=graphene.String(description="Part of the name, or the start of the division code."),
        description="Federation nodes the viewer may see, in tree order (empty on a union host).",
        **connection_args(),
    )
    federation_node = graphene.Field(FederationNode, id=graphene.ID(required=True))
    unions = graphene.Field(
        UnionConnection,
        required=True,
        node=graphene.ID(description="Only unions anywhere below this federation node."),
        unit_type=UnitTypeEnum(),
        ownership_type=OwnershipTypeEnum(),
        union_kind=UnionKindEnum(),
        status=UnionStatusEnum(),
        search=graphene.String(description="Part of the name or slug, or the exact credit code."),
        description="Unions the viewer may see, by name (on a union host: that union).",
        **connection_args(),
    )
    union = graphene.Field(Union, id=graphene.ID(required=True))
    current_union = graphene.Field(
        Union, description="The union whose host serves this request (union hosts only)."
    )

    @staticmethod
    def resolve_federation_nodes(root, info, parent=None, level=None, search=None, first=None, after=None):
        context = info.context
        if context.union is not None:
            return empty_connection(FederationNodeConnection)
        parent_node = None
        if parent is not None:
            parent_node = or_none(node_for, context, parent)
            if parent_node is None:
                return empty_connection(FederationNodeConnection)
        queryset = selectors.node_list(actor=context.actor, parent=parent_node, level=level, search=search)
        connection = paginate_queryset(
            queryset, FederationNodeConnection, keys=("path",), first=first, after=after
        )
        queue_node_relations(info, connection.items)
        return connection

    @staticmethod
    def resolve_federation_node(root, info, id):
        return or_none(node_for, info.context, id)

    @staticmethod
    def resolve_unions(
        root,
        info,
        node=None,
        unit_type=None,
        ownership_type=None,
        union_kind=None,
        status=None,
        search=None,
        first=None,
        after=None,
    ):
        context = info.context
        if context.union is not None and not context.union_visible:
            return empty_connection(UnionConnection)
        subtree = None
        if node is not None:
            subtree = or_none(node_for, context, node)
            if subtree is None:
                return empty_connection(UnionConnection)
        queryset = selectors.union_list(
            actor=context.actor,
            node=subtree,
            union_id=context.union.pk if context.union is not None else None,
            unit_type=unit_type,
            ownership_type=ownership_type,
            union_kind=union_kind,
            status=status,
            search=search,
        )
        connection = paginate_queryset(
            queryset, UnionConnection, keys=("name", "pk"), first=first, after=after
        )
        queue_union_relations(info, connection.items)
        return connection

    @staticmethod
    def resolve_union(root, info, id):
        return or_none(union_for, info.context, id)

    @staticmethod
    def resolve_current_union(root, info):
        context = info.context
        if context.union is None or not context.union_visible:
            return None
        # A fresh row: the host lookup's union object is cached across requests and may be stale.
        return or_none(access_union, context.actor, context.union.pk, Perm.UNION_VIEW)
