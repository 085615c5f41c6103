"""Base types: the Relay Node interface (global ids resolved through access helpers) and enums from choices."""

from __future__ import annotations

import graphene

from .ids import global_id_type


class Node(graphene.relay.Node):
    """An object with a global id. `node(id:)` answers null, never an error, for malformed ids, unknown types and
    objects the viewer may not see in this scope."""

    class Meta:
        name = "Node"

    @classmethod
    def get_node_from_global_id(cls, info, global_id, only_type=None):
        type_name = global_id_type(global_id)
        if type_name is None:
            return None
        graphql_type = info.schema.get_type(type_name)
        graphene_type = getattr(graphql_type, "graphene_type", None)
        if graphene_type is None or cls not in getattr(graphene_type._meta, "interfaces", ()):
            return None
        if only_type and graphene_type is not only_type:  # NodeField passes False for "any type"
            return None
        # Each type's get_node(info, global_id) fetches through api.core.access (access helpers + host scope).
        get_node = getattr(graphene_type, "get_node", None)
        return get_node(info, global_id) if get_node else None


def enum_from_choices(choices, description: str):
    """A GraphQL enum over a Django TextChoices class (members are str, so resolvers and filters use them as-is)."""
    return graphene.Enum.from_enum(choices, description=description)
