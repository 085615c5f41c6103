"""Period close: per-union recount through the fan-out, differences flagged, one immutable snapshot, amendments."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from membership import services as members
from operations.models import FanoutProgress, ProgressStatus
from rollup.models import LiveFact, RecountDifference, Snapshot, SnapshotValue
from rollup.periods import period_close, period_open, snapshot_amend
from rollup.selectors import rollup_tree
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError

AFTER = date(2026, 11, 1)


@pytest.fixture
def world(county, township, street, make_union):
    a = make_union(township, name="甲厂工会", staff_count=10, female_staff_count=5)
    b = make_union(street, name="乙厂工会", staff_count=20, female_staff_count=5)
    for union, n in ((a, 3), (b, 2)):
        for _ in range(n):
            members.member_create(union=union, **member_kwargs(id_number=make_id(), join_date="2025-12-01"))
    return a, b


def close(period, capture, **kwargs):
    with capture(execute=True):
        return period_close(period=period, today=AFTER, **kwargs)


def test_close_recounts_flags_differences_and_freezes(
    county, township, world, eager, django_capture_on_commit_callbacks
):
    a, b = world
    # A live figure drifted (e.g. a bug or a hand edit): the recount finds and repairs it.
    LiveFact.objects.filter(union=a, branch_id=0, indicator="members", period="").update(value=7)
    period = period_open(node=county, label="2026")
    period = close(period, django_capture_on_commit_callbacks)
    period.refresh_from_db()
    assert period.status == "closed" and period.closed_at is not None
    assert FanoutProgress.objects.filter(run=period.close_run, status=ProgressStatus.DONE).count() == 2
    diffs = list(
        RecountDifference.objects.filter(period=period).values_list(
            "union_id", "indicator", "live_value", "recount_value"
        )
    )
    assert diffs == [(a.pk, "members", 7, 3)]
    assert LiveFact.objects.get(union=a, branch_id=0, indicator="members", period="").value == 3

    snapshot = Snapshot.objects.get(period=period)
    assert snapshot.version == 1 and snapshot.is_current
    frozen = rollup_tree(
        node=county,
        period="2026",
        indicators=["members", "staff", "join_rate", "new_members"],
        snapshot=snapshot,
    )
    assert (
        frozen.values["members"] == 5 and frozen.values["staff"] == 30 and frozen.values["new_members"] == 5
    )
    units = {u.name: u.values["members"] for u in frozen.walk()}
    assert units == {"示范县总工会": 5, "城关镇工会": 3, "东城街道工会": 2, "甲厂工会": 3, "乙厂工会": 2}
    frozen_top = rollup_tree(node=county, period="2026", indicators=["members"], snapshot=snapshot, depth=1)
    assert {u.name: u.values["members"] for u in frozen_top.walk()} == {
        "示范县总工会": 5,
        "城关镇工会": 3,
        "东城街道工会": 2,
    }

    # Live figures move on; the snapshot does not.
    members.member_create(union=a, **member_kwargs(id_number=make_id()))
    assert rollup_tree(node=county, period="2026", indicators=["members"]).values["members"] == 6
    assert (
        rollup_tree(node=county, period="2026", indicators=["members"], snapshot=snapshot).values["members"]
        == 5
    )

    # Closing twice is refused clearly.
    with pytest.raises(DomainValidationError) as exc:
        close(period, django_capture_on_commit_callbacks)
    assert exc.value.errors[0].code == "already_closed" and "已封账" in exc.value.errors[0].message

    # An amendment needs a reason, and is a new current version; version 1 is kept as it was.
    for reason in ("", "   "):
        with pytest.raises(DomainValidationError) as exc:
            snapshot_amend(period=period, reason=reason)
        assert exc.value.errors[0].field == "reason"
    amended = snapshot_amend(period=period, reason="甲厂补录会员一名")
    assert amended.version == 2 and amended.is_current
    snapshot.refresh_from_db()
    assert not snapshot.is_current
    assert (
        rollup_tree(node=county, period="2026", indicators=["members"], snapshot=amended).values["members"]
        == 6
    )
    assert (
        rollup_tree(node=county, period="2026", indicators=["members"], snapshot=snapshot).values["members"]
        == 5
    )


def test_recount_replaces_only_the_member_figures(county, world, eager, django_capture_on_commit_callbacks):
    a, b = world
    # A member figure the members table does not support (a branch with nobody in it) goes; another domain's
    # figure of the same union stays as it is.
    LiveFact.objects.create(
        union=a, node_path=a.node_path, branch_id=999, indicator="female_members", period="", value=4
    )
    LiveFact.objects.create(
        union=a, node_path=a.node_path, branch_id=0, indicator="home_results", period="2026", value=1
    )
    before = {
        (row.branch_id, row.indicator, row.period): row.value for row in LiveFact.objects.filter(union=b)
    }
    period = period_open(node=county, label="2026")
    close(period, django_capture_on_commit_callbacks)

    assert not LiveFact.objects.filter(union=a, branch_id=999).exists()
    assert LiveFact.objects.get(union=a, indicator="home_results").value == 1
    assert LiveFact.objects.get(union=a, branch_id=0, indicator="members", period="").value == 3
    assert list(
        RecountDifference.objects.filter(period=period).values_list(
            "union_id", "branch_id", "indicator", "live_value", "recount_value"
        )
    ) == [(a.pk, 999, "female_members", 4, 0)]
    # A union whose figures were right keeps exactly the same rows.
    after = {
        (row.branch_id, row.indicator, row.period): row.value for row in LiveFact.objects.filter(union=b)
    }
    assert after == before


def test_every_node_and_union_has_rows_even_when_empty(
    county, township, street, make_union, eager, django_capture_on_commit_callbacks
):
    make_union(township, name="空工会", staff_count=0, female_staff_count=0)
    period = close(period_open(node=county, label="2025-11"), django_capture_on_commit_callbacks)
    period.refresh_from_db()
    snapshot = period.snapshots.get()
    scopes = set(
        SnapshotValue.objects.filter(snapshot=snapshot, indicator="unions").values_list("scope", "unit_name")
    )
    assert scopes == {
        ("node", "示范县总工会"),
        ("node", "城关镇工会"),
        ("node", "东城街道工会"),
        ("union", "空工会"),
    }


def test_close_refused_before_the_end_and_while_closing(county, world):
    period = period_open(node=county, label="2026")
    with pytest.raises(DomainValidationError) as exc:
        period_close(period=period, today=date(2026, 9, 30))
    assert exc.value.errors[0].code == "not_ended"
    # Without commit (no callbacks run) the recount tasks are not sent: the period waits in "closing".
    period = period_close(period=period, today=AFTER)
    assert period.status == "closing"
    with pytest.raises(DomainValidationError) as exc:
        period_close(period=period, today=AFTER)
    assert exc.value.errors[0].code == "closing"
    assert not Snapshot.objects.filter(period=period).exists()


def test_amend_needs_a_closed_period_and_duplicates_are_refused(county):
    period = period_open(node=county, label="2026Q1")
    assert (period.kind, period.starts_on, period.ends_on) == (
        "quarterly",
        date(2026, 1, 1),
        date(2026, 3, 31),
    )
    with pytest.raises(DomainValidationError) as exc:
        snapshot_amend(period=period, reason="更正")
    assert exc.value.errors[0].code == "not_closed"
    with pytest.raises(DomainValidationError) as exc:
        period_open(node=county, label="2026Q1")
    assert exc.value.errors[0].field == "label"
    connection.set_schema_to_public()
