"""Mutations on the branch tree: thin calls into organisation.services (union admins and officers)."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from audit.services import audit_snapshot
from organisation import services

from .access import branch_for
from .loaders import forget_branch_tree
from .types import Branch


def require_union_perm(context, perm: Perm):
    """The request's union if the actor holds `perm` on all of it; AccessDenied otherwise (and on the public host)."""
    union = context.union
    if union is None or not context.actor.can_on_union(perm, union):
        raise AccessDenied
    if context.actor.branch_scope(perm, union) is not None:
        raise AccessDenied  # a branch officer's grant covers part of the union, not its structure
    return union


def _branch(context, global_id, field: str):
    try:
        return branch_for(context, global_id)
    except AccessDenied:
        raise field_not_found(field) from None


class BranchCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    kind = graphene.String(
        description='A BranchKind value: "branch", "workshop" or "group" (default branch).'
    )
    parent = graphene.ID(description="The branch above; omitted for a top-level branch.")
    is_small_home = graphene.Boolean()
    sort_order = graphene.Int()


class BranchCreate(BaseMutation):
    """Add a branch, workshop union or union group (union hosts only; needs member.manage)."""

    class Arguments:
        input = BranchCreateInput(required=True)

    branch = graphene.Field(Branch)

    @classmethod
    def perform(cls, info, context, input):
        require_union_perm(context, Perm.MEMBER_MANAGE)
        values = {
            key: input[key] for key in ("kind", "is_small_home", "sort_order") if input.get(key) is not None
        }
        if input.get("parent") is not None:
            values["parent"] = _branch(context, input["parent"], "parent")
        branch = services.branch_create(name=input["name"], **values)
        forget_branch_tree(context)
        return {"branch": branch}


class BranchUpdateInput(graphene.InputObjectType):
    """Only the fields sent are changed."""

    name = graphene.String()
    kind = graphene.String()
    parent = graphene.ID(description="Move under this branch.")
    move_to_top = graphene.Boolean(description="Move to the top level (ignored when parent is given).")
    is_small_home = graphene.Boolean()
    sort_order = graphene.Int()


class BranchUpdate(BaseMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = BranchUpdateInput(required=True)

    branch = graphene.Field(Branch)

    @classmethod
    def perform(cls, info, context, id, input):
        require_union_perm(context, Perm.MEMBER_MANAGE)
        branch = _branch(context, id, "id")
        changes = {
            key: input[key]
            for key in ("name", "kind", "is_small_home", "sort_order")
            if input.get(key) is not None
        }
        if input.get("parent") is not None:
            changes["parent"] = _branch(context, input["parent"], "parent")
        elif input.get("move_to_top"):
            changes["parent"] = None
        before = audit_snapshot(branch, changes)
        branch = services.branch_update(branch=branch, **changes)
        forget_branch_tree(context)
        return {"branch": branch, "_audit_before": before}


class BranchDelete(BaseMutation):
    """Delete an empty branch (no sub-branches, no member records)."""

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, context, id):
        union = require_union_perm(context, Perm.MEMBER_MANAGE)
        branch = _branch(context, id, "id")
        services.branch_delete(branch=branch, union=union)
        forget_branch_tree(context)
        return {"deleted_id": id}


class OrganisationMutations(graphene.ObjectType):
    branch_create = BranchCreate.Field()
    branch_update = BranchUpdate.Field()
    branch_delete = BranchDelete.Field()
