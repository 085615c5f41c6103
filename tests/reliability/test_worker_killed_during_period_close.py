"""A worker killed (SIGKILL of its whole process group) while unions are mid-recount in a period close.

Two unions' recounts are held at their first statement (the test holds their live-fact rows locked, as a member
change in flight would), so the worker dies with exactly those two claimed and uncommitted while the other unions
are done. A new worker starts; the fan-out sweep (the beat task, sent as beat would once the lease has run out)
re-dispatches the two, and the last one to finish freezes the snapshot. The period ends closed once, with one
snapshot whose figures equal a count taken straight from the unions' members tables.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import psycopg
import pytest
from django.db import connection
from django.db.models import F

from tests.support.members import make_id, member_kwargs
from tests.support.workers import _database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MEMBERS_PER_UNION = (3, 4, 2, 5, 3)
HELD = (1, 3)  # the unions whose recount the worker is in when it is killed
AFTER_THE_YEAR = date(2026, 11, 1)


@pytest.fixture
def county_unions(county):
    """Five provisioned unions with members (some female, most joined in reporting year 2026, one earlier)."""
    from federations.services import union_provision
    from membership.services import member_create
    from tests.factories import union_kwargs

    unions = []
    for i, count in enumerate(MEMBERS_PER_UNION):
        union = union_provision(parent_node=county, **union_kwargs(name=f"结账{i}号厂工会"))
        for m in range(count):
            member_create(
                union=union,
                **member_kwargs(
                    id_number=make_id(female=m % 2 == 0),
                    join_date="2024-05-01" if m == 0 else "2025-12-01",
                ),
            )
        unions.append(union)
    yield unions
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        for union in unions:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


def other_backends() -> list[tuple[int, str | None]]:
    """(pid, wait_event_type) of every client connection to the test database except the test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, wait_event_type FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchall()


def counted_from_members_tables(union) -> dict[str, int]:
    """The union's figures for reporting year 2026, counted directly in its schema (not through the app)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE status = 'active'),
                       count(*) FILTER (WHERE status = 'active' AND sex = 'female'),
                       count(*) FILTER (WHERE origin = 'joined' AND join_date BETWEEN '2025-10-01' AND '2026-09-30')
                  FROM "{union.schema_name}".membership_member"""
        )
        members, female, new = cursor.fetchone()
    return {"members": members, "female_members": female, "new_members": new}


