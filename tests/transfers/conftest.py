"""Two unions in one county (origin and destination) with real schemas, a stranger union in another county, and
the people who act on them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.factories import union_kwargs
from tests.support.members import member_kwargs
from tests.support.users import make_user


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def world(db):
    from federations.services import node_create, union_provision
    from organisation.models import Branch

    county = node_create(level="county", name="转接县总工会", division_code="330122")
    town = node_create(level="township", name="转接镇工会", division_code="330122", parent=county)
    origin = union_provision(parent_node=town, **union_kwargs(name="华锐机械厂工会"))
    destination = union_provision(parent_node=county, **union_kwargs(name="鼎盛纺织厂工会"))
    far_county = node_create(level="county", name="邻县总工会", division_code="330127")
    stranger = union_provision(parent_node=far_county, **union_kwargs(name="邻县食品厂工会"))
    with schema_context(origin.schema_name):
        origin_branch = Branch.objects.create(name="一车间分会")
    with schema_context(destination.schema_name):
        dest_branch = Branch.objects.create(name="织造车间分会")
    return SimpleNamespace(
        county=county,
        origin=origin,
        destination=destination,
        stranger=stranger,
        origin_branch=origin_branch,
        dest_branch=dest_branch,
        origin_admin=make_user("origin_admin", "union_admin", union=origin),
        dest_admin=make_user("dest_admin", "union_admin", union=destination),
        dest_officer=make_user("dest_officer", "union_officer", union=destination),
        fed_admin=make_user("county_admin", "federation_admin", node=county),
        fed_staff=make_user("county_staff", "federation_staff", node=county),
        town_admin=make_user("town_admin", "federation_admin", node=town),  # above the origin only
        stranger_admin=make_user("stranger_admin", "union_admin", union=stranger),
        far_fed_admin=make_user("far_admin", "federation_admin", node=far_county),
        dest_branch_officer=make_user(
            "dest_branch_officer", "branch_officer", union=destination, branch_id=dest_branch.pk
        ),
        no_role=make_user("no_role"),
    )


@pytest.fixture
def join():
    """Create a member through the membership service: join(union, **member fields) -> Member."""
    from membership.services import member_create

    def make(union, **overrides):
        return member_create(union=union, **member_kwargs(**overrides))

    return make
