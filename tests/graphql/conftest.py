"""Fixtures for GraphQL tests: a small federation tree with one user per role."""

from __future__ import annotations

import pytest

from accounts.models import Role
from federations.middleware import forget_host
from federations.services import node_create
from tests.support.graphql import grant, make_union, make_user


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    forget_host()
    yield
    forget_host()


@pytest.fixture
def tree(db):
    """Two counties (A with a township, B), unions under each, and one user per role."""
    county_a = node_create(level="county", name="甲县总工会", division_code="330122")
    township_a = node_create(level="township", name="甲镇工会", division_code="330122", parent=county_a)
    county_b = node_create(level="county", name="乙县总工会", division_code="330123")
    union_a1 = make_union(county_a, name="甲县一厂工会", unit_type="enterprise")
    union_a2 = make_union(township_a, name="甲镇二厂工会", unit_type="government", ownership_type="state")
    union_b1 = make_union(county_b, name="乙县一厂工会")

    fed_admin_a = make_user(full_name="甲县管理员")
    grant(fed_admin_a, Role.FEDERATION_ADMIN, node=county_a)
    fed_staff_a = make_user()
    grant(fed_staff_a, Role.FEDERATION_STAFF, node=county_a)
    fed_admin_b = make_user()
    grant(fed_admin_b, Role.FEDERATION_ADMIN, node=county_b)
    union_admin_a1 = make_user(full_name="一厂工会主席")
    grant(union_admin_a1, Role.UNION_ADMIN, union=union_a1)
    nobody = make_user()

    class Tree:
        pass

    t = Tree()
    t.__dict__.update(locals())
    return t
