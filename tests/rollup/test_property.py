"""Property: for random federation trees and member sets in real union schemas, every rolled-up value (at every
node, union and branch) equals a brute-force recount from the unions' own member tables and profiles."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership import services as members
from membership.models import STATUS_REASONS, Member
from rollup.indicators import reporting_year
from rollup.selectors import rollup_tree
from tests.acceptance import Tally
from tests.factories import union_kwargs
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError, FieldError

INDICATORS = [
    "members",
    "female_members",
    "migrant_members",
    "agency_members",
    "new_form_members",
    "retained_members",
    "new_members",
    "member_records_ok",
    "unions",
    "staff",
    "female_staff",
    "unions_unit_enterprise",
    "unions_own_state",
    "join_rate",
    "data_quality",
]
MEMBER_CODES = INDICATORS[:8]

member_strategy = st.tuples(
    st.booleans(),  # female
    st.sampled_from(["regular", "agency", "migrant", "new_form", "retired"]),
    st.integers(min_value=-1, max_value=1),  # branch index, -1: none
    st.dates(min_value=date(2024, 6, 1), max_value=date(2026, 6, 30)),
    st.sampled_from(["active", "active", "retained", "withdrawn"]),
    st.booleans(),  # ethnicity given (record complete)
)
union_strategy = st.tuples(
    st.integers(min_value=0, max_value=2),  # parent: 0 the county, else township 1 or 2
    st.integers(min_value=0, max_value=40),  # staff
    st.sampled_from(["enterprise", "government"]),
    st.sampled_from(["state", "private"]),
    st.lists(member_strategy, max_size=6),
)


def _reason(status: str) -> str:
    return next(code for code in STATUS_REASONS[status] if code not in ("joined", "transferred_in"))


def brute_force(union, year: str) -> tuple[Counter, dict[int, Counter]]:
    """Count the member indicators straight from the union's members table, in Python."""
    totals: Counter = Counter()
    by_branch: dict[int, Counter] = {}
    with schema_context(union.schema_name):
        rows = list(
            Member.objects.values_list(
                "branch_id", "status", "sex", "employment_type", "join_date", "origin", "phone", "ethnicity"
            )
        )
    for branch_id, status, sex, employment, joined, origin, phone, ethnicity in rows:
        counts: Counter = Counter()
        if status == "active":
            counts["members"] += 1
            counts["female_members"] += sex == "female"
            counts["migrant_members"] += employment == "migrant"
            counts["agency_members"] += employment == "agency"
            counts["new_form_members"] += employment == "new_form"
        if status == "retained":
            counts["retained_members"] += 1
        if status in ("active", "retained") and phone and ethnicity:
            counts["member_records_ok"] += 1
        if origin == "joined" and reporting_year(joined) == year:
            counts["new_members"] += 1
        totals.update(counts)
        if branch_id:
            by_branch.setdefault(branch_id, Counter()).update(counts)
    return totals, by_branch


def _levels(tree, level: int = 0) -> list[tuple]:
    """The tree in order as (level below the root, kind, id, values)."""
    rows = [(level, tree.kind, tree.id, tree.values)]
    for child in tree.children:
        rows.extend(_levels(child, level + 1))
    return rows


@pytest.fixture
def pool(county):
    """Three real union schemas, provisioned once per test: every example re-parents and refills them (creating
    schemas per example would hold too many locks in the test's one transaction)."""
    from federations.services import union_provision

    return [union_provision(parent_node=county, **union_kwargs(female_staff_count=0)) for _ in range(3)]


def _parking():
    from federations.models import FederationNode
    from federations.services import node_create

    return FederationNode.objects.filter(name="停放县总工会").first() or node_create(
        level="county", name="停放县总工会", division_code="330122"
    )


def _reset(union, *, parent, staff, unit_type, ownership):
    """Empty the union's members, branches and facts, and move it under `parent` (as a re-parenting would)."""
    from federations.models import Union
    from membership.models import DuesPayment, MemberStatusChange
    from organisation.models import Branch
    from people.models import PersonMembership
    from rollup.models import LiveFact

    with schema_context(union.schema_name):
        DuesPayment.objects.all().delete()
        MemberStatusChange.objects.all().delete()
        Member.objects.all().delete()
        Branch.objects.all().delete()
    PersonMembership.objects.filter(union=union).delete()
    LiveFact.objects.filter(union=union).delete()
    Union.objects.filter(pk=union.pk).update(
        parent_node=parent,
        node_path=parent.path,
        staff_count=staff,
        unit_type=unit_type,
        ownership_type=ownership,
    )
    return Union.objects.get(pk=union.pk)


# Over a run of 10 examples of 1-3 unions with up to 6 members each: members really counted in the figures,
# and members moved out of "active" (retained, withdrawn) so the status indicators count something.
ENOUGH = {"create": 15, "status": 3}


def test_rollup_equals_brute_force_recount(county, pool):
    tally = Tally()
    _run_trees(county, pool, tally, max_examples=10)
    tally.require(ENOUGH)


