"""A county that awards titles, a township below it, two unions with members, a stranger county, and the people
who act on them."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.factories import union_kwargs
from tests.support.members import make_id, member_kwargs
from tests.support.storage import local_storage  # noqa: F401  (fixture)
from tests.support.users import make_user


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def world(db):
    from federations.services import node_create, union_provision

    county = node_create(level="county", name="劳模县总工会", division_code="330122")
    town = node_create(level="township", name="劳模镇工会", division_code="330122", parent=county)
    factory = union_provision(parent_node=town, **union_kwargs(name="华锐机械厂工会"))
    hospital = union_provision(
        parent_node=county, **union_kwargs(name="县人民医院工会", unit_type="public_institution")
    )
    far_county = node_create(level="county", name="邻县总工会", division_code="330127")
    stranger = union_provision(parent_node=far_county, **union_kwargs(name="邻县食品厂工会"))
    return SimpleNamespace(
        county=county,
        town=town,
        factory=factory,
        hospital=hospital,
        far_county=far_county,
        stranger=stranger,
        fed_admin=make_user("mw_county_admin", "federation_admin", node=county),
        fed_staff=make_user("mw_county_staff", "federation_staff", node=county),
        town_staff=make_user("mw_town_staff", "federation_staff", node=town),
        factory_admin=make_user("mw_factory_admin", "union_admin", union=factory),
        hospital_admin=make_user("mw_hospital_admin", "union_admin", union=hospital),
        stranger_admin=make_user("mw_stranger_admin", "union_admin", union=stranger),
        far_admin=make_user("mw_far_admin", "federation_admin", node=far_county),
        no_role=make_user("mw_no_role"),
    )


@pytest.fixture
def join():
    """join(union, **member fields) -> Member, through the membership service."""
    from membership.services import member_create

    def make(union, **overrides):
        return member_create(union=union, **member_kwargs(**overrides))

    return make


@pytest.fixture
def register(world):
    """register(**overrides) -> ModelWorker entered in the county's registry (employed at the factory)."""
    from modelworkers.awards.registry import modelworker_register

    def make(**overrides):
        values = {
            "awarding_node": world.county,
            "id_number": make_id(),
            "name": "王师傅",
            "level": "county",
            "title": "model_worker",
            "category": "frontline",
            "awarded_on": date(2024, 4, 28),
            "employing_union": world.factory,
            "employer_name": "",
            "actor": world.fed_admin,
        }
        values.update(overrides)
        return modelworker_register(**values)

    return make
