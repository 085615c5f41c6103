"""A county with two townships and three unions (schemas provisioned), admins, and a running drive."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.utils import timezone

from federations.middleware import forget_host
from tests.factories import union_kwargs


@pytest.fixture(autouse=True)
def _fresh_caches():
    # Rate-limit counters (LocMemCache) and host lookups outlive a test's rolled-back transaction.
    cache.clear()
    forget_host()
    yield
    cache.clear()
    forget_host()


@pytest.fixture
def world(db):
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from drives.services import TargetSpec, drive_create
    from federations.services import node_create, union_host, union_provision
    from organisation.models import Branch
    from tests.support.graphql import make_union

    county = node_create(level="county", name="示范县总工会", division_code="330122")
    town_a = node_create(level="township", name="东镇工会", division_code="330122", parent=county)
    town_b = node_create(level="street", name="西街道工会", division_code="330122", parent=county)
    other_county = node_create(level="county", name="邻县总工会", division_code="330127")

    def provision(parent, name, staff):
        return union_provision(
            parent_node=parent, **union_kwargs(name=name, staff_count=staff, female_staff_count=0)
        )

    u1 = provision(town_a, "东镇机械厂工会", 200)
    u2 = provision(town_a, "东镇纺织厂工会", 50)
    # Public rows only (no schema): enough for links, access and progress, and faster.
    u3 = make_union(town_b, **union_kwargs(name="西街快递站工会", staff_count=80, female_staff_count=0))
    outsider = make_union(
        other_county, **union_kwargs(name="邻县化工厂工会", staff_count=30, female_staff_count=0)
    )
    with schema_context(u1.schema_name):
        b1 = Branch.objects.create(name="一车间分会")
        b2 = Branch.objects.create(name="二车间分会")

    fed_admin = User.objects.create_user(username="drive_fed_admin", password="x")
    RoleGrant.objects.create(user=fed_admin, role="federation_admin", node=county)
    u1_admin = User.objects.create_user(username="drive_u1_admin", password="x")
    RoleGrant.objects.create(user=u1_admin, role="union_admin", union=u1)
    u2_admin = User.objects.create_user(username="drive_u2_admin", password="x")
    RoleGrant.objects.create(user=u2_admin, role="union_admin", union=u2)
    outsider_admin = User.objects.create_user(username="drive_outsider_admin", password="x")
    RoleGrant.objects.create(user=outsider_admin, role="federation_admin", node=other_county)

    today = timezone.localdate()
    drive = drive_create(
        owner_node=county,
        name="新就业形态劳动者入会集中行动",
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=30),
        targets=[
            TargetSpec(union=u1, new_members=20, rate_target_permille=900),
            TargetSpec(union=u1, branch_id=b1.pk, new_members=12),
            TargetSpec(union=u2, new_members=5, rate_target_permille=800),
            TargetSpec(union=u3, new_members=8),
        ],
        actor_id=fed_admin.pk,
    )
    return SimpleNamespace(
        county=county,
        town_a=town_a,
        town_b=town_b,
        other_county=other_county,
        u1=u1,
        u2=u2,
        u3=u3,
        outsider=outsider,
        b1=b1,
        b2=b2,
        fed_admin=fed_admin,
        u1_admin=u1_admin,
        u2_admin=u2_admin,
        outsider_admin=outsider_admin,
        drive=drive,
        today=today,
        host=union_host,
    )


@pytest.fixture
def link_for():
    """A signed joining-link token for (drive, union, branch)."""
    from drives.links import link_token

    def make(drive, union, branch=None):
        return link_token(drive=drive, union_id=union.pk, branch_id=branch.pk if branch else 0)

    return make
