"""Logic checks (逻辑检查): each failure names the unit and the rule; live and frozen figures."""

from __future__ import annotations

from datetime import date

from django_tenants.utils import schema_context

from federations.models import FederationNode, Union
from membership import services as members
from rollup.checks import logic_checks
from rollup.facts import facts_apply
from rollup.periods import period_close, period_open
from tests.support.members import make_id, member_kwargs


def rules(failures):
    return {(f.unit_kind, f.unit_name, f.rule) for f in failures}


def test_clean_data_passes(county, township, make_union):
    union = make_union(township, staff_count=10, female_staff_count=5)
    members.member_create(union=union, **member_kwargs(id_number=make_id(female=True)))
    assert logic_checks(node=county, period="2026") == []
    assert logic_checks(node=union, period="2026") == []


def test_value_rules_name_the_unit_and_the_rule(county, township, make_union):
    union = make_union(township, name="超员工会", staff_count=1, female_staff_count=0)
    for _ in range(3):
        members.member_create(union=union, **member_kwargs(id_number=make_id(female=True)))
    facts_apply(
        union=union,
        deltas={(0, "home_appraisal_responses", "2026"): 5, (0, "home_appraisal_invited", "2026"): 4},
    )
    failures = logic_checks(node=county, period="2026")
    assert rules(failures) == {
        ("union", "超员工会", "members_le_staff_retained"),
        ("union", "超员工会", "female_members_le_female_staff_retained"),
        ("union", "超员工会", "appraisal_responses_le_invited"),
    }
    message = next(f.message for f in failures if f.rule == "members_le_staff_retained")
    assert message == "基层工会“超员工会”未通过逻辑检查：会员人数 ≤ 职工人数 + 保留会籍人数（3 > 1）"


def test_branch_rules(county, make_union):
    from organisation.services import branch_create

    union = make_union(county, name="分会工会")
    with schema_context(union.schema_name):
        branch = branch_create(name="一车间", kind="workshop")
    members.member_create(union=union, **member_kwargs(id_number=make_id(), branch=branch))
    # A broken branch figure (female members above members).
    facts_apply(union=union, deltas={(branch.pk, "female_members", ""): 2})
    assert rules(logic_checks(node=union, period="2026")) == {
        ("branch", "一车间", "female_members_le_members")
    }
    assert rules(logic_checks(node=county, period="2026", branches=True)) == {
        ("branch", "一车间", "female_members_le_members")
    }
    assert logic_checks(node=county, period="2026") == []


def test_every_union_and_node_has_a_valid_parent(county, township, make_union):
    union = make_union(township, name="迷路工会")
    # A stale copy of the parent's path (the roll-up reads unions by this copy).
    Union.objects.filter(pk=union.pk).update(node_path=f"{county.path}")
    FederationNode.objects.create(
        level="township", name="无主镇工会", division_code="330122", parent=None, path=f"{county.path}999999/"
    )
    failures = logic_checks(node=county, period="2026")
    assert rules(failures) == {
        ("union", "迷路工会", "union_has_parent"),
        ("node", "无主镇工会", "node_has_parent"),
    }
    assert all("上级组织" in f.message for f in failures)


def test_checks_on_a_snapshot(county, make_union, django_capture_on_commit_callbacks):
    from jobs.celery_app import app

    union = make_union(county, name="快照工会", staff_count=1, female_staff_count=0)
    for _ in range(2):
        members.member_create(union=union, **member_kwargs(id_number=make_id()))
    period = period_open(node=county, label="2026")
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            period_close(period=period, today=date(2026, 10, 1))
    finally:
        app.conf.task_always_eager = saved
    snapshot = period.snapshots.get()
    # Fixed live afterwards: the frozen figures still fail, the live ones pass.
    from federations.services import union_update_profile

    union_update_profile(union=Union.objects.get(pk=union.pk), staff_count=5)
    assert rules(logic_checks(node=county, period="2026", snapshot=snapshot)) == {
        ("union", "快照工会", "members_le_staff_retained")
    }
    assert logic_checks(node=county, period="2026") == []
