"""Root query fields for the branch tree."""

from __future__ import annotations

import graphene

from .loaders import branch_tree
from .types import Branch


class OrganisationQueries(graphene.ObjectType):
    branches = graphene.List(
        graphene.NonNull(Branch),
        required=True,
        description="All branches of the union in tree order (union hosts only; empty elsewhere).",
    )

    @staticmethod
    def resolve_branches(root, info):
        context = info.context
        if context.union is None or not context.union_visible:
            return []
        tree = branch_tree(context)
        ordered = []

        def walk(parent_id):
            for branch in tree.children(parent_id):
                ordered.append(branch)
                walk(branch.pk)

        walk(None)
        return ordered
