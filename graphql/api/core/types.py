"""Base types: the Relay Node interface (global ids resolved through access helpers), object types backed by a
model and reachable by global id, and enums from choices."""

from __future__ import annotations

import graphene
from graphene.types.objecttype import ObjectTypeOptions

from .access import or_none
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


class ModelNodeOptions(ObjectTypeOptions):
    model = None
    fetch = None


class ModelNode(graphene.ObjectType):
    """An object type over a Django model that implements Node. Its Meta names `model` (the rows `is_type_of`
    recognises, so the type resolves inside interfaces and unions) and `fetch(context, global_id)`, the type's
    access check: the object if the viewer may see it in the request's scope, AccessDenied otherwise
    (`node(id:)` then answers null)."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, model=None, fetch=None, interfaces=(), _meta=None, **options):
        assert model is not None and fetch is not None, f"{cls.__name__} needs Meta.model and Meta.fetch"
        _meta = _meta or ModelNodeOptions(cls)
        _meta.model = model
        _meta.fetch = fetch
        interfaces = interfaces if Node in interfaces else (Node, *interfaces)
        super().__init_subclass_with_meta__(interfaces=interfaces, _meta=_meta, **options)

    @classmethod
    def get_node(cls, info, global_id):
        return or_none(cls._meta.fetch, info.context, global_id)

    @classmethod
    def is_type_of(cls, root, info):
        return isinstance(root, cls._meta.model)


class TenantModelNode(ModelNode):
    """A ModelNode over a row of a union's own schema. Such primary keys are per schema, so the global id carries
    the host's union too (api.core.ids.to_tenant_global_id): this resolves the part the Node id field encodes."""

    class Meta:
        abstract = True

    @staticmethod
    def resolve_id(root, info):
        return f"{info.context.union.pk}:{root.pk}"


def enum_from_choices(choices, description: str):
    """A GraphQL enum over a Django TextChoices class (members are str, so resolvers and filters use them as-is)."""
    return graphene.Enum.from_enum(choices, description=description)


def enum_value(value):
    """The plain value of an enum argument (graphene passes enum members or, from defaults, plain values)."""
    return getattr(value, "value", value)
