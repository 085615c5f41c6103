"""GraphQL types for the signed-in user: who they are, their roles, their API tokens."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts import selectors
from accounts.models import Role, TokenScope
from api.core import ids
from api.core.types import enum_from_choices
from api.federations.types import FederationNode, Union
from federations import selectors as federation_selectors

RoleEnum = enum_from_choices(Role, "A role held on a federation node or a union.")
TokenScopeEnum = enum_from_choices(TokenScope, "What an API token may do.")


class User(graphene.ObjectType):
    username = graphene.String(required=True)
    full_name = graphene.String(required=True)


class RoleGrant(graphene.ObjectType):
    """One of the viewer's roles and where it applies (inherited by everything below)."""

    role = graphene.Field(RoleEnum, required=True)
    role_label = graphene.String(required=True)
    scope_name = graphene.String(required=True, description="The node or union the role is held on.")
    node = graphene.Field(FederationNode, description="Set for federation roles (when shown in this scope).")
    union = graphene.Field(Union, description="Set for union roles (when shown in this scope).")

    @staticmethod
    def resolve_role_label(root, info):
        return root.get_role_display()

    @staticmethod
    def resolve_scope_name(root, info):
        if root.node_id:
            return root.node.name
        if root.union_id:
            return root.union.name
        return _("全平台")

    @staticmethod
    def resolve_node(root, info):
        return root.node if root.node_id and info.context.can_see_node(root.node) else None

    @staticmethod
    def resolve_union(root, info):
        return root.union if root.union_id and info.context.can_see_union(root.union) else None


class ApiToken(graphene.ObjectType):
    """A bearer token of the viewer's. The secret is never readable after creation."""

    id = graphene.ID(required=True)
    name = graphene.String(required=True)
    prefix = graphene.String(
        required=True, description="First characters of the secret, to tell tokens apart."
    )
    scopes = graphene.List(graphene.NonNull(TokenScopeEnum), required=True)
    created_at = graphene.DateTime(required=True)
    expires_at = graphene.DateTime()
    last_used_at = graphene.DateTime()
    revoked_at = graphene.DateTime()
    is_usable = graphene.Boolean(required=True)

    @staticmethod
    def resolve_id(root, info):
        return ids.to_global_id(ids.API_TOKEN, root.pk)

    @staticmethod
    def resolve_is_usable(root, info):
        return root.is_usable()


class Viewer(graphene.ObjectType):
    """The signed-in user as seen in this request's scope (on a union host: the roles that reach that union)."""

    user = graphene.Field(User, required=True)
    roles = graphene.List(graphene.NonNull(RoleGrant), required=True)
    visible_nodes = graphene.List(
        graphene.NonNull(FederationNode),
        required=True,
        description="The highest federation nodes the viewer sees (empty on a union host).",
    )
    api_tokens = graphene.List(graphene.NonNull(ApiToken), required=True)

    @staticmethod
    def resolve_user(root, info):
        return root.actor.user

    @staticmethod
    def resolve_roles(root, info):
        grants = list(selectors.viewer_roles(root.actor))
        union = root.union
        if union is None:
            return grants
        return [
            grant
            for grant in grants
            if grant.role == Role.PLATFORM_ADMIN
            or grant.union_id == union.pk
            or (grant.node_id and union.node_path.startswith(grant.node.path))
        ]

    @staticmethod
    def resolve_visible_nodes(root, info):
        if root.union is not None:
            return []
        return federation_selectors.node_top_list(actor=root.actor)

    @staticmethod
    def resolve_api_tokens(root, info):
        return list(selectors.viewer_api_tokens(root.actor))
