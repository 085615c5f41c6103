"""Live facts: maintained in the same transaction as each change, and always equal to a recount from the table."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from hypothesis import given, settings
from hypothesis import strategies as st

from membership import services
from membership.facts import facts_count_union
from membership.models import STATUS_REASONS, Member, MemberStatus
from rollup import indicators as ind
from rollup.indicators import reporting_year, reporting_year_bounds
from rollup.models import LiveFact
from rollup.selectors import facts_for_union
from tests.acceptance import Tally
from tests.support.members import make_id, member_kwargs
from unionhub.errors import DomainValidationError, FieldError


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


create = st.tuples(
    st.just("create"),
    st.booleans(),
    st.sampled_from(["regular", "agency", "migrant", "new_form", "retired"]),
    st.integers(min_value=-1, max_value=2),
    st.dates(min_value=date(2023, 6, 1), max_value=date(2025, 12, 31)),
    st.sampled_from(["joined", "joined", "transferred_in"]),
)
status = st.tuples(
    st.just("status"), st.integers(min_value=0, max_value=30), st.sampled_from(MemberStatus.values)
)
move = st.tuples(
    st.just("move"), st.integers(min_value=0, max_value=30), st.integers(min_value=-1, max_value=2)
)
retype = st.tuples(
    st.just("retype"), st.integers(min_value=0, max_value=30), st.sampled_from(["agency", "regular"])
)
operation = st.one_of(create, status, move, retype)
# Every sequence starts with a create (so there is a member to change) and tries every kind of change at least
# once, in any order among up to 8 more random operations.
sequence = st.tuples(
    create, st.lists(status, min_size=1, max_size=2), move, retype, st.lists(operation, max_size=8)
)
sequence = sequence.flatmap(
    lambda parts: st.permutations([*parts[1], parts[2], parts[3], *parts[4]]).map(
        lambda rest: [parts[0], *rest]
    )
)


@pytest.fixture
def branches(union):
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        top = branch_create(name="一分会")
        return [top, branch_create(name="二分会"), branch_create(name="甲小组", kind="group", parent=top)]


def _run_sequences(union, branches, tally: Tally, max_examples: int) -> None:
    @settings(max_examples=max_examples, deadline=None)
    @given(operations=sequence)
    def run(operations):
        today = timezone.localdate()
        with schema_context(union.schema_name):
            members = list(Member.objects.order_by("pk"))
            for op in operations:
                # Illegal transitions are refused (the tally counts them); the invariant must hold all the same.
                if op[0] == "create":
                    _, female, employment, branch_index, joined, origin = op
                    with tally.attempt("create"):
                        kwargs = member_kwargs(
                            id_number=make_id(female=female),
                            employment_type=employment,
                            branch=branches[branch_index] if branch_index >= 0 else None,
                            join_date=min(joined, today),
                        )
                        members.append(services.member_create(union=union, origin=origin, **kwargs))
                elif members and op[0] == "status":
                    member = members[op[1] % len(members)]
                    with tally.attempt("status"):
                        services.member_change_status(
                            member=member, to_status=op[2], reason=_reason(op[2]), effective_on=today
                        )
                elif members and op[0] == "move":
                    member = members[op[1] % len(members)]
                    with tally.attempt("move"):
                        services.member_update(member=member, branch=branches[op[2]] if op[2] >= 0 else None)
                elif members and op[0] == "retype":
                    with tally.attempt("retype"):
                        services.member_update(member=members[op[1] % len(members)], employment_type=op[2])
            counted = facts_count_union()
        tally.example_done()
        assert facts_for_union(union=union, indicators=ind.MEMBER_INDICATORS) == counted
        assert services.facts_recount_union(union=union) == counted

    run()


# Over a run of 12 examples: a member created, moved and retyped in every example (none of these is refused
# for a member of the union) and a handful of legal status changes, so the facts were really maintained through
# every kind of change; illegal status changes are refused and counted apart.
ENOUGH = {"create": 12, "move": 12, "retype": 12, "status": 4}


def test_maintained_facts_equal_a_recount_after_any_sequence(union, branches):
    tally = Tally()
    _run_sequences(union, branches, tally, max_examples=12)
    tally.require(ENOUGH)


def test_the_acceptance_check_fails_when_every_operation_is_refused(union, branches, monkeypatch):
    """The check above can fail: with every write refused the invariant still holds (over empty tables), and
    only the tally notices."""

    def refuse(**_):
        raise DomainValidationError([FieldError("member", "invalid", "拒绝")])

    for name in ("member_create", "member_change_status", "member_update"):
        monkeypatch.setattr(services, name, refuse)
    tally = Tally()
    _run_sequences(union, branches, tally, max_examples=5)
    assert sum(tally.refused.values()) > 0
    with pytest.raises(AssertionError, match="too few generated operations were accepted"):
        tally.require(ENOUGH)
