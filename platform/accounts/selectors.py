"""Reads for accounts. GraphQL resolvers call these; they never touch the ORM themselves."""

from __future__ import annotations

from django.db.models import QuerySet

from .access import Actor
from .models import ApiToken, RoleGrant


def viewer_roles(actor: Actor) -> QuerySet[RoleGrant]:
    """The actor's active grants with their node and union loaded (one query, names via grant.node / grant.union)."""
    if not actor.is_authenticated:
        return RoleGrant.objects.none()
    return (
        RoleGrant.objects.active()
        .filter(user=actor.user)
        .select_related("node", "union")
        .order_by("role", "node__path", "union__name", "branch_id", "id")
    )


def viewer_api_tokens(actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own API tokens, newest first, including revoked and expired ones (for the token page)."""
    if not actor.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=actor.user).defer("key_hash").order_by("-created_at", "-id")
