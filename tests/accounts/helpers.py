"""Builders for account tests. Access checks read public rows only, so most tests use Union rows without a
schema; tests that enter a union's schema use union_provision."""

import itertools

from accounts.access import actor_for
from accounts.models import Role, RoleGrant, User
from federations.models import Union, UnionStatus
from tests.factories import union_kwargs

_users = itertools.count(1)


def make_user(username: str | None = None, **extra) -> User:
    username = username or f"user{next(_users)}"
    return User.objects.create_user(username=username, password="Unused-Passw0rd!", **extra)


def union_row(parent_node, **overrides) -> Union:
    """A Union row under `parent_node` without a schema (enough for access decisions, which read public rows)."""
    values = union_kwargs(**overrides)
    return Union.objects.create(
        schema_name="u_" + values["slug"].replace("-", "_"),
        node_path=parent_node.path,
        parent_node=parent_node,
        status=UnionStatus.ACTIVE,
        **values,
    )


def grant(user, role, **target) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, **target)


def actor_with(role, **target):
    """A fresh user holding one grant, as an Actor."""
    user = make_user()
    grant(user, role, **target)
    return actor_for(user)


def platform_admin_actor():
    return actor_with(Role.PLATFORM_ADMIN)


def data_queries(context) -> list[str]:
    """Captured SQL minus django-tenants' `SET search_path` bookkeeping."""
    return [q["sql"] for q in context.captured_queries if not q["sql"].startswith("SET search_path")]
