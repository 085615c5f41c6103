"""Branches by global id, on the union's host only (a branch id means nothing without its union's schema)."""

from __future__ import annotations

from accounts.access import AccessDenied, Perm
from api.core import ids

from .loaders import branch_tree

BRANCH = "Branch"


def branch_for(context, global_id, perm: Perm = Perm.UNION_VIEW):
    """The branch behind `global_id` in the request's union, if the actor holds `perm` there."""
    union = context.union
    pk = ids.decode_tenant_global_id(global_id, BRANCH, union.pk if union is not None else None)
    if (
        pk is None
        or union is None
        or not context.union_visible
        or not context.actor.can_on_union(perm, union)
    ):
        raise AccessDenied
    branch = branch_tree(context).by_id.get(pk)
    if branch is None:
        raise AccessDenied
    return branch
