"""Status transitions: every legal one works (history row, facts moved), every illegal one is refused with
nothing written; the history is append-only in the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import DatabaseError, transaction

from modelworkers.models import WorkerStatus
from modelworkers.services import TRANSITIONS, modelworker_transition, revocation_approve, revocation_propose
from unionhub.errors import DomainValidationError

from .helpers import error_of, history, mw_facts

S = WorkerStatus
ALL = list(S.values)
LEGAL = [(a, b) for a in ALL for b in ALL if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]

# A worker whose 5-year term ended on 2025-06-01 but is still "managed" (registered before the term ended).
AWARDED = date(2020, 6, 1)
TERM_OVER = date(2025, 6, 2)


def _managed(register):
    return register(awarded_on=AWARDED, today=date(2025, 1, 1))


def _move(worker, to_status, *, on, actor=None):
    """Reach `to_status` the legal way: revocation through a proposal and its approval."""
    if to_status == S.REVOKED:
        revocation = revocation_propose(
            worker=worker, grounds=["criminal_penalty"], note="判处有期徒刑", on=on
        )
        revocation_approve(revocation=revocation, approval_document="县委〔2025〕1号", on=on, actor=actor)
        worker.refresh_from_db()
        return worker
    return modelworker_transition(worker=worker, to_status=to_status, on=on, reason="测试", actor=actor)


def _reach(register, status):
    """A worker in `status`, by the shortest legal path from managed."""
    worker = _managed(register)
    if status == S.MANAGED:
        return worker
    return _move(worker, status, on=TERM_OVER)


def test_transition_table_covers_every_status_and_terminals_are_final():
    assert set(TRANSITIONS) == set(S.values)
    assert TRANSITIONS[S.REVOKED] == frozenset() and TRANSITIONS[S.DECEASED] == frozenset()


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_every_legal_transition_works(world, register, from_status, to_status):
    worker = _reach(register, from_status)
    before = history(worker)
    worker = _move(worker, to_status, on=TERM_OVER + timedelta(days=10), actor=world.fed_admin)
    assert worker.status == to_status
    assert history(worker) == [*before, (from_status, to_status)]
    facts = mw_facts(world.factory)
    assert facts[f"mw_status_{to_status}"] == 1
    assert f"mw_status_{from_status}" not in facts
    holding = to_status in {S.MANAGED, S.ABROAD}  # an ended term no longer holds the title
    assert (facts.get("mw_level_county"), facts.get("mw_category_frontline")) == (
        (1, 1) if holding else (None, None)
    )


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_every_illegal_transition_is_refused_and_nothing_is_written(world, register, from_status, to_status):
    worker = _reach(register, from_status)
    before = (history(worker), mw_facts(world.factory))
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(
            worker=worker, to_status=to_status, on=TERM_OVER + timedelta(days=10), reason="x"
        )
    assert error_of(exc_info) == ("to_status", "illegal_transition")
    worker.refresh_from_db()
    assert worker.status == from_status
    assert (history(worker), mw_facts(world.factory)) == before


def test_term_end_is_refused_while_the_term_runs(world, register):
    worker = _managed(register)
    assert worker.continuation_last_day == date(2025, 6, 1)
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(worker=worker, to_status=S.ENDED, on=date(2025, 6, 1))
    assert error_of(exc_info) == ("on", "term_not_over")
    modelworker_transition(worker=worker, to_status=S.ENDED, on=date(2025, 6, 2))


def test_revoked_only_through_an_approved_revocation(world, register):
    worker = _managed(register)
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(worker=worker, to_status=S.REVOKED, on=TERM_OVER)
    assert error_of(exc_info) == ("grounds", "revocation_required")
    assert history(worker) == [("", "managed")]


@pytest.mark.parametrize(
    ("on", "code"),
    [
        (date(2020, 5, 31), "before_last_change"),  # before the award
        (date(2999, 1, 1), "in_future"),
    ],
)
def test_bad_effective_dates_are_refused(world, register, on, code):
    worker = _managed(register)
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(worker=worker, to_status=S.DECEASED, on=on)
    assert error_of(exc_info) == ("on", code)


def test_a_change_cannot_predate_the_previous_one(world, register):
    worker = _move(_managed(register), S.ABROAD, on=date(2024, 3, 1))
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(worker=worker, to_status=S.DECEASED, on=date(2024, 2, 1))
    assert error_of(exc_info) == ("on", "before_last_change")


def test_unknown_status_is_refused(world, register):
    worker = _managed(register)
    with pytest.raises(DomainValidationError) as exc_info:
        modelworker_transition(worker=worker, to_status="retired", on=TERM_OVER)
    assert error_of(exc_info) == ("to_status", "invalid_choice")


def test_history_rows_cannot_be_updated_or_deleted(world, register):
    from modelworkers.models import ModelWorkerStatusChange

    worker = _managed(register)
    row = ModelWorkerStatusChange.objects.get(worker=worker)
    for action in (
        lambda: ModelWorkerStatusChange.objects.filter(pk=row.pk).update(reason="改写"),
        lambda: ModelWorkerStatusChange.objects.filter(pk=row.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            action()
    assert ModelWorkerStatusChange.objects.get(pk=row.pk).reason == row.reason


def test_workers_without_a_union_in_the_system_are_not_in_the_facts(world, register):
    from rollup.models import LiveFact

    before = LiveFact.objects.filter(indicator__startswith="mw_").count()
    worker = register(
        employing_union=None, employer_name="外地某公司", awarded_on=AWARDED, today=date(2025, 1, 1)
    )
    modelworker_transition(worker=worker, to_status=S.DECEASED, on=TERM_OVER)
    assert LiveFact.objects.filter(indicator__startswith="mw_").count() == before


def test_employer_change_moves_the_facts(world, register):
    from modelworkers.services import modelworker_employer_change

    worker = _managed(register)
    modelworker_employer_change(worker=worker, union=world.hospital, employer_name="", on=TERM_OVER)
    assert mw_facts(world.factory) == {}
    assert mw_facts(world.hospital) == {
        "mw_status_managed": 1,
        "mw_level_county": 1,
        "mw_category_frontline": 1,
    }
    worker.refresh_from_db()
    assert (worker.employing_union_id, worker.employer_name, worker.status) == (
        world.hospital.pk,
        world.hospital.name,
        S.MANAGED,
    )


def test_maintained_facts_equal_a_recount_after_a_mixed_history(world, register):
    from modelworkers.services import facts_recount, modelworker_employer_change

    workers = [_managed(register) for _ in range(5)]
    register(category="farmer", level="city", awarded_on=date(2015, 5, 1))  # ended at registration
    _move(workers[0], S.ENDED, on=TERM_OVER)
    _move(workers[1], S.REVOKED, on=TERM_OVER)
    _move(_move(workers[2], S.ABROAD, on=TERM_OVER), S.DECEASED, on=TERM_OVER + timedelta(days=3))
    modelworker_employer_change(worker=workers[3], union=world.hospital, employer_name="", on=TERM_OVER)
    for union in (world.factory, world.hospital):
        expected = {
            indicator: value for (_, indicator, _), value in facts_recount(union=union).items() if value
        }
        assert mw_facts(union) == expected
    assert mw_facts(world.factory)["mw_status_managed"] == 1
    assert (
        mw_facts(world.factory)["mw_level_county"] == 1
    )  # managed only; ended, revoked and deceased drop out


def test_an_ended_term_no_longer_counts_as_holding_the_title_in_the_stock_figures(world, register):
    worker = _managed(register)
    assert (
        mw_facts(world.factory).get("mw_level_county"),
        mw_facts(world.factory).get("mw_category_frontline"),
    ) == (
        1,
        1,
    )
    worker = _move(worker, S.ENDED, on=TERM_OVER)
    facts = mw_facts(world.factory)
    assert facts["mw_status_ended"] == 1
    assert "mw_level_county" not in facts and "mw_category_frontline" not in facts
    # The record stays open for a revocation found later (deeds found false).
    revocation = revocation_propose(
        worker=worker, grounds=["criminal_penalty"], note="判处有期徒刑", on=TERM_OVER
    )
    assert revocation.pk
