"""Root query fields about the signed-in user."""

from __future__ import annotations

import graphene

from .types import Viewer


class AccountQueries(graphene.ObjectType):
    viewer = graphene.Field(
        Viewer,
        description="The signed-in user; null when anonymous or (on a union host) "
        "without a role on that union.",
    )

    @staticmethod
    def resolve_viewer(root, info):
        context = info.context
        if not context.actor.is_authenticated:
            return None
        if context.union is not None and not context.union_visible:
            return None
        return context
