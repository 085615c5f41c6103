"""A county with two townships, four provisioned unions, officers with e-mail addresses, and an open reporting year.

示范县总工会 (county, reports to 示范市总工会 outside the platform)
├── 城关镇工会 (township): 华锐机械厂工会, 纺织厂工会
├── 东城街道工会 (street): 人民医院工会
└── 县直机关工会 (directly under the county)
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from tests.factories import union_kwargs
from tests.files.conftest import local_storage, s3_bucket, s3_client, s3_endpoint  # noqa: F401 (fixtures)


@pytest.fixture
def world(db):
    from accounts.models import RoleGrant, User
    from federations.services import node_create, union_provision
    from rollup.facts import facts_apply
    from rollup.periods import period_open

    county = node_create(level="county", name="示范县总工会", division_code="330122")
    county.report_recipient_name = "示范市总工会"
    county.save(update_fields=["report_recipient_name"])
    town = node_create(level="township", name="城关镇工会", division_code="330122", parent=county)
    street = node_create(level="street", name="东城街道工会", division_code="330122", parent=county)
    other_county = node_create(level="county", name="邻县总工会", division_code="330127")

    def provision(parent, name, staff, female):
        return union_provision(
            parent_node=parent, **union_kwargs(name=name, staff_count=staff, female_staff_count=female)
        )

    u1 = provision(town, "华锐机械厂工会", 200, 60)
    u2 = provision(town, "城关纺织厂工会", 120, 90)
    u3 = provision(street, "县人民医院工会", 300, 200)
    u4 = provision(county, "县直机关工会", 80, 30)
    facts = {u1: (150, 40), u2: (100, 80), u3: (280, 190), u4: (70, 25)}
    for union, (members, female) in facts.items():
        facts_apply(union=union, deltas={(0, "members", ""): members, (0, "female_members", ""): female})

    def user(name, role, email="", **target):
        account = User.objects.create_user(username=name, password="x", full_name=name, email=email)
        RoleGrant.objects.create(user=account, role=role, **target)
        return account

    period = period_open(node=county, label="2026")
    return SimpleNamespace(
        county=county,
        town=town,
        street=street,
        other_county=other_county,
        u1=u1,
        u2=u2,
        u3=u3,
        u4=u4,
        period=period,
        county_admin=user("县总管理员", "federation_admin", "county@example.cn", node=county),
        town_admin=user("城关镇管理员", "federation_admin", "town@example.cn", node=town),
        street_admin=user("东城街道管理员", "federation_admin", "street@example.cn", node=street),
        u1_admin=user("华锐管理员", "union_admin", "u1@example.cn", union=u1),
        u2_admin=user("纺织管理员", "union_admin", "u2@example.cn", union=u2),
        u3_admin=user("医院管理员", "union_admin", "", union=u3),
        u4_admin=user("机关管理员", "union_admin", "u4@example.cn", union=u4),
        outsider=user("邻县管理员", "federation_admin", "other@example.cn", node=other_county),
        year_end=date(2026, 9, 30),
    )


def county_submitted(world):
    """Every unit submits and is accepted, then the county submits to the city: the county's Submission."""
    from reporting.services import submission_accept, submission_submit

    for unit in (world.u1, world.u2, world.town, world.u3, world.street, world.u4):
        submission_accept(submission=submission_submit(period=world.period, unit=unit))
    return submission_submit(period=world.period, unit=world.county, user=world.county_admin)
