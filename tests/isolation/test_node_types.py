"""Every object type reachable through `node(id:)` fetches through its own access check (api.core.types.ModelNode):
a Node type without one would answer null for everybody, and one written by hand could skip the check."""

from __future__ import annotations


def test_every_node_type_is_a_model_node_with_an_access_check():
    from api.core.types import ModelNode, Node
    from api.schema import schema

    node_types = [
        graphql_type.graphene_type
        for graphql_type in schema.graphql_schema.type_map.values()
        if Node
        in getattr(getattr(getattr(graphql_type, "graphene_type", None), "_meta", None), "interfaces", ())
    ]
    assert len(node_types) > 20, "the schema walk found too few Node types to be looking in the right place"
    for graphene_type in node_types:
        assert issubclass(graphene_type, ModelNode), f"{graphene_type} implements Node without ModelNode"
        assert callable(graphene_type._meta.fetch) and graphene_type._meta.model is not None
