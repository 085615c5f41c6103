"""Allowance rules (no overlaps, a new rule supersedes from its date), benefits given in fen, the live fact
mw_benefits_fen by reporting year of the payment date, and the totals per year."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.modelworker_care import freeze, register_worker
from unionhub.errors import DomainValidationError


def _codes(exc_info) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc_info.value.errors]


def _rule(node, effective_from, amount, level="city"):
    from modelworker_care.services.allowances import allowance_rule_create

    return allowance_rule_create(
        node=node, level=level, effective_from=effective_from, monthly_amount_fen=amount
    )


def _benefit_facts(union):
    from rollup.selectors import facts_for_union

    return {
        period: value
        for (_, indicator, period), value in facts_for_union(union=union).items()
        if indicator == "mw_benefits_fen"
    }


def test_a_new_rule_supersedes_the_latest_from_its_date(world):
    from modelworker_care.models import AllowanceRule

    first = _rule(world.county, date(2020, 1, 1), 13000)
    second = _rule(world.county, date(2024, 7, 1), 15000)
    first.refresh_from_db()
    assert first.effective_to == date(2024, 6, 30) and second.effective_to is None
    # Levels and nodes are separate sequences.
    _rule(world.county, date(2020, 1, 1), 17000, level="national")
    _rule(world.town, date(2020, 1, 1), 5000)
    assert AllowanceRule.objects.count() == 4


@pytest.mark.parametrize(
    "effective_from, field, code",
    [
        (date(2024, 7, 1), "effective_from", "overlap"),  # the same start as the latest
        (date(2022, 1, 1), "effective_from", "overlap"),  # inside the latest rule's period
        (date(2019, 1, 1), "effective_from", "overlap"),  # before every rule
        (date(2025, 3, 15), "effective_from", "not_month_start"),
    ],
)
def test_overlapping_or_malformed_rules_are_refused_and_nothing_written(world, effective_from, field, code):
    from modelworker_care.models import AllowanceRule

    _rule(world.county, date(2020, 1, 1), 13000)
    _rule(world.county, date(2024, 7, 1), 15000)
    before = list(
        AllowanceRule.objects.order_by("pk").values_list(
            "effective_from", "effective_to", "monthly_amount_fen"
        )
    )
    with pytest.raises(DomainValidationError) as exc_info:
        _rule(world.county, effective_from, 20000)
    assert _codes(exc_info) == [(field, code)]
    after = list(
        AllowanceRule.objects.order_by("pk").values_list(
            "effective_from", "effective_to", "monthly_amount_fen"
        )
    )
    assert after == before


def test_negative_amounts_are_refused(world):
    with pytest.raises(DomainValidationError) as exc_info:
        _rule(world.county, date(2020, 1, 1), -1)
    assert _codes(exc_info) == [("monthly_amount_fen", "negative")]


@pytest.fixture
def worker(world, monkeypatch):
    freeze(monkeypatch, date(2026, 11, 20))
    _rule(world.county, date(2020, 1, 1), 13000)
    _rule(world.county, date(2024, 7, 1), 15000)
    # Term 2023-05-01 .. 2028-04-30; allowance months 2023-05 .. 2028-04.
    return register_worker(node=world.county, union=world.u1, awarded_on=date(2023, 4, 30))


def test_allowances_are_paid_per_month_at_the_rule_in_force(worker, world):
    from modelworker_care.services.benefits import allowance_pay

    rows = allowance_pay(
        worker=worker, from_month=date(2024, 5, 1), to_month=date(2024, 8, 20), given_on=date(2024, 9, 5)
    )
    assert [(r.month, r.amount_fen) for r in rows] == [
        (date(2024, 5, 1), 13000),
        (date(2024, 6, 1), 13000),
        (date(2024, 7, 1), 15000),
        (date(2024, 8, 1), 15000),
    ]
    # Paid on 2024-09-05: reporting year 2024 (1 Oct 2023 - 30 Sep 2024).
    assert _benefit_facts(world.u1) == {"2024": 56000}
    allowance_pay(worker=worker, from_month=date(2024, 9, 1), given_on=date(2024, 10, 8))
    assert _benefit_facts(world.u1) == {"2024": 56000, "2025": 15000}


@pytest.mark.parametrize(
    "from_month, to_month, code",
    [
        (date(2023, 4, 1), date(2023, 5, 1), "outside_term"),  # April 2023 starts before the term
        (date(2028, 5, 1), date(2028, 5, 1), "outside_term"),  # after the term
        (date(2024, 6, 1), date(2024, 7, 1), "already_given"),
    ],
)
def test_months_outside_the_term_or_already_paid_are_refused_and_nothing_written(
    worker, world, from_month, to_month, code
):
    from modelworker_care.models import BenefitGrant
    from modelworker_care.services.benefits import allowance_pay

    allowance_pay(worker=worker, from_month=date(2024, 6, 1), given_on=date(2024, 6, 30))
    with pytest.raises(DomainValidationError) as exc_info:
        allowance_pay(worker=worker, from_month=from_month, to_month=to_month, given_on=date(2024, 8, 1))
    assert ("from_month", code) in _codes(exc_info)
    assert BenefitGrant.objects.count() == 1
    assert _benefit_facts(world.u1) == {"2024": 13000}


def test_no_rule_no_allowance(world, monkeypatch):
    from modelworker_care.services.benefits import allowance_pay

    freeze(monkeypatch, date(2026, 11, 20))
    worker = register_worker(
        node=world.county, union=world.u1, awarded_on=date(2023, 4, 30), level="national"
    )
    with pytest.raises(DomainValidationError) as exc_info:
        allowance_pay(worker=worker, from_month=date(2024, 5, 1), given_on=date(2024, 6, 1))
    assert _codes(exc_info) == [("from_month", "no_rule")]


def test_annual_benefits_once_a_year_and_hardship_relief(worker, world):
    from modelworker_care.services.benefits import benefit_give

    benefit_give(worker=worker, kind="health_check", given_on=date(2024, 4, 10), amount_fen=80000)
    benefit_give(worker=worker, kind="rest_stay", year=2024, given_on=date(2024, 10, 10), amount_fen=300000)
    with pytest.raises(DomainValidationError) as exc_info:
        benefit_give(worker=worker, kind="health_check", year=2024, given_on=date(2024, 11, 1), amount_fen=1)
    assert _codes(exc_info) == [("year", "already_given")]
    with pytest.raises(DomainValidationError) as exc_info:
        benefit_give(worker=worker, kind="health_check", year=2029, given_on=date(2026, 1, 1), amount_fen=1)
    assert _codes(exc_info) == [("year", "outside_term")]
    with pytest.raises(DomainValidationError) as exc_info:
        benefit_give(worker=worker, kind="hardship", given_on=date(2025, 1, 20), amount_fen=0)
    assert _codes(exc_info) == [("amount_fen", "not_positive")]
    benefit_give(
        worker=worker, kind="hardship", given_on=date(2025, 1, 20), amount_fen=100000, note="因病致困"
    )
    benefit_give(worker=worker, kind="hardship", given_on=date(2025, 9, 20), amount_fen=50000)
    assert _benefit_facts(world.u1) == {"2024": 80000, "2025": 450000}


def test_benefit_totals_per_reporting_year(worker, world):
    from accounts.access import actor_for
    from modelworker_care.selectors import benefit_totals, workers_visible
    from modelworker_care.services.benefits import allowance_pay, benefit_give

    allowance_pay(
        worker=worker, from_month=date(2024, 1, 1), to_month=date(2024, 3, 1), given_on=date(2024, 3, 31)
    )
    benefit_give(worker=worker, kind="hardship", given_on=date(2024, 10, 1), amount_fen=100000)
    benefit_give(worker=worker, kind="health_check", given_on=date(2024, 9, 30), amount_fen=50000)
    totals = benefit_totals(workers=workers_visible(actor_for(world.staff)))
    assert totals == [
        {"reporting_year": "2025", "kind": "hardship", "count": 1, "amount_fen": 100000},
        {"reporting_year": "2024", "kind": "allowance", "count": 3, "amount_fen": 39000},
        {"reporting_year": "2024", "kind": "health_check", "count": 1, "amount_fen": 50000},
    ]
    assert _benefit_facts(world.u1) == {"2024": 89000, "2025": 100000}
    assert benefit_totals(workers=workers_visible(actor_for(world.outsider_admin))) == []


def test_a_revoked_title_ends_the_benefits(worker, world):
    from modelworker_care.services.benefits import benefit_give
    from modelworkers.services import revocation_approve, revocation_propose

    revocation = revocation_propose(worker=worker, grounds=["criminal_penalty"], note="判处刑罚")
    revocation_approve(revocation=revocation, approval_document="示范市委〔2026〕1号")
    worker.refresh_from_db()
    with pytest.raises(DomainValidationError) as exc_info:
        benefit_give(worker=worker, kind="hardship", given_on=date(2026, 11, 20), amount_fen=100)
    assert _codes(exc_info) == [("worker", "revoked")]
