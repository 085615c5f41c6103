"""API token mutations. Token management needs a signed-in session: a token never mints or revokes tokens."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts import selectors, services
from api.core import ids
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from unionhub.errors import DomainValidationError

from .types import ApiToken, TokenScopeEnum


def _require_session(context) -> None:
    if context.actor.token_scopes is not None:
        raise DomainValidationError.single(
            None, "permission_denied", _("API令牌不能用于管理令牌，请登录后操作。")
        )


class ApiTokenCreate(BaseMutation):
    """Create a bearer token for the signed-in user. `secret` is returned once and never again."""

    class Arguments:
        name = graphene.String(required=True)
        scopes = graphene.List(graphene.NonNull(TokenScopeEnum), required=True)
        expires_at = graphene.DateTime()

    token = graphene.Field(ApiToken)
    secret = graphene.String(description="The token itself; store it now, it cannot be shown again.")

    @classmethod
    def perform(cls, info, context, name, scopes, expires_at=None):
        _require_session(context)
        token, secret = services.api_token_create(
            user=context.actor.user,
            name=name,
            scopes=[getattr(scope, "value", scope) for scope in scopes],
            expires_at=expires_at,
        )
        return {"token": token, "secret": secret}


class ApiTokenRevoke(BaseMutation):
    """Revoke one of the signed-in user's own tokens."""

    class Arguments:
        id = graphene.ID(required=True)

    token = graphene.Field(ApiToken)

    @classmethod
    def perform(cls, info, context, id):
        _require_session(context)
        pk = ids.decode_global_id(id, ids.API_TOKEN)
        # Only the caller's own tokens are candidates: someone else's id is "not found".
        token = selectors.viewer_api_tokens(context.actor).filter(pk=pk).first() if pk else None
        if token is None:
            raise field_not_found("id")
        return {"token": services.api_token_revoke(token=token)}


class AccountMutations(graphene.ObjectType):
    api_token_create = ApiTokenCreate.Field()
    api_token_revoke = ApiTokenRevoke.Field()
