"""Live facts: maintained in the same transaction as each change, and always equal to a recount from the table."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from membership import services
from membership.facts import facts_count_union
from membership.models import STATUS_REASONS, Member, MemberStatus
from rollup import indicators as ind
from rollup.indicators import reporting_year, reporting_year_bounds
from rollup.models import LiveFact
from rollup.selectors import facts_for_union
from tests.membership.helpers import make_id, member_kwargs
from unionhub.errors import DomainValidationError


def test_reporting_year_runs_from_october_to_september():
    assert reporting_year(date(2025, 11, 2)) == "2026"
    assert reporting_year(date(2025, 10, 1)) == "2026"
    assert reporting_year(date(2025, 9, 30)) == "2025"
    assert reporting_year(date(2026, 1, 1)) == "2026"
    assert reporting_year_bounds("2026") == (date(2025, 10, 1), date(2026, 9, 30))


def test_create_counts_per_branch_and_union(union):
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        branch = branch_create(name="装配车间工会", kind="workshop")
    services.member_create(
        union=union,
        **member_kwargs(
            id_number=make_id(female=True), employment_type="migrant", branch=branch, join_date="2025-11-02"
        ),
    )
    services.member_create(union=union, **member_kwargs(employment_type="new_form", join_date="2025-09-30"))
    facts = facts_for_union(union=union)
    assert facts == {
        (0, "members", ""): 2,
        (0, "female_members", ""): 1,
        (0, "migrant_members", ""): 1,
        (0, "new_form_members", ""): 1,
        (0, "new_members", "2026"): 1,
        (0, "new_members", "2025"): 1,
        (branch.pk, "members", ""): 1,
        (branch.pk, "female_members", ""): 1,
        (branch.pk, "migrant_members", ""): 1,
        (branch.pk, "new_members", "2026"): 1,
    }
    row = LiveFact.objects.get(union=union, branch_id=0, indicator="members", period="")
    assert row.node_path == union.node_path  # subtree dashboards read facts by path prefix


def test_a_failed_change_leaves_the_facts_alone(union, other_union):
    number = make_id()
    services.member_create(union=other_union, **member_kwargs(id_number=number))
    before = facts_for_union(union=union)
    with pytest.raises(DomainValidationError):
        services.member_create(union=union, **member_kwargs(id_number=number))
    assert facts_for_union(union=union) == before == {}


def test_recount_repairs_drifted_facts(union):
    services.member_create(union=union, **member_kwargs())
    LiveFact.objects.filter(union=union, branch_id=0, indicator="members").update(value=42)
    LiveFact.objects.create(union=union, node_path=union.node_path, branch_id=9, indicator="members", value=5)
    recounted = services.facts_recount_union(union=union)
    assert recounted[(0, "members", "")] == 1
    assert facts_for_union(union=union, indicators=ind.MEMBER_INDICATORS) == recounted


def _reason(status: str) -> str:
    return next(code for code in STATUS_REASONS[status] if code not in ("joined", "transferred_in"))


operation = st.one_of(
    st.tuples(
        st.just("create"),
        st.booleans(),
        st.sampled_from(["regular", "agency", "migrant", "new_form", "retired"]),
        st.integers(min_value=-1, max_value=2),
        st.dates(min_value=date(2023, 6, 1), max_value=date(2025, 12, 31)),
        st.sampled_from(["joined", "joined", "transferred_in"]),
    ),
    st.tuples(
        st.just("status"), st.integers(min_value=0, max_value=30), st.sampled_from(MemberStatus.values)
    ),
    st.tuples(
        st.just("move"), st.integers(min_value=0, max_value=30), st.integers(min_value=-1, max_value=2)
    ),
    st.tuples(
        st.just("retype"), st.integers(min_value=0, max_value=30), st.sampled_from(["agency", "regular"])
    ),
)


@pytest.fixture
def branches(union):
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        top = branch_create(name="一分会")
        return [top, branch_create(name="二分会"), branch_create(name="甲小组", kind="group", parent=top)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(operation, min_size=1, max_size=12))
def test_maintained_facts_equal_a_recount_after_any_sequence(union, branches, operations):
    today = timezone.localdate()
    with schema_context(union.schema_name):
        members = list(Member.objects.order_by("pk"))
        for op in operations:
            try:
                if op[0] == "create":
                    _, female, employment, branch_index, joined, origin = op
                    members.append(
                        services.member_create(
                            union=union,
                            origin=origin,
                            **member_kwargs(
                                id_number=make_id(female=female),
                                employment_type=employment,
                                branch=branches[branch_index] if branch_index >= 0 else None,
                                join_date=min(joined, today),
                            ),
                        )
                    )
                elif members and op[0] == "status":
                    member = members[op[1] % len(members)]
                    services.member_change_status(
                        member=member, to_status=op[2], reason=_reason(op[2]), effective_on=today
                    )
                elif members and op[0] == "move":
                    member = members[op[1] % len(members)]
                    services.member_update(member=member, branch=branches[op[2]] if op[2] >= 0 else None)
                elif members and op[0] == "retype":
                    services.member_update(member=members[op[1] % len(members)], employment_type=op[2])
            except DomainValidationError:
                pass  # illegal transitions are refused; the invariant must hold all the same
        counted = facts_count_union()
    assert facts_for_union(union=union, indicators=ind.MEMBER_INDICATORS) == counted
    assert services.facts_recount_union(union=union) == counted
