"""Live roll-up: sums up the tree, ratios of sums, branches, profile figures, query counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from membership import services as members
from rollup.catalogue import CATALOGUE
from rollup.facts import facts_apply
from rollup.selectors import period_bounds, rollup_tree
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError


def by_name(tree):
    return {unit.name: unit for unit in tree.walk()}


def test_sums_up_the_tree_and_rates_are_ratios_of_sums(county, township, street, make_union):
    a = make_union(township, name="甲厂工会", staff_count=10, female_staff_count=4, has_workers_congress=True)
    b = make_union(township, name="乙厂工会", staff_count=90, female_staff_count=10, unit_type="government")
    c = make_union(street, name="丙厂工会", staff_count=5, female_staff_count=0, ownership_type="state")
    for union, n in ((a, 9), (b, 9), (c, 1)):
        for _ in range(n):
            members.member_create(union=union, **member_kwargs(id_number=make_id(), join_date="2025-11-02"))

    tree = rollup_tree(
        node=county,
        period="2026",
        indicators=[
            "members",
            "staff",
            "join_rate",
            "unions",
            "unions_unit_government",
            "unions_workers_congress",
            "new_members",
            "unions_own_state",
        ],
    )
    units = by_name(tree)
    assert units["城关镇工会"].values["members"] == 18
    assert units["城关镇工会"].values["staff"] == 100
    # 18 / 100, not the mean of 90 % and 10 %.
    assert units["城关镇工会"].values["join_rate"] == Decimal("18.00")
    assert units["甲厂工会"].values["join_rate"] == Decimal("90.00")
    assert tree.values["members"] == 19
    assert tree.values["unions"] == 3
    assert tree.values["unions_unit_government"] == 1
    assert tree.values["unions_workers_congress"] == 1
    assert tree.values["unions_own_state"] == 1
    assert tree.values["new_members"] == 19
    assert rollup_tree(node=county, period="2025", indicators=["new_members"]).values["new_members"] == 0
    # Year to date: a month of reporting year 2026 reports that year's flows.
    assert rollup_tree(node=county, period="2026-03", indicators=["new_members"]).values["new_members"] == 19
    assert [child.name for child in tree.children] == ["城关镇工会", "东城街道工会"]
    assert {child.name for child in units["城关镇工会"].children} == {"甲厂工会", "乙厂工会"}


def test_join_rate_is_none_without_staff(county, make_union):
    union = make_union(county, staff_count=0, female_staff_count=0)
    tree = rollup_tree(node=union, period="2026", indicators=["join_rate"])
    assert tree.values["join_rate"] is None


def test_union_tree_has_branches_with_member_facts_only(county, make_union):
    from organisation.services import branch_create

    union = make_union(county, staff_count=50, female_staff_count=20)
    with schema_context(union.schema_name):
        one = branch_create(name="一车间", kind="workshop")
        branch_create(name="二车间", kind="workshop")
    members.member_create(union=union, **member_kwargs(id_number=make_id(female=True), branch=one))
    members.member_create(union=union, **member_kwargs(id_number=make_id()))
    tree = rollup_tree(
        node=union, period="2026", indicators=["members", "female_members", "staff", "join_rate"]
    )
    assert tree.kind == "union" and tree.values["members"] == 2 and tree.values["staff"] == 50
    branches = {child.name: child.values for child in tree.children}
    assert branches["一车间"] == {"members": 1, "female_members": 1, "staff": None, "join_rate": None}
    assert branches["二车间"]["members"] == 0


def test_assessment_and_model_worker_facts_roll_up(county, township, make_union):
    a = make_union(township)
    b = make_union(township)
    facts_apply(union=a, deltas={(0, "home_results", "2026"): 1, (0, "home_score_centi", "2026"): 9050})
    facts_apply(union=b, deltas={(0, "home_results", "2026"): 1, (0, "home_score_centi", "2026"): 8000})
    facts_apply(union=b, deltas={(0, "mw_level_national", ""): 2, (0, "mw_benefits_fen", "2026"): 120000})
    # A branch's 职工小家 result is not the union's 职工之家: branch rows are not summed into unions.
    facts_apply(union=b, deltas={(5, "home_results", "2026"): 1})
    tree = rollup_tree(
        node=county,
        period="2026",
        indicators=["home_score_avg", "home_results", "mw_level_national", "mw_benefits_fen"],
    )
    assert tree.values == {
        "home_score_avg": Decimal("85.25"),
        "home_results": 2,
        "mw_level_national": 2,
        "mw_benefits_fen": 120000,
    }


def test_dissolved_unions_are_left_out(county, make_union):
    union = make_union(county)
    members.member_create(union=union, **member_kwargs(id_number=make_id()))
    union.status = "dissolved"
    union.save(update_fields=["status"])
    tree = rollup_tree(node=county, period="2026", indicators=["members", "unions"])
    assert tree.values == {"members": 0, "unions": 0}


def test_bad_input_is_refused_in_chinese(county):
    with pytest.raises(DomainValidationError) as exc:
        rollup_tree(node=county, period="2026", indicators=["members", "no_such"])
    assert exc.value.errors[0].field == "indicators" and "no_such" in exc.value.errors[0].message
    with pytest.raises(DomainValidationError) as exc:
        rollup_tree(node=county, period="2026", indicators=["members"], depth=-1)
    assert exc.value.errors[0].field == "depth" and "层级深度" in exc.value.errors[0].message
    for label in ("2026Q5", "26", "2025-13", ""):
        with pytest.raises(DomainValidationError) as exc:
            period_bounds(label)
        assert exc.value.errors[0].field == "period"


def test_two_queries_whatever_the_size(county, township, street, make_union, django_assert_num_queries):
    for parent in (township, street, township):
        make_union(parent)
    connection.set_schema_to_public()
    # One cursor: django-tenants' SET search_path, the tree's nodes, every union's figures.
    with django_assert_num_queries(3):
        tree = rollup_tree(node=county, period="2026", indicators=list(CATALOGUE))
    assert len([u for u in tree.walk() if u.kind == "union"]) == 3
