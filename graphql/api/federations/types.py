"""GraphQL types for the federation tree and unions."""

from __future__ import annotations

import graphene

from api.core import ids
from api.core.access import node_for, union_for
from api.core.pagination import CountableConnection, connection_args, paginate_list
from api.core.types import ModelNode, enum_from_choices
from federations import models
from federations.models import NodeLevel, OwnershipType, UnionKind, UnionStatus, UnitType
from federations.services import union_host

from .loaders import NodeByIdLoader, NodeChildrenLoader, NodeNameLoader

NodeLevelEnum = enum_from_choices(NodeLevel, "Level of a federation node.")
UnitTypeEnum = enum_from_choices(UnitType, "Type of the employing unit.")
OwnershipTypeEnum = enum_from_choices(OwnershipType, "Ownership (economic) type of the employing unit.")
UnionKindEnum = enum_from_choices(UnionKind, "Single or joint grassroots union.")
UnionStatusEnum = enum_from_choices(UnionStatus, "Lifecycle status of a union.")


def node_path_key(node) -> list:
    return [node.path]


class FederationNode(ModelNode):
    """A federation or intermediate union above grassroots level (county, township, street, park, station)."""

    class Meta:
        name = ids.FEDERATION_NODE
        model = models.FederationNode
        fetch = node_for

    name = graphene.String(required=True)
    level = graphene.Field(NodeLevelEnum, required=True)
    level_label = graphene.String(required=True, description="Level in the user's language.")
    division_code = graphene.String(required=True, description="Administrative division code (6 digits).")
    depth = graphene.Int(required=True, description="0 for a top node.")
    parent = graphene.Field(
        lambda: FederationNode, description="Null for a top node or one the actor cannot see."
    )
    children = graphene.Field(
        lambda: FederationNodeConnection, required=True, description="Direct children.", **connection_args()
    )
    report_recipient_name = graphene.String(
        required=True, description="Who receives this node's statistical reports."
    )
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_level_label(root, info):
        return root.get_level_display()

    @staticmethod
    def resolve_parent(root, info):
        return _visible_node(info, root.parent_id)

    @staticmethod
    def resolve_children(root, info, first=None, after=None):
        children = info.context.loader(NodeChildrenLoader).load(root.pk)
        connection = paginate_list(
            children, FederationNodeConnection, key=node_path_key, first=first, after=after
        )
        queue_node_relations(info, connection.items)
        return connection

    @staticmethod
    def resolve_report_recipient_name(root, info):
        names = info.context.loader(NodeNameLoader)
        if root.report_recipient_id:
            return names.load(root.report_recipient_id) or ""
        if root.report_recipient_name:
            return root.report_recipient_name
        return names.load(root.parent_id) or ""


class FederationNodeConnection(CountableConnection):
    class Meta:
        node = FederationNode


class Union(ModelNode):
    """A grassroots union (基层工会): one tenant with its own host."""

    class Meta:
        name = ids.UNION
        model = models.Union
        fetch = union_for

    slug = graphene.String(required=True, description="Host label: <slug>.<base domain>.")
    host = graphene.String(required=True)
    name = graphene.String(required=True)
    credit_code = graphene.String(required=True, description="Unified social credit code (GB 32100).")
    unit_type = graphene.Field(UnitTypeEnum, required=True)
    unit_type_label = graphene.String(required=True)
    ownership_type = graphene.Field(OwnershipTypeEnum, required=True)
    ownership_type_label = graphene.String(required=True)
    union_kind = graphene.Field(UnionKindEnum, required=True)
    union_kind_label = graphene.String(required=True)
    staff_count = graphene.Int(required=True)
    female_staff_count = graphene.Int(required=True)
    fulltime_officer_count = graphene.Int(required=True, description="专职工会干部数")
    has_workers_congress = graphene.Boolean(required=True, description="建立职代会制度")
    has_affairs_disclosure = graphene.Boolean(required=True, description="实行厂务公开")
    founded_on = graphene.Date()
    status = graphene.Field(UnionStatusEnum, required=True)
    status_label = graphene.String(required=True)
    parent_node = graphene.Field(
        FederationNode, description="The federation node above; null where the actor may not see it."
    )
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_host(root, info):
        return union_host(root.slug)

    @staticmethod
    def resolve_unit_type_label(root, info):
        return root.get_unit_type_display()

    @staticmethod
    def resolve_ownership_type_label(root, info):
        return root.get_ownership_type_display()

    @staticmethod
    def resolve_union_kind_label(root, info):
        return root.get_union_kind_display()

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_parent_node(root, info):
        return _visible_node(info, root.parent_node_id)


class UnionConnection(CountableConnection):
    class Meta:
        node = Union


def _visible_node(info, node_id):
    """A node through this request's loader, or None unless the actor may see it in this scope."""
    context = info.context
    if node_id is None or context.union is not None:
        return None
    node = context.loader(NodeByIdLoader).load(node_id)
    return node if context.can_see_node(node) else None


def queue_node_relations(info, nodes) -> None:
    """A page of nodes announces the parents and children its items may ask for (one query each)."""
    context = info.context
    context.loader(NodeByIdLoader).queue(n.parent_id for n in nodes)
    context.loader(NodeChildrenLoader).queue(n.pk for n in nodes)
    context.loader(NodeNameLoader).queue(n.report_recipient_id or n.parent_id for n in nodes)


def queue_union_relations(info, unions) -> None:
    info.context.loader(NodeByIdLoader).queue(u.parent_node_id for u in unions)
