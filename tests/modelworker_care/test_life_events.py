"""Life events: recorded with date and note, effects through the registry, history immutable."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from tests.support.modelworker_care import freeze, register_worker
from unionhub.errors import DomainValidationError


@pytest.fixture
def worker(world, monkeypatch):
    freeze(monkeypatch, date(2026, 11, 20))
    return register_worker(node=world.county, union=world.u1, awarded_on=date(2023, 4, 28))


def _record(worker, kind, occurred_on=date(2026, 6, 1), **extra):
    from modelworker_care.services.life_events import life_event_record

    return life_event_record(worker=worker, kind=kind, occurred_on=occurred_on, **extra)


def _stocks(union):
    from rollup.selectors import facts_for_union

    return {
        indicator: value
        for (_, indicator, period), value in facts_for_union(union=union).items()
        if not period
    }


def _codes(exc_info):
    return [(e.field, e.code) for e in exc_info.value.errors]


def test_a_transfer_moves_the_worker_and_the_figures_to_the_new_union(worker, world):
    event = _record(worker, "transfer", to_union=world.u2, note="调入人民医院", actor=world.staff)
    worker.refresh_from_db()
    assert worker.employing_union_id == world.u2.pk and worker.employer_name == world.u2.name
    assert (event.from_union_id, event.to_union_id, event.from_employer_name) == (
        world.u1.pk,
        world.u2.pk,
        world.u1.name,
    )
    assert _stocks(world.u1) == {}
    assert _stocks(world.u2) == {"mw_status_managed": 1, "mw_level_city": 1, "mw_category_frontline": 1}
    # To an employer outside the system: the worker leaves the unions' figures.
    _record(worker, "transfer", occurred_on=date(2026, 9, 1), to_employer_name="外省某集团")
    worker.refresh_from_db()
    assert worker.employing_union_id is None and worker.employer_name == "外省某集团"
    assert _stocks(world.u2) == {}


def test_settling_abroad_and_death_change_the_status_through_the_registry(worker, world):
    from modelworkers.models import ModelWorkerStatusChange

    abroad = _record(worker, "abroad", occurred_on=date(2026, 3, 1), note="出境定居加拿大")
    worker.refresh_from_db()
    assert worker.status == "abroad" and worker.status_changed_on == date(2026, 3, 1)
    assert abroad.status_change.to_status == "abroad"
    death = _record(worker, "death", occurred_on=date(2026, 10, 2))
    worker.refresh_from_db()
    assert worker.status == "deceased"
    assert death.status_change == ModelWorkerStatusChange.objects.filter(worker=worker).latest("id")
    with pytest.raises(DomainValidationError) as exc_info:
        _record(worker, "retirement", occurred_on=date(2026, 10, 3))
    assert _codes(exc_info) == [("worker", "deceased")]


@pytest.mark.parametrize(
    "kind, occurred_on, extra, expected",
    [
        ("death", date(2026, 11, 21), {}, ("occurred_on", "in_future")),
        ("death", date(2023, 1, 1), {}, ("occurred_on", "before_award")),
        ("transfer", date(2026, 6, 1), {}, ("to_employer_name", "required")),
        (
            "retirement",
            date(2026, 6, 1),
            {"to_employer_name": "某厂"},
            ("to_employer_name", "not_a_transfer"),
        ),
    ],
)
def test_bad_events_are_refused_and_nothing_written(worker, kind, occurred_on, extra, expected):
    from modelworker_care.models import LifeEvent
    from modelworkers.models import ModelWorkerStatusChange

    with pytest.raises(DomainValidationError) as exc_info:
        _record(worker, kind, occurred_on=occurred_on, **extra)
    assert _codes(exc_info) == [expected]
    assert not LifeEvent.objects.exists()
    assert ModelWorkerStatusChange.objects.filter(worker=worker).count() == 1


def test_an_illegal_transition_is_refused_with_the_event_field_named(worker, world):
    """The registry's transition table decides: a revoked title admits no further status change."""
    from modelworkers.services import revocation_approve, revocation_propose

    revocation = revocation_propose(worker=worker, grounds=["fraud"])
    revocation_approve(revocation=revocation, approval_document="示范市委〔2026〕2号")
    worker.refresh_from_db()
    with pytest.raises(DomainValidationError) as exc_info:
        _record(worker, "abroad")
    assert _codes(exc_info) == [("kind", "illegal_transition")]


def test_retirement_is_recorded_once_and_the_term_continues(worker):
    _record(worker, "retirement", note="办理退休手续")
    worker.refresh_from_db()
    assert worker.status == "managed"
    with pytest.raises(DomainValidationError) as exc_info:
        _record(worker, "retirement", occurred_on=date(2026, 7, 1))
    assert _codes(exc_info) == [("kind", "already_retired")]


def test_the_history_cannot_be_changed_in_the_database(worker):
    event = _record(worker, "retirement")
    for statement in (
        "UPDATE modelworker_care_lifeevent SET note = 'x' WHERE id = %s",
        "DELETE FROM modelworker_care_lifeevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [event.pk])
