"""The one place that decides access.

Roles are granted on a node of the federation tree or on a union and inherited downward: a grant on a county
covers its townships, their service stations and every union below them; a union role covers that union only;
platform_admin covers everything. Subtrees are prefix matches on the materialised `path` ("/1/4/" covers
"/1/4/9/" but never "/1/40/": every path ends with "/").

Callers never fetch a protected row by a bare id: `access_node` / `access_union` / `access_role_grant` fetch and
authorise in one step and answer "not found" both when the row does not exist and when the actor may not see it
(no probing of other federations' ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federations.models import FederationNode, Union

from .models import NODE_ROLES, Role, RoleGrant


class Perm(StrEnum):
    NODE_VIEW = "node.view"
    NODE_MANAGE = "node.manage"  # edit nodes, provision unions, grant roles below
    UNION_VIEW = "union.view"
    UNION_MANAGE = "union.manage"  # edit the union profile and its settings
    UNION_INSPECT = "union.inspect"  # federation inspectors scoring a union
    MEMBER_VIEW = "member.view"
    MEMBER_MANAGE = "member.manage"


ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.PLATFORM_ADMIN: frozenset(Perm),
    Role.FEDERATION_ADMIN: frozenset(Perm),
    Role.FEDERATION_STAFF: frozenset({Perm.NODE_VIEW, Perm.UNION_VIEW, Perm.UNION_INSPECT, Perm.MEMBER_VIEW}),
    Role.UNION_ADMIN: frozenset({Perm.UNION_VIEW, Perm.UNION_MANAGE, Perm.MEMBER_VIEW, Perm.MEMBER_MANAGE}),
    Role.UNION_OFFICER: frozenset({Perm.UNION_VIEW, Perm.MEMBER_VIEW, Perm.MEMBER_MANAGE}),
    Role.BRANCH_OFFICER: frozenset({Perm.UNION_VIEW, Perm.MEMBER_VIEW}),
}

# Permissions that only read; a read-scoped API token is limited to these. Scoring (UNION_INSPECT) writes.
READ_PERMS = frozenset({Perm.NODE_VIEW, Perm.UNION_VIEW, Perm.MEMBER_VIEW})

# Roles a union admin may hand out inside their own union (not union_admin itself: that needs the federation).
UNION_ADMIN_GRANTABLE = frozenset({Role.UNION_OFFICER, Role.BRANCH_OFFICER})


class AccessDenied(Exception):
    """Raised when the actor may not do this; shown to users as "not found or no permission"."""

    code = "not_found"
    message = _("对象不存在或无权访问。")


@dataclass(frozen=True)
class GrantView:
    role: str
    node_id: int | None
    node_path: str | None
    union_id: int | None
    union_node_path: str | None
    branch_id: int | None


@dataclass
class Actor:
    """Who is asking, with their active grants loaded once per request.

    Decide with `can_on_node` / `can_on_union` / `node_filter` / `union_filter` (they honour token scopes);
    `is_platform_admin` and `roles()` describe the role set and are for display, not for authorising writes.
    """

    user: object | None
    grants: list[GrantView] = field(default_factory=list)
    # None = full access (session login); a set limits an API token, e.g. {"read"}.
    token_scopes: frozenset[str] | None = None

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user is not None and getattr(self.user, "is_authenticated", False))

    @property
    def is_platform_admin(self) -> bool:
        return self.is_authenticated and any(g.role == Role.PLATFORM_ADMIN for g in self.grants)

    def _scope_allows(self, perm: Perm) -> bool:
        if self.token_scopes is None or "write" in self.token_scopes:
            return True
        return perm in READ_PERMS and "read" in self.token_scopes

    def _grants_with(self, perm: Perm) -> list[GrantView]:
        if not self.is_authenticated or not self._scope_allows(perm):
            return []
        return [g for g in self.grants if perm in ROLE_PERMS[g.role]]

    def can_globally(self, perm: Perm) -> bool:
        """True when `perm` holds everywhere (platform admin, within the token's scope)."""
        return any(g.role == Role.PLATFORM_ADMIN for g in self._grants_with(perm))

    def can_on_node(self, perm: Perm, node) -> bool:
        for grant in self._grants_with(perm):
            if grant.role == Role.PLATFORM_ADMIN:
                return True
            if grant.node_path is not None and node.path.startswith(grant.node_path):
                return True
        return False

    def can_on_union(self, perm: Perm, union) -> bool:
        """True when the actor holds `perm` on the union (for a branch officer: on part of it, see branch_scope)."""
        for grant in self._grants_with(perm):
            if grant.role == Role.PLATFORM_ADMIN:
                return True
            if grant.node_path is not None and union.node_path.startswith(grant.node_path):
                return True
            if grant.union_id is not None and grant.union_id == union.pk:
                return True
        return False

    def branch_scope(self, perm: Perm, union) -> frozenset[int] | None:
        """Which branches of `union` the actor holds `perm` on: None = the whole union, else those branch ids.

        Tenant selectors for members use this; an empty set means nothing.
        """
        branch_ids: set[int] = set()
        for grant in self._grants_with(perm):
            if grant.role == Role.BRANCH_OFFICER:
                if grant.union_id == union.pk:
                    branch_ids.add(grant.branch_id)
            elif grant.role == Role.PLATFORM_ADMIN:
                return None
            elif grant.node_path is not None and union.node_path.startswith(grant.node_path):
                return None
            elif grant.union_id == union.pk:
                return None
        return frozenset(branch_ids)

    def can_grant(self, role: str, *, node=None, union=None) -> bool:
        """Whether the actor may grant or revoke `role` on this node or union (scope checked elsewhere)."""
        if role == Role.PLATFORM_ADMIN:
            return self.can_globally(Perm.NODE_MANAGE)
        if role in NODE_ROLES:
            return node is not None and self.can_on_node(Perm.NODE_MANAGE, node)
        if union is None:
            return False
        if self.can_on_union(Perm.NODE_MANAGE, union):
            return True
        return role in UNION_ADMIN_GRANTABLE and self.can_on_union(Perm.UNION_MANAGE, union)

    def node_filter(self, perm: Perm = Perm.NODE_VIEW) -> Q:
        """Q over FederationNode for the nodes this actor may see: the subtrees of its node grants."""
        grants = self._grants_with(perm)
        if any(g.role == Role.PLATFORM_ADMIN for g in grants):
            return Q()
        query = Q(pk__in=[])
        for grant in grants:
            if grant.node_path is not None:
                query |= Q(path__startswith=grant.node_path)
        return query

    def union_filter(self, perm: Perm = Perm.UNION_VIEW) -> Q:
        """Q over Union for the unions this actor may see."""
        grants = self._grants_with(perm)
        if any(g.role == Role.PLATFORM_ADMIN for g in grants):
            return Q()
        query = Q(pk__in=[])
        union_ids = sorted({g.union_id for g in grants if g.union_id is not None})
        if union_ids:
            query |= Q(pk__in=union_ids)
        for grant in grants:
            if grant.node_path is not None:
                query |= Q(node_path__startswith=grant.node_path)
        return query

    def roles(self) -> list[GrantView]:
        return list(self.grants)


# Read-only sentinel; actor_for builds a fresh Actor per request, never mutate this one.
ANONYMOUS = Actor(user=None)


def actor_for(user, *, token_scopes: frozenset[str] | None = None) -> Actor:
    """Load the actor's active grants in one query. Inactive users are anonymous."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Actor(user=None)
    rows = (
        RoleGrant.objects.active()
        .filter(user=user)
        .values_list("role", "node_id", "node__path", "union_id", "union__node_path", "branch_id")
    )
    grants = [GrantView(*row) for row in rows]
    return Actor(user=user, grants=grants, token_scopes=token_scopes)


def _int_id(value) -> int:
    if isinstance(value, bool):
        raise ValueError("not an id")
    return int(value)


def access_node(actor: Actor, node_id, perm: Perm = Perm.NODE_VIEW):
    """Fetch a federation node the actor holds `perm` on, or raise AccessDenied."""
    try:
        node = FederationNode.objects.get(pk=_int_id(node_id))
    except (FederationNode.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if not actor.can_on_node(perm, node):
        raise AccessDenied
    return node


def access_union(actor: Actor, union_id, perm: Perm = Perm.UNION_VIEW):
    """Fetch a union the actor holds `perm` on, or raise AccessDenied."""
    try:
        union = Union.objects.select_related("parent_node").get(pk=_int_id(union_id))
    except (Union.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if not actor.can_on_union(perm, union):
        raise AccessDenied
    return union


def access_role_grant(actor: Actor, grant_id) -> RoleGrant:
    """Fetch an active role grant the actor may revoke, or raise AccessDenied."""
    try:
        grant = RoleGrant.objects.active().select_related("user", "node", "union").get(pk=_int_id(grant_id))
    except (RoleGrant.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if not actor.can_grant(grant.role, node=grant.node, union=grant.union):
        raise AccessDenied
    return grant