def test_worker_killed_mid_recount_closes_the_period_once(county, county_unions, broker, workers):
    from jobs.fanout import fanout_sweep as fanout_sweep_task
    from operations.models import FanoutProgress, FanoutRun, ProgressStatus, TaskOutbox
    from operations.selectors import fanout_progress_counts
    from operations.services import fanout_sweep
    from rollup.models import LiveFact, RecountDifference, Snapshot, SnapshotValue
    from rollup.periods import period_close, period_open

    unions = county_unions
    held = [unions[i] for i in HELD]
    # Live figures that drifted, one in a union finished before the kill and one in a union held at the kill:
    # each must be flagged exactly once and repaired.
    drift = {(unions[0].pk, "members"): 7, (held[0].pk, "female_members"): 2}
    for (union_id, indicator), extra in drift.items():
        LiveFact.objects.filter(union_id=union_id, branch_id=0, indicator=indicator, period="").update(
            value=F("value") + extra
        )
    live_before = {
        key: LiveFact.objects.get(union_id=key[0], branch_id=0, indicator=key[1], period="").value
        for key in drift
    }

    first = workers("closer", concurrency=3)
    blocker = psycopg.connect(_database_url(connection.settings_dict))
    try:
        blocker.execute(
            "SELECT id FROM public.rollup_livefact WHERE union_id = ANY(%s) FOR UPDATE",
            [[u.pk for u in held]],
        )
        period = period_close(period=period_open(node=county, label="2026"), today=AFTER_THE_YEAR)
        assert period.status == "closing"
        run = period.close_run

        def worker_stuck_in_the_held_recounts():
            counts = fanout_progress_counts(run_id=run.pk)
            waiting = [pid for pid, wait in other_backends() if wait == "Lock"]
            return (
                counts["done"] == len(unions) - len(held)
                and counts["running"] == len(held)
                and len(waiting) == len(held)
            )

        wait_for(worker_stuck_in_the_held_recounts, 60, "the other unions done and the held two mid-recount")
        workers.kill(first)
    finally:
        blocker.rollback()  # the held recounts of the dead worker go on, fail to answer, and roll back
        blocker.close()
    wait_for(lambda: not other_backends(), 30, "the dead worker's connections to end")

    period.refresh_from_db()
    assert period.status == "closing" and not Snapshot.objects.filter(period=period).exists()
    running = FanoutProgress.objects.filter(run=run, status=ProgressStatus.RUNNING)
    assert sorted(running.values_list("union_id", flat=True)) == sorted(u.pk for u in held)
    # Nothing of the held recounts was committed: their drift is still there, unflagged.
    assert not RecountDifference.objects.filter(union_id=held[0].pk).exists()
    held_drift = (held[0].pk, "female_members")
    assert (
        LiveFact.objects.get(union_id=held[0].pk, branch_id=0, indicator="female_members", period="").value
        == live_before[held_drift]
    )

    # Before the lease runs out the dead worker's claims look alive: the sweep leaves them alone.
    assert fanout_sweep() == []
    assert running.count() == len(held)

    second = workers("closer-2", concurrency=2)
    # The lease (15 minutes) runs out: the clock of this run moves back instead of the test waiting for it.
    FanoutProgress.objects.filter(run=run, status=ProgressStatus.RUNNING).update(
        claimed_at=F("claimed_at") - timedelta(seconds=run.lease_seconds + 1)
    )
    window = timedelta(seconds=run.lease_seconds + run.jitter_seconds + 1)
    FanoutRun.objects.filter(pk=run.pk).update(
        created_at=F("created_at") - window, dispatched_at=F("dispatched_at") - window
    )
    fanout_sweep_task.delay()  # what beat sends every five minutes

    def closed():
        period.refresh_from_db()
        return period.status == "closed"

    wait_for(closed, 60, "the period to close")
    assert "fan-out sweep resumed run(s)" in second.log_path.read_text()
    time.sleep(0.5)  # let any redelivered or duplicate message reach the worker: it must change nothing

    # Closed once: one snapshot, version 1; every union done, the finished ones never processed again.
    assert period.closed_at is not None
    snapshot = Snapshot.objects.get(period=period)
    assert snapshot.version == 1 and snapshot.is_current
    assert FanoutRun.objects.get(pk=run.pk).finished_at is not None
    assert fanout_progress_counts(run_id=run.pk)["done"] == len(unions)
    attempts = dict(FanoutProgress.objects.filter(run=run).values_list("union_id", "attempts"))
    assert attempts == {u.pk: 2 if u in held else 1 for u in unions}
    assert not TaskOutbox.objects.exists()

    # Each drifted figure flagged exactly once, with the live value before the close, and repaired.
    flags = list(
        RecountDifference.objects.filter(period=period).values_list("union_id", "indicator", "live_value")
    )
    assert sorted(flags) == sorted(
        (union_id, indicator, live_before[union_id, indicator]) for union_id, indicator in drift
    )

    # One value per (unit, indicator), equal to a count from the members tables; the county is their sum.
    values = list(
        SnapshotValue.objects.filter(snapshot=snapshot).values_list("scope", "unit_id", "indicator", "value")
    )
    assert max(Counter((scope, unit, code) for scope, unit, code, _ in values).values()) == 1
    frozen = {(scope, unit, code): value for scope, unit, code, value in values}
    totals = Counter()
    for union in unions:
        counted = counted_from_members_tables(union)
        totals.update(counted)
        assert {code: frozen.get(("union", union.pk, code), 0) for code in counted} == counted, union.name
        live = dict(
            LiveFact.objects.filter(union=union, branch_id=0, period="").values_list("indicator", "value")
        )
        assert (live.get("members", 0), live.get("female_members", 0)) == (
            counted["members"],
            counted["female_members"],
        ), union.name
    assert {code: frozen.get(("node", county.pk, code), 0) for code in totals} == dict(totals)
    assert frozen[("node", county.pk, "unions")] == len(unions)
    assert sum(MEMBERS_PER_UNION) == totals["members"]


@pytest.mark.parametrize("finisher", ["sweep", "redelivery"])
def test_a_worker_dying_after_the_last_unions_commit_still_closes_the_period(
    county, county_unions, broker, monkeypatch, finisher
):
    """The narrowest window: the last union's recount committed, then its worker died before the run was stamped
    finished (and so before the freeze). The beat sweep, or the message redelivered to another worker, finishes
    the run and freezes the period in the same transaction."""
    from operations import services as fanout
    from operations.models import FanoutRun
    from rollup.models import Snapshot
    from rollup.periods import period_close, period_open

    period = period_close(period=period_open(node=county, label="2026"), today=AFTER_THE_YEAR)
    run_id = period.close_run_id
    with monkeypatch.context() as crash:
        crash.setattr(fanout, "_finish_run_if_complete", lambda run_id: False)  # dies right after each commit
        for union in county_unions:
            assert fanout.fanout_process_union(run_id=run_id, union_id=union.pk) == "done"
    period.refresh_from_db()
    assert period.status == "closing" and FanoutRun.objects.get(pk=run_id).finished_at is None

    if finisher == "sweep":
        assert fanout.fanout_sweep() == []  # nothing to re-send: the run is only finished
    else:
        from jobs.rollup import period_close_union

        assert period_close_union(run_id, county_unions[-1].pk) == "skipped"  # the task body, run here
    period.refresh_from_db()
    assert period.status == "closed" and FanoutRun.objects.get(pk=run_id).finished_at is not None
    assert Snapshot.objects.filter(period=period).count() == 1
    # Once: a second sweep or redelivery changes nothing.
    fanout.fanout_sweep()
    fanout.fanout_process_union(run_id=run_id, union_id=county_unions[0].pk)
    assert Snapshot.objects.filter(period=period).count() == 1
