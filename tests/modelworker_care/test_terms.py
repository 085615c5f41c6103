"""The scheduled term end: the status changes on the day after the last day of the term, across leap years,
through the registry's transition service, and a second or concurrent run changes nothing more."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from tests.support.modelworker_care import freeze, register_worker


def _run_task(monkeypatch, day):
    """The beat task as Celery runs it (eager), on `day`."""
    from jobs.modelworker_care import modelworker_terms_end

    freeze(monkeypatch, day)
    return modelworker_terms_end.apply().get()


def _facts(union):
    from rollup.selectors import facts_for_union

    return {indicator: value for (_, indicator, _), value in facts_for_union(union=union).items()}


@pytest.mark.parametrize(
    "awarded_on, last_day, ends_on",
    [
        # Award on a leap day: 2029 has no 29 February, the term ends on the month's last day.
        (date(2024, 2, 29), date(2029, 2, 28), date(2029, 3, 1)),
        # Award on 28 February, ending in a leap year: the corresponding day is the 28th, the status changes
        # on the leap day.
        (date(2023, 2, 28), date(2028, 2, 28), date(2028, 2, 29)),
        # Award on 31 December: the status changes on New Year's Day.
        (date(2021, 12, 31), date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_the_beat_task_ends_the_term_on_the_day_after_the_last_day(
    world, monkeypatch, awarded_on, last_day, ends_on
):
    from modelworkers.models import ModelWorker, ModelWorkerStatusChange

    worker = register_worker(node=world.county, union=world.u1, awarded_on=awarded_on, today=awarded_on)
    assert worker.continuation_last_day == last_day

    assert _run_task(monkeypatch, last_day) == 0  # still managed on the last day itself
    worker.refresh_from_db()
    assert worker.status == "managed"

    assert _run_task(monkeypatch, ends_on) == 1
    worker.refresh_from_db()
    assert worker.status == "ended" and worker.status_changed_on == ends_on
    change = ModelWorkerStatusChange.objects.filter(worker=worker).latest("id")
    assert (change.from_status, change.to_status, change.effective_on) == ("managed", "ended", ends_on)
    assert _facts(world.u1)["mw_status_ended"] == 1 and "mw_status_managed" not in _facts(world.u1)

    # Running again (the same day or later) changes nothing more.
    assert _run_task(monkeypatch, ends_on) == 0
    assert _run_task(monkeypatch, date(ends_on.year + 1, 6, 1)) == 0
    assert ModelWorkerStatusChange.objects.filter(worker=worker).count() == 2  # award + end
    assert ModelWorker.objects.get(pk=worker.pk).status_changed_on == ends_on


def test_a_missed_run_dates_the_end_on_the_day_after_the_last_day(world, monkeypatch):
    worker = register_worker(
        node=world.county, union=world.u1, awarded_on=date(2019, 8, 31), today=date(2020, 1, 1)
    )
    other = register_worker(
        node=world.county, union=world.u2, awarded_on=date(2020, 3, 1), today=date(2020, 3, 1)
    )
    assert _run_task(monkeypatch, date(2024, 9, 10)) == 1  # ten days late; the other term runs to 2025-03-01
    worker.refresh_from_db()
    other.refresh_from_db()
    assert (worker.status, worker.status_changed_on) == ("ended", date(2024, 9, 1))
    assert other.status == "managed"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_end_each_term_once(monkeypatch):
    from federations.services import node_create
    from modelworker_care.services.terms import terms_end_run
    from modelworkers.models import ModelWorkerStatusChange
    from tests.factories import union_kwargs
    from tests.support.graphql import make_union

    county = node_create(level="county", name="并发县总工会", division_code="330122")
    union = make_union(county, **union_kwargs())
    workers = [
        register_worker(node=county, union=union, awarded_on=date(2020, 1, day), today=date(2020, 2, 1))
        for day in range(1, 13)
    ]
    freeze(monkeypatch, date(2025, 2, 1))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(terms_end_run(today=date(2025, 2, 1)))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results[0] + results[1]) == sorted(w.pk for w in workers)
    for worker in workers:
        assert ModelWorkerStatusChange.objects.filter(worker=worker, to_status="ended").count() == 1
    assert _facts(union) == {"mw_status_ended": 12}  # ended terms no longer hold the title
