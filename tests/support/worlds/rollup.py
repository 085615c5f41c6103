"""Reporting periods for the schema walks: the audit walk (each rollup mutation succeeds once with admin_world) and
the isolation walk (the victim county's closed period and its snapshot)."""

from __future__ import annotations

import itertools

from graphql_relay import to_global_id

_labels = itertools.count()


def probe_period_label() -> str:
    """A fresh month label each time (opening the same period twice is refused)."""
    n = next(_labels)
    return f"{2000 + n // 12}-{n % 12 + 1:02d}"


def _closed_period(node, label):
    from rollup.models import PeriodStatus
    from rollup.periods import period_open, snapshot_freeze

    period = period_open(node=node, label=label)
    # Frozen directly (no recount run): the walks need a closed period with a snapshot, not a close.
    snapshot_freeze(period=period, version=1, reason="")
    period.status = PeriodStatus.CLOSED
    period.save(update_fields=["status"])
    return period, period.snapshots.get()


def rollup_audit_objects(union, *, county) -> list[str]:
    """An ended open period (reportingPeriodClose takes it) and a closed one (snapshotAmend takes it)."""
    from rollup.periods import period_open

    to_close = period_open(node=county, label="2025-01")
    closed, snapshot = _closed_period(county, "2025")
    return [
        to_global_id("ReportingPeriod", to_close.pk),
        to_global_id("ReportingPeriod", closed.pk),
        to_global_id("Snapshot", snapshot.pk),
    ]


def rollup_victim_objects(*, county) -> list[str]:
    """The victim county's closed reporting year and its snapshot (holding the victim union's name and figures)."""
    closed, snapshot = _closed_period(county, "2025")
    return [to_global_id("ReportingPeriod", closed.pk), to_global_id("Snapshot", snapshot.pk)]
