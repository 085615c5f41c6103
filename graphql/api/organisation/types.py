"""GraphQL types for the branch tree (分会 / 车间工会 / 工会小组) of a union; answered on the union's host only."""

from __future__ import annotations

import graphene

from api.core.types import TenantModelNode, enum_from_choices
from organisation import models
from organisation.models import BranchKind

from .access import branch_for
from .loaders import BranchMemberCountLoader, branch_tree

BRANCH = "Branch"

BranchKindEnum = enum_from_choices(BranchKind, "Kind of a unit inside a union.")


class Branch(TenantModelNode):
    """A branch (分会), workshop union (车间工会) or union group (工会小组) inside a union."""

    class Meta:
        name = BRANCH
        model = models.Branch
        fetch = branch_for

    name = graphene.String(required=True)
    kind = graphene.Field(BranchKindEnum, required=True)
    kind_label = graphene.String(required=True)
    is_small_home = graphene.Boolean(required=True, description="A 职工小家.")
    sort_order = graphene.Int(required=True)
    depth = graphene.Int(required=True, description="0 for a top-level branch.")
    parent = graphene.Field(lambda: Branch)
    children = graphene.List(graphene.NonNull(lambda: Branch), required=True)
    member_count = graphene.Int(
        required=True, description="Active members here and in the branches below (live figure)."
    )

    @staticmethod
    def resolve_kind_label(root, info):
        return root.get_kind_display()

    @staticmethod
    def resolve_depth(root, info):
        return branch_tree(info.context).depth(root)

    @staticmethod
    def resolve_parent(root, info):
        return branch_tree(info.context).by_id.get(root.parent_id)

    @staticmethod
    def resolve_children(root, info):
        return branch_tree(info.context).children(root.pk)

    @staticmethod
    def resolve_member_count(root, info):
        tree = branch_tree(info.context)
        counts = info.context.loader(BranchMemberCountLoader)
        ids = tree.subtree_ids(root.pk)
        counts.queue(ids)
        return sum(counts.load(branch_id) for branch_id in ids)
