"""A county with two provisioned unions, a branch with members, an open round with the union's 职工之家 and the
branch's 职工小家 as participants, and users in every relevant role."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection

from tests.factories import union_kwargs


@pytest.fixture(autouse=True)
def _public_schema_after():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _local_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }


@pytest.fixture
def world(db):
    from django_tenants.utils import schema_context

    from accounts.models import RoleGrant, User
    from federations.services import node_create, union_host, union_provision
    from membership.services import member_create
    from organisation.models import Branch
    from tests.support.members import make_id, member_kwargs
    from tests.support.selfassessment import add_participant, make_round

    county = node_create(level="county", name="评家县总工会", division_code="330122")
    union = union_provision(parent_node=county, **union_kwargs(name="华锐精密机械厂工会"))
    other = union_provision(parent_node=county, **union_kwargs(name="鼎盛纺织厂工会"))
    with schema_context(union.schema_name):
        branch = Branch.objects.create(name="一车间分会")
        sub = Branch.objects.create(name="一车间甲班小组", parent=branch)
        elsewhere = Branch.objects.create(name="二车间分会")

    people = {}
    for key, name, unit in (
        ("wang", "王伟", branch),
        ("li", "李娜", sub),
        ("zhao", "赵强", elsewhere),
        ("sun", "孙丽", None),
    ):
        number = make_id()
        member = member_create(
            union=union, **member_kwargs(name=name, id_number=number, branch=unit and unit.pk)
        )
        people[key] = SimpleNamespace(member=member, id_number=number, name=name)
    retired_number = make_id()
    retired = member_create(union=union, **member_kwargs(name="钱退休", id_number=retired_number))
    from membership.services import member_change_status

    member_change_status(
        union=union, member=retired, to_status="retained", reason="retired", effective_on=date(2026, 1, 5)
    )
    people["qian"] = SimpleNamespace(member=retired, id_number=retired_number, name="钱退休")

    round_ = make_round(county)
    home = add_participant(round_, union)
    small_home = add_participant(round_, union, branch)
    other_home = add_participant(round_, other)

    def user(name, role, **target):
        account = User.objects.create_user(username=name, password="x")
        if role:
            RoleGrant.objects.create(user=account, role=role, **target)
        return account

    return SimpleNamespace(
        county=county,
        union=union,
        other=other,
        branch=branch,
        sub=sub,
        elsewhere=elsewhere,
        people=people,
        round=round_,
        home=home,
        small_home=small_home,
        other_home=other_home,
        admin=user("sa_admin", "union_admin", union=union),
        officer=user("sa_officer", "union_officer", union=union),
        branch_officer=user("sa_branch_officer", "branch_officer", union=union, branch_id=branch.pk),
        other_admin=user("sa_other_admin", "union_admin", union=other),
        fed_admin=user("sa_fed_admin", "federation_admin", node=county),
        host=union_host(union.slug),
        other_host=union_host(other.slug),
    )


# The files app's S3 fixtures (a moto server over HTTP), for evidence stored in a bucket.
from tests.support.storage import s3_bucket, s3_client, s3_endpoint  # noqa: E402, F401
