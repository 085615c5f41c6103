"""Live facts from members: what one member contributes, and counting a whole union from its members table.

Every service that changes a member computes the member's contribution before and after and applies the difference
(to the member's branch row and to the union row, branch 0) with rollup.facts.facts_apply, in the same
transaction. `facts_count_union` counts the same figures from scratch; the two must always agree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.db import connection

from rollup import indicators as ind

from .models import EmploymentType, Member, MemberOrigin, MemberStatus, Sex


class FactState(NamedTuple):
    branch_id: int | None
    status: str
    sex: str
    employment_type: str
    join_date: date
    origin: str
    # The record passes the real-name database checks (see record_ok); feeds the data-quality score.
    record_ok: bool = False


def record_ok(*, phone: str | None, ethnicity: str | None) -> bool:
    """A member record passes all checks: identity number and dates are validated on entry, so what remains is
    completeness of the fields the real-name database requires (mobile phone, ethnicity)."""
    return bool(phone) and bool(ethnicity)


# The same test in SQL, for the recount.
RECORD_OK_SQL = "(phone <> '' AND ethnicity <> '')"


def fact_state(member: Member) -> FactState:
    return FactState(
        member.branch_id,
        member.status,
        member.sex,
        member.employment_type,
        member.join_date,
        member.origin,
        record_ok(phone=member.phone, ethnicity=member.ethnicity),
    )


def contribution(state: FactState | None) -> Counter:
    """{(indicator, period): count} for one member in `state` (None: a member that does not exist)."""
    facts: Counter = Counter()
    if state is None:
        return facts
    if state.status == MemberStatus.ACTIVE:
        facts[(ind.MEMBERS, ind.STOCK)] += 1
        if state.sex == Sex.FEMALE:
            facts[(ind.FEMALE_MEMBERS, ind.STOCK)] += 1
        if state.employment_type == EmploymentType.MIGRANT:
            facts[(ind.MIGRANT_MEMBERS, ind.STOCK)] += 1
        elif state.employment_type == EmploymentType.AGENCY:
            facts[(ind.AGENCY_MEMBERS, ind.STOCK)] += 1
        elif state.employment_type == EmploymentType.NEW_FORM:
            facts[(ind.NEW_FORM_MEMBERS, ind.STOCK)] += 1
    elif state.status == MemberStatus.RETAINED:
        facts[(ind.RETAINED_MEMBERS, ind.STOCK)] += 1
    if state.record_ok and state.status in (MemberStatus.ACTIVE, MemberStatus.RETAINED):
        facts[(ind.MEMBER_RECORDS_OK, ind.STOCK)] += 1
    # A flow: joining stays counted in its reporting year whatever happens to the member later.
    if state.origin == MemberOrigin.JOINED:
        facts[(ind.NEW_MEMBERS, ind.reporting_year(state.join_date))] += 1
    return facts


def deltas_for(
    changes: Iterable[tuple[FactState | None, FactState | None]],
) -> dict[tuple[int, str, str], int]:
    """Fact deltas for (before, after) member states, at branch level and union level (branch 0)."""
    deltas: Counter = Counter()
    for before, after in changes:
        for state, sign in ((before, -1), (after, 1)):
            if state is None:
                continue
            for (indicator, period), count in contribution(state).items():
                deltas[(0, indicator, period)] += sign * count
                if state.branch_id:
                    deltas[(state.branch_id, indicator, period)] += sign * count
    return {key: value for key, value in deltas.items() if value}


def facts_count_union() -> dict[tuple[int, str, str], int]:
    """Count every membership fact of the union in the connection's schema, from its members table.

    One statement (a period close runs this for every union): stock counts per branch, then the joins per branch
    and reporting year in the first count column (the other columns NULL)."""
    sql = f"""
        SELECT false, branch_id, NULL::int,
               count(*) FILTER (WHERE status = 'active'),
               count(*) FILTER (WHERE status = 'active' AND sex = 'female'),
               count(*) FILTER (WHERE status = 'active' AND employment_type = 'migrant'),
               count(*) FILTER (WHERE status = 'active' AND employment_type = 'agency'),
               count(*) FILTER (WHERE status = 'active' AND employment_type = 'new_form'),
               count(*) FILTER (WHERE status = 'retained'),
               count(*) FILTER (WHERE status IN ('active', 'retained') AND {RECORD_OK_SQL})
        FROM membership_member GROUP BY branch_id
        UNION ALL
        SELECT true, branch_id,
               (extract(year FROM join_date)::int + CASE WHEN extract(month FROM join_date) >= %s THEN 1 ELSE 0 END),
               count(*), NULL, NULL, NULL, NULL, NULL, NULL
        FROM membership_member WHERE origin = 'joined' GROUP BY 2, 3
    """  # noqa: S608 (constant SQL)
    facts: Counter = Counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [ind.REPORTING_YEAR_START_MONTH])
        for is_flow, branch_id, year, *counts in cursor.fetchall():
            if is_flow:
                facts[(0, ind.NEW_MEMBERS, str(year))] += counts[0]
                if branch_id:
                    facts[(branch_id, ind.NEW_MEMBERS, str(year))] += counts[0]
                continue
            for indicator, count in zip(ind.MEMBER_STOCK_INDICATORS, counts, strict=True):
                if count:
                    facts[(0, indicator, ind.STOCK)] += count
                    if branch_id:
                        facts[(branch_id, indicator, ind.STOCK)] += count
    return dict(facts)
