"""The due calendar: computed from the term, the allowance rules and what was given."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.modelworker_care import freeze, register_worker


def _term(awarded_on, worker_id=1, node_id=1, level="city"):
    from modelworker_care.due import Term
    from modelworkers.terms import continuation_last_day

    return Term(worker_id, node_id, level, awarded_on, continuation_last_day(awarded_on))


@pytest.mark.parametrize(
    "awarded_on, first, last",
    [
        (date(2024, 2, 29), date(2024, 3, 1), date(2029, 2, 1)),
        (date(2024, 4, 28), date(2024, 5, 1), date(2029, 4, 1)),
        (date(2024, 4, 30), date(2024, 5, 1), date(2029, 4, 1)),
        (date(2024, 1, 31), date(2024, 2, 1), date(2029, 1, 1)),
        (date(2023, 12, 31), date(2024, 1, 1), date(2028, 12, 1)),
    ],
)
def test_sixty_allowance_months_whatever_the_award_day(awarded_on, first, last):
    from modelworker_care.due import allowance_months

    months = allowance_months(_term(awarded_on))
    assert len(months) == 60 and months[0] == first and months[-1] == last


def test_annual_items_fall_on_31_december_and_on_the_last_day_in_the_final_year():
    from modelworker_care.due import annual_due_on, term_years

    term = _term(date(2024, 4, 28))  # last day 2029-04-28
    assert list(term_years(term)) == [2024, 2025, 2026, 2027, 2028, 2029]
    assert annual_due_on(term, 2026) == date(2026, 12, 31)
    assert annual_due_on(term, 2029) == date(2029, 4, 28)


def test_due_items_leave_out_what_was_given_and_follow_the_rules():
    from modelworker_care.due import RuleSpan, due_items

    term = _term(date(2024, 4, 28))
    rules = {
        (1, "city"): [
            RuleSpan(1, 1, "city", date(2020, 1, 1), date(2028, 12, 31), 13000),
            RuleSpan(2, 1, "city", date(2029, 1, 1), None, 15000),
        ]
    }
    given = {(1, "health_check", 2028), (1, "allowance", date(2028, 12, 1))}
    items = due_items([term], start=date(2028, 12, 1), end=date(2029, 2, 28), rules=rules, given=given)
    assert [(i.kind, i.due_on, i.year, i.month, i.amount_fen) for i in items] == [
        ("assessment", date(2028, 12, 31), 2028, None, None),
        ("rest_stay", date(2028, 12, 31), 2028, None, None),
        ("allowance", date(2029, 1, 31), 2029, date(2029, 1, 1), 15000),
        ("allowance", date(2029, 2, 28), 2029, date(2029, 2, 1), 15000),
    ]
    last = due_items([term], start=date(2029, 4, 1), end=date(2029, 5, 31), rules=rules, given=set())
    assert [(i.kind, i.due_on) for i in last] == [
        ("assessment", date(2029, 4, 28)),
        ("health_check", date(2029, 4, 28)),
        ("rest_stay", date(2029, 4, 28)),
        ("term_end", date(2029, 4, 28)),
        ("allowance", date(2029, 4, 30)),
    ]


def test_the_calendar_from_the_database(world, monkeypatch):
    from accounts.access import actor_for
    from modelworker_care.selectors import due_calendar, due_window, workers_visible
    from modelworker_care.services.allowances import allowance_rule_create
    from modelworker_care.services.assessments import assessment_sign
    from modelworker_care.services.benefits import allowance_pay, benefit_give

    freeze(monkeypatch, date(2026, 12, 10))
    allowance_rule_create(
        node=world.county, level="city", effective_from=date(2020, 1, 1), monthly_amount_fen=13000
    )
    paid = register_worker(node=world.county, union=world.u1, awarded_on=date(2022, 1, 10))
    unpaid = register_worker(
        node=world.county, union=world.u2, awarded_on=date(2021, 12, 31)
    )  # ends 2026-12-31
    elsewhere = register_worker(
        node=world.other_county, awarded_on=date(2022, 1, 10), employer_name="邻县某厂"
    )
    allowance_pay(worker=paid, from_month=date(2026, 12, 1), given_on=date(2026, 12, 5))
    benefit_give(worker=paid, kind="health_check", given_on=date(2026, 5, 1), amount_fen=50000)
    assessment_sign(
        worker=paid, year=2026, side="federation", result="pass", actor=world.staff
    )  # pending: due

    start, end = due_window(today=date(2026, 12, 10), days=30)
    items = due_calendar(workers=workers_visible(actor_for(world.staff)), start=start, end=end)
    by_worker = {}
    for item in items:
        by_worker.setdefault(item.worker_id, []).append((item.kind, item.due_on))
    assert by_worker[paid.pk] == [
        ("assessment", date(2026, 12, 31)),
        ("rest_stay", date(2026, 12, 31)),
    ]
    assert by_worker[unpaid.pk] == [
        ("allowance", date(2026, 12, 31)),
        ("assessment", date(2026, 12, 31)),
        ("health_check", date(2026, 12, 31)),
        ("rest_stay", date(2026, 12, 31)),
        ("term_end", date(2026, 12, 31)),
    ]
    assert elsewhere.pk not in by_worker
    # The union sees its own model workers only.
    union_items = due_calendar(
        workers=workers_visible(actor_for(world.u1_admin), union=world.u1), start=start, end=end
    )
    assert {item.worker_id for item in union_items} == {paid.pk}
    # Overdue: allowances never paid since the award are listed when asked for.
    overdue_start, _ = due_window(today=date(2026, 12, 10), days=30, include_overdue=True)
    overdue = due_calendar(
        workers=workers_visible(actor_for(world.staff)), start=overdue_start, end=end, kinds=["allowance"]
    )
    assert len([i for i in overdue if i.worker_id == unpaid.pk]) == 60
    # Feb 2022 .. Dec 2026 is 59 months; December was paid (January 2027 falls due after the window).
    assert len([i for i in overdue if i.worker_id == paid.pk]) == 58


def test_ended_workers_have_nothing_due(world, monkeypatch):
    from accounts.access import actor_for
    from modelworker_care.selectors import due_calendar, workers_visible

    freeze(monkeypatch, date(2026, 11, 20))
    worker = register_worker(
        node=world.county, union=world.u1, awarded_on=date(2021, 1, 5), today=date(2026, 11, 20)
    )
    assert worker.status == "ended"  # the registry records a term already over as ended
    items = due_calendar(
        workers=workers_visible(actor_for(world.staff)), start=date(2020, 1, 1), end=date(2027, 1, 1)
    )
    assert items == []
