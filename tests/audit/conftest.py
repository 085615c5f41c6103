"""A small federation tree with union rows (no schemas: audit tests never enter a union's tables)."""

from types import SimpleNamespace

import pytest

from tests.factories import union_kwargs


def make_union(parent_node, **overrides):
    from federations.models import Union, UnionStatus
    from federations.services import schema_name_for_slug

    values = union_kwargs(**overrides)
    return Union.objects.create(
        schema_name=schema_name_for_slug(values["slug"]),
        parent_node=parent_node,
        node_path=parent_node.path,
        status=UnionStatus.ACTIVE,
        **values,
    )


def make_actor(username, role, *, node=None, union=None, branch_id=None):
    from accounts.access import actor_for
    from accounts.models import RoleGrant, User

    user = User.objects.create_user(username=username, password="x-unused-password-1")
    if role is not None:
        RoleGrant.objects.create(user=user, role=role, node=node, union=union, branch_id=branch_id)
    return actor_for(user)


@pytest.fixture
def tree(db):
    """county_a > township_t > union_t; county_a > union_a; county_b > union_b."""
    from federations.services import node_create

    county_a = node_create(level="county", name="甲县总工会", division_code="330122")
    township_t = node_create(level="township", name="甲县某镇工会", division_code="330122", parent=county_a)
    county_b = node_create(level="county", name="乙县总工会", division_code="330127")
    return SimpleNamespace(
        county_a=county_a,
        township_t=township_t,
        county_b=county_b,
        union_t=make_union(township_t),
        union_a=make_union(county_a),
        union_b=make_union(county_b),
    )
