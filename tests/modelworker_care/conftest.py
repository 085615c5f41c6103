"""A county (the awarding federation) with a township, two unions, an outside county, and their staff."""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def world(db):
    from accounts.models import RoleGrant, User
    from federations.services import node_create
    from tests.factories import union_kwargs
    from tests.support.graphql import make_union

    city = node_create(level="city", name="示范市总工会", division_code="330100")
    county = node_create(level="county", name="示范县总工会", division_code="330122", parent=city)
    town = node_create(level="township", name="城关镇工会", division_code="330122", parent=county)
    other_county = node_create(level="county", name="邻县总工会", division_code="330127")
    # Public rows only (no schema): the care records live in the public schema.
    u1 = make_union(town, **union_kwargs(name="华锐机械厂工会"))
    u2 = make_union(county, **union_kwargs(name="人民医院工会"))
    outsider = make_union(other_county, **union_kwargs(name="邻县化工厂工会"))

    def user(username, role, email=True, **target):
        account = User.objects.create_user(
            username=username, password="x", email=f"{username}@example.cn" if email else ""
        )
        RoleGrant.objects.create(user=account, role=role, **target)
        return account

    return SimpleNamespace(
        city=city,
        county=county,
        town=town,
        other_county=other_county,
        u1=u1,
        u2=u2,
        outsider=outsider,
        city_staff=user("mwc_city_staff", "federation_staff", node=city),
        staff=user("mwc_staff", "federation_staff", node=county),
        admin=user("mwc_admin", "federation_admin", node=county),
        no_mail_staff=user("mwc_staff_nomail", "federation_staff", email=False, node=county),
        u1_admin=user("mwc_u1_admin", "union_admin", union=u1),
        u1_officer=user("mwc_u1_officer", "union_officer", union=u1),
        u2_admin=user("mwc_u2_admin", "union_admin", union=u2),
        outsider_admin=user("mwc_outsider_admin", "federation_admin", node=other_county),
        outsider_union_admin=user("mwc_outsider_union_admin", "union_admin", union=outsider),
    )