def test_the_acceptance_check_fails_when_every_member_is_refused(county, pool, monkeypatch):
    """The check above can fail: with every member refused the figures still equal the recount (zeros), and
    only the tally notices."""

    def refuse(**_):
        raise DomainValidationError([FieldError("member", "invalid", "拒绝")])

    monkeypatch.setattr(members, "member_create", refuse)
    tally = Tally()
    _run_trees(county, pool, tally, max_examples=3)
    with pytest.raises(AssertionError, match="too few generated operations were accepted"):
        tally.require(ENOUGH)


def _run_trees(county, pool, tally: Tally, max_examples: int) -> None:
    @settings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        specs=st.lists(union_strategy, min_size=1, max_size=3),
        year=st.sampled_from(["2025", "2026"]),
        depths=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=3, unique=True),
    )
    def run(specs, year, depths):
        _check_tree(county, pool, tally, specs, year, depths)
        tally.example_done()

    run()


def _check_tree(county, pool, tally: Tally, specs, year, depths) -> None:
    from federations.models import FederationNode
    from federations.services import node_create
    from organisation.services import branch_create

    # Every pool union is first parked outside the county (those this example does not use stay there), so the
    # previous example's townships can go.
    for union in pool:
        _reset(union, parent=_parking(), staff=0, unit_type="enterprise", ownership="private")
    FederationNode.objects.filter(parent=county).delete()
    towns = [
        node_create(level="township", name=f"镇{i}", division_code="330122", parent=county) for i in (1, 2)
    ]
    parents = [county, *towns]
    expected_units = {}
    union_rows = []
    for union, (parent_index, staff, unit_type, ownership, member_specs) in zip(pool, specs, strict=False):
        union = _reset(
            union, parent=parents[parent_index], staff=staff, unit_type=unit_type, ownership=ownership
        )
        with schema_context(union.schema_name):
            branches = [branch_create(name="一分会"), branch_create(name="二分会")]
        for female, employment, branch_index, joined, status, ethnic in member_specs:
            # Refused input is counted by the tally; the invariant must hold all the same.
            created = False
            with tally.attempt("create"):
                member = members.member_create(
                    union=union,
                    **member_kwargs(
                        id_number=make_id(female=female),
                        employment_type=employment,
                        branch=branches[branch_index] if branch_index >= 0 else None,
                        join_date=joined,
                        ethnicity="汉族" if ethnic else "",
                    ),
                )
                created = True
            if created and status != "active":
                with tally.attempt("status"):
                    members.member_change_status(
                        union=union,
                        member=member,
                        to_status=status,
                        reason=_reason(status),
                        effective_on=date(2026, 7, 1),
                    )
        totals, by_branch = brute_force(union, year)
        totals["unions"] = 1
        totals["staff"] = staff
        totals["unions_unit_enterprise"] = unit_type == "enterprise"
        totals["unions_own_state"] = ownership == "state"
        expected_units[("union", union.pk)] = totals
        union_rows.append((union, parents[parent_index], by_branch, branches))

    # Node totals: every union whose parent is the node or lies below it.
    for node in parents:
        total: Counter = Counter()
        for union, parent, _by_branch, _branches in union_rows:
            if parent.path.startswith(node.path):
                total.update(expected_units[("union", union.pk)])
        expected_units[("node", node.pk)] = total

    connection.set_schema_to_public()
    tree = rollup_tree(node=county, period=year, indicators=INDICATORS)
    seen = set()
    for unit in tree.walk():
        expected = expected_units[(unit.kind, unit.id)]
        seen.add((unit.kind, unit.id))
        for code in INDICATORS[:-2]:
            assert unit.values[code] == expected[code], (unit.kind, unit.name, code)
        members_, staff_ = expected["members"], expected["staff"]
        join_rate = unit.values["join_rate"]
        assert (join_rate is None) == (staff_ == 0)
        if staff_:
            assert abs(float(join_rate) - 100 * members_ / staff_) < 0.01
    assert seen == set(expected_units)

    # A depth only prunes: the tree returned is the whole tree cut at that depth, values and order included.
    for depth in depths:
        pruned = rollup_tree(node=county, period=year, indicators=INDICATORS, depth=depth)
        assert _levels(pruned) == [row for row in _levels(tree) if row[0] <= depth], depth

    # Each union with its branches.
    for union, _parent, by_branch, branches in union_rows:
        union_tree = rollup_tree(node=union, period=year, indicators=MEMBER_CODES)
        assert {code: union_tree.values[code] for code in MEMBER_CODES} == {
            code: expected_units[("union", union.pk)][code] for code in MEMBER_CODES
        }
        assert _levels(rollup_tree(node=union, period=year, indicators=MEMBER_CODES, depth=0)) == [
            _levels(union_tree)[0]
        ]
        assert {child.id for child in union_tree.children} == {b.pk for b in branches}
        for child in union_tree.children:
            expected = by_branch.get(child.id, Counter())
            assert {code: child.values[code] for code in MEMBER_CODES} == {
                code: expected[code] for code in MEMBER_CODES
            }
