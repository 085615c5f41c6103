"""A small federation for the web UI tests: a county with a township, two unions with schemas, members and branches,
a running drive with targets and an application waiting in the approval queue."""

from __future__ import annotations

import itertools
from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from tests.factories import union_kwargs
from tests.support.members import make_id

PASSWORD = "Web-ui-test-2026"
_worlds = itertools.count(1)


def build_world(tag: str | None = None) -> SimpleNamespace:
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from drives.links import link_token
    from drives.services import TargetSpec, drive_create
    from federations.services import node_create, union_host, union_provision
    from membership.services import member_create
    from organisation.models import Branch
    from recruitment.services import application_submit
    from tests.support.graphql import make_union

    tag = tag or f"w{next(_worlds)}"
    today = timezone.localdate()
    county = node_create(level="county", name="示范县总工会", division_code="330122")
    town = node_create(level="township", name="城关镇工会", division_code="330122", parent=county)
    street = node_create(level="street", name="东城街道工会", division_code="330122", parent=county)
    other_county = node_create(level="county", name="邻县总工会", division_code="330127")

    u1 = union_provision(
        parent_node=town,
        **union_kwargs(slug=f"{tag}-jixie", name="华锐机械厂工会", staff_count=40, female_staff_count=10),
    )
    u2 = union_provision(
        parent_node=county,
        **union_kwargs(slug=f"{tag}-yiyuan", name="人民医院工会", staff_count=20, female_staff_count=12),
    )
    # Public rows only (no schema): counted in staff, no members.
    u3 = make_union(street, **union_kwargs(name="东城快递站工会", staff_count=30, female_staff_count=0))
    outsider = make_union(other_county, **union_kwargs(name="邻县化工厂工会", staff_count=50))

    with schema_context(u1.schema_name):
        b1 = Branch.objects.create(name="一车间分会")
        b2 = Branch.objects.create(name="二车间分会")
    names = ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆", "赵磊", "黄丽"]
    for i, name in enumerate(names[:6]):
        member_create(
            union=u1,
            name=name,
            id_number=make_id(female=i % 2 == 1),
            employment_type="regular" if i < 4 else "migrant",
            join_date=today if i < 3 else today - timedelta(days=800),
            branch=b1 if i < 4 else b2,
        )
    for name in names[6:]:
        member_create(union=u2, name=name, id_number=make_id(), employment_type="regular", join_date=today)

    def user(username, role, **target):
        account = User.objects.create_user(username=f"{tag}_{username}", password=PASSWORD)
        RoleGrant.objects.create(user=account, role=role, **target)
        return account

    fed_admin = user("county_admin", "federation_admin", node=county)
    town_staff = user("town_staff", "federation_staff", node=town)
    u1_admin = user("u1_admin", "union_admin", union=u1)
    u2_admin = user("u2_admin", "union_admin", union=u2)
    outsider_admin = user("outsider_admin", "federation_admin", node=other_county)

    drive = drive_create(
        owner_node=county,
        name="新就业形态劳动者入会集中行动",
        starts_on=today - timedelta(days=5),
        ends_on=today + timedelta(days=30),
        targets=[
            TargetSpec(union=u1, new_members=10, rate_target_permille=900),
            TargetSpec(union=u2, new_members=4),
            TargetSpec(union=u3, new_members=6),
        ],
        actor_id=fed_admin.pk,
    )
    from tests.support.selfassessment import add_participant, make_round

    home_participant = add_participant(make_round(county), u1)  # u1's 职工之家 in an open assessment round
    token = link_token(drive=drive, union_id=u1.pk)
    with schema_context(u1.schema_name):
        application = application_submit(
            token=token,
            union=u1,
            name="孙强",
            id_number=make_id(),
            phone="13800138000",
            employment_type="new_form",
            consent=True,
            branch_id=b2.pk,
        )
    return SimpleNamespace(
        tag=tag,
        today=today,
        county=county,
        town=town,
        street=street,
        other_county=other_county,
        u1=u1,
        u2=u2,
        u3=u3,
        outsider=outsider,
        b1=b1,
        b2=b2,
        fed_admin=fed_admin,
        town_staff=town_staff,
        u1_admin=u1_admin,
        u2_admin=u2_admin,
        outsider_admin=outsider_admin,
        drive=drive,
        join_token=token,
        application=application,
        home_participant=home_participant,
        host=union_host,
    )
