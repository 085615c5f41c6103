"""Live progress per county, township, union and branch: one aggregate query, matching hand-computed figures."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from tests.support.drives import gql, resident_id


@pytest.fixture
def progressed(world, link_for):
    """Approvals in u1 (two in branch 1, one without branch); pushed facts for u2, u3 and the outsider."""
    from drives.services import drive_progress_apply
    from recruitment.services import application_approve, application_submit
    from rollup.facts import facts_apply

    facts_apply(union=world.u1, deltas={(0, "members", ""): 150, (world.b1.pk, "members", ""): 40})
    facts_apply(union=world.u2, deltas={(0, "members", ""): 30})
    facts_apply(union=world.u3, deltas={(0, "members", ""): 20})
    facts_apply(union=world.outsider, deltas={(0, "members", ""): 25})
    with schema_context(world.u1.schema_name):
        for branch in (world.b1, world.b1, None):
            application = application_submit(
                token=link_for(world.drive, world.u1, branch),
                union=world.u1,
                name="周九",
                id_number=resident_id(),
                phone="13700137000",
                employment_type="migrant",
                consent=True,
            )
            application_approve(union=world.u1, application=application)
    drive_progress_apply(drive_id=world.drive.pk, union=world.u2, branch_id=None, delta=4)
    drive_progress_apply(drive_id=world.drive.pk, union=world.u3, branch_id=None, delta=6)
    # Not covered by the county's drive (another county): must never count.
    drive_progress_apply(drive_id=world.drive.pk, union=world.outsider, branch_id=None, delta=99)
    return world


def _figures(rows):
    return {
        (r.level, r.name): (
            r.new_members,
            r.new_members_target,
            r.members,
            r.staff,
            r.rate_permille,
            r.rate_target_permille,
        )
        for r in rows
    }


def test_rollup_over_two_townships_matches_hand_computed_values(progressed):
    from accounts.access import actor_for
    from drives.selectors import drive_progress

    w = progressed
    rows = drive_progress(actor=actor_for(w.fed_admin), drive=w.drive)
    # (new members, target, members, staff, 入会率 ‰, target 入会率 ‰)
    assert _figures(rows) == {
        # 3+4+6 new; 20+5+8 target; 153+30+20 members / 200+50+80 staff = 615.2‰; (900*200+800*50)/250 = 880‰
        ("county", "示范县总工会"): (13, 33, 203, 330, 615, 880),
        ("township", "东镇工会"): (7, 25, 183, 250, 732, 880),
        ("township", "西街道工会"): (6, 8, 20, 80, 250, None),
        ("union", "东镇机械厂工会"): (3, 20, 153, 200, 765, 900),
        ("union", "东镇纺织厂工会"): (4, 5, 30, 50, 600, 800),
        ("union", "西街快递站工会"): (6, 8, 20, 80, 250, None),
        ("branch", "一车间分会"): (2, 12, 42, None, None, None),
    }
    assert [r.level for r in rows] == ["county", "township", "township", "union", "union", "union", "branch"]


def _statements(captured) -> int:
    # django-tenants may reset the search_path first; that is not a query over data.
    return sum(1 for q in captured.captured_queries if not q["sql"].startswith("SET search_path"))


def test_progress_is_one_query_whatever_the_number_of_unions(progressed):
    from accounts.access import actor_for
    from drives.models import Drive
    from drives.selectors import drive_progress
    from drives.services import drive_progress_apply
    from tests.support.graphql import make_union

    w = progressed
    actor = actor_for(w.fed_admin)
    drive = Drive.objects.select_related("owner_node").get(pk=w.drive.pk)
    with CaptureQueriesContext(connection) as few:
        drive_progress(actor=actor, drive=drive)
    for _ in range(5):
        union = make_union(w.town_b, staff_count=10, female_staff_count=0)
        drive_progress_apply(drive_id=drive.pk, union=union, branch_id=None, delta=1)
    with CaptureQueriesContext(connection) as many:
        rows = drive_progress(actor=actor, drive=drive)
    assert _statements(few) == _statements(many) == 1
    assert _figures(rows)[("county", "示范县总工会")][:2] == (18, 33)


def test_union_admin_sees_only_its_union_and_branches(progressed):
    w = progressed
    query = (
        "query($d: ID!) { driveProgress(drive: $d) { level name newMembers newMembersTarget ratePermille } }"
    )
    client = Client()
    client.force_login(w.u1_admin)
    variables = {"d": to_global_id("Drive", w.drive.pk)}
    on_host = gql(client, w.host(w.u1.slug), query, variables)["driveProgress"]
    assert on_host == [
        {
            "level": "UNION",
            "name": "东镇机械厂工会",
            "newMembers": 3,
            "newMembersTarget": 20,
            "ratePermille": 765,
        },
        {
            "level": "BRANCH",
            "name": "一车间分会",
            "newMembers": 2,
            "newMembersTarget": 12,
            "ratePermille": None,
        },
    ]
    on_public = gql(client, "testserver", query, variables)["driveProgress"]
    assert [r["name"] for r in on_public] == ["东镇机械厂工会", "一车间分会"]

    client.force_login(w.outsider_admin)
    assert gql(client, "testserver", query, variables)["driveProgress"] == []
    assert gql(client, w.host(w.u1.slug), query, variables)["driveProgress"] == []


def test_federation_admin_gets_node_rows_through_graphql(progressed):
    w = progressed
    client = Client()
    client.force_login(w.fed_admin)
    query = "query($d: ID!) { driveProgress(drive: $d) { level name nodeId members staff ratePermille rateTargetPermille } }"
    rows = gql(client, "testserver", query, {"d": to_global_id("Drive", w.drive.pk)})["driveProgress"]
    county = rows[0]
    assert county == {
        "level": "COUNTY",
        "name": "示范县总工会",
        "nodeId": to_global_id("FederationNode", w.county.pk),
        "members": 203,
        "staff": 330,
        "ratePermille": 615,
        "rateTargetPermille": 880,
    }
    assert len(rows) == 7


def test_a_member_added_by_hand_or_import_during_the_drive_in_its_unit_is_a_new_member_of_the_drive(world):
    from datetime import timedelta

    from drives.models import DriveProgress
    from membership.bulk import members_bulk_create
    from membership.services import member_create
    from membership.validation import member_row_context, member_row_validate
    from tests.support.members import member_kwargs

    def progress(union, branch_id=0):
        row = DriveProgress.objects.filter(drive=world.drive, union=union, branch_id=branch_id).first()
        return row.new_members if row else 0

    # By hand, in a branch, during the drive: the branch and the union count it.
    member_create(union=world.u1, **member_kwargs(join_date=world.today, branch=world.b1.pk))
    # Before the drive started, or a transfer in: not a new member of the drive.
    member_create(union=world.u1, **member_kwargs(join_date=world.today - timedelta(days=30)))
    member_create(union=world.u1, origin="transferred_in", **member_kwargs(join_date=world.today))
    assert (progress(world.u1), progress(world.u1, world.b1.pk)) == (1, 1)
    # By import, during the drive.
    raw = [member_kwargs(join_date=world.today.isoformat()) for _ in range(2)]
    rows = []
    with schema_context(world.u2.schema_name):
        context = member_row_context(union=world.u2, id_numbers=[row["id_number"] for row in raw])
        for row in raw:
            clean, errors = member_row_validate(row, union=world.u2, context=context)
            assert not errors
            rows.append(clean)
    members_bulk_create(union=world.u2, rows=rows)
    assert progress(world.u2) == 2
