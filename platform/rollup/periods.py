"""Reporting periods of the roll-up: opening, the close (a per-union recount over a fan-out run, then the
frozen snapshot) and amendments. The workflows tier (docs/architecture.md): the close recounts membership."""

from __future__ import annotations

import time

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from federations.models import Union, UnionStatus
from membership.services import facts_recount_union
from operations.services import fanout_start
from unionhub.copy import copy_insert
from unionhub.errors import DomainValidationError

from . import indicators as ind
from .catalogue import SUM_CODES
from .models import PeriodStatus, RecountDifference, ReportingPeriod, Snapshot, SnapshotValue
from .selectors import period_bounds, rollup_tree

PERIOD_RECOUNT_JOB = "rollup_period_recount"
PERIOD_CLOSE_UNION_TASK = "jobs.rollup.period_close_union"


def period_open(*, node, label: str, actor=None):
    """Open a reporting period of `node` ("2026" reporting year, "2026Q1" quarter, "2025-11" month)."""

    label = (label or "").strip()
    kind, starts_on, ends_on = period_bounds(label)
    try:
        with transaction.atomic():
            return ReportingPeriod.objects.create(
                owner_node=node, kind=kind, label=label, starts_on=starts_on, ends_on=ends_on
            )
    except IntegrityError:
        raise DomainValidationError.single(
            "label", "duplicate", _("该单位已有报告期“%(label)s”。") % {"label": label}
        ) from None


def period_close(*, period, actor=None, today=None):
    """Start closing `period`: one recount task per active union of the subtree (fan-out); the last one to finish
    freezes snapshot version 1. Refused when the period is closed, still closing, or not yet over.

    Returns the period (status "closing", or "closed" at once for a subtree without unions).
    """

    today = today or timezone.localdate()
    with transaction.atomic():
        period = (
            ReportingPeriod.objects.select_for_update(of=("self",))
            .select_related("owner_node")
            .get(pk=period.pk)
        )
        if period.status == PeriodStatus.CLOSED:
            raise DomainValidationError.single(
                "period",
                "already_closed",
                _("报告期“%(label)s”已封账，不能重复封账；如需更正请提交修订版本并说明原因。")
                % {"label": period.label},
            )
        if period.status == PeriodStatus.CLOSING:
            if period_close_finish(period_id=period.pk):
                period.refresh_from_db()
                return period
            raise DomainValidationError.single(
                "period",
                "closing",
                _("报告期“%(label)s”正在封账，请等待各基层工会重算完成。") % {"label": period.label},
            )
        if today <= period.ends_on:
            raise DomainValidationError.single(
                "period",
                "not_ended",
                _("报告期“%(label)s”尚未结束（截止%(end)s），不能封账。")
                % {"label": period.label, "end": period.ends_on.isoformat()},
            )
        union_ids = list(
            Union.objects.filter(node_path__startswith=period.owner_node.path, status=UnionStatus.ACTIVE)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        period.status = PeriodStatus.CLOSING
        period.close_requested_at = timezone.now()
        period.close_requested_by = actor if getattr(actor, "pk", None) else None
        if union_ids:
            period.close_run = fanout_start(
                job_name=PERIOD_RECOUNT_JOB,
                task_name=PERIOD_CLOSE_UNION_TASK,
                union_ids=union_ids,
                params={"period_id": period.pk},
                # No spreading: the close has a deadline, each union's recount is a few small statements, and
                # the workers' concurrency already bounds the load (the default spread is 50 s per 1,000 unions).
                jitter_seconds=0,
            )
        period.save(update_fields=["status", "close_requested_at", "close_requested_by", "close_run"])
        if not union_ids:
            period_close_finish(period_id=period.pk)
            period.refresh_from_db()
    return period


def period_recount_union(*, union, params, run_id):
    """The per-union close job (in the union's schema, atomic with marking the union done): rebuild the union's
    membership facts from its members table, record every live figure that differed, and repair the live facts.
    """

    started = time.perf_counter()
    period_id = params["period_id"]
    with connection.cursor() as cursor:
        # Hold concurrent member changes of this union (their fact upserts) until the recount commits, reading
        # the live figures in the same statement (the locked rows' latest values).
        cursor.execute(
            "SELECT branch_id, indicator, period, value FROM public.rollup_livefact"
            " WHERE union_id = %s AND indicator = ANY(%s) FOR UPDATE",
            [union.pk, list(ind.MEMBER_INDICATORS)],
        )
        live = {
            (branch_id, indicator, period): value for branch_id, indicator, period, value in cursor if value
        }
    recount = facts_recount_union(union=union)
    differences = [
        RecountDifference(
            period_id=period_id,
            union=union,
            branch_id=branch_id,
            indicator=indicator,
            fact_period=fact_period,
            live_value=live.get(key, 0),
            recount_value=recount.get(key, 0),
        )
        for key in sorted(set(live) | set(recount))
        for branch_id, indicator, fact_period in [key]
        if live.get(key, 0) != recount.get(key, 0)
    ]
    RecountDifference.objects.bulk_create(
        differences,
        update_conflicts=True,
        unique_fields=["period", "union", "branch_id", "indicator", "fact_period"],
        update_fields=["live_value", "recount_value"],
    )
    return {"differences": len(differences), "ms": round((time.perf_counter() - started) * 1000, 1)}


def period_close_finish(*, period_id: int, actor=None) -> bool:
    """Freeze version 1 once every union of the close run is done. True when the period is (now) closed."""

    with transaction.atomic():
        period = (
            ReportingPeriod.objects.select_for_update(of=("self",))
            .select_related("owner_node", "close_run")
            .get(pk=period_id)
        )
        if period.status == PeriodStatus.CLOSED:
            return True
        if period.status != PeriodStatus.CLOSING:
            return False
        if period.close_run is not None and period.close_run.finished_at is None:
            return False
        snapshot_freeze(period=period, version=1, reason="", actor=period.close_requested_by)
        period.status = PeriodStatus.CLOSED
        period.closed_at = timezone.now()
        period.save(update_fields=["status", "closed_at"])
    return True


def period_close_finish_for_run(*, run_id: int) -> bool:

    period_id = ReportingPeriod.objects.filter(close_run_id=run_id).values_list("pk", flat=True).first()
    return period_id is not None and period_close_finish(period_id=period_id)


def snapshot_freeze(*, period, version: int, reason: str, actor=None):
    """Write snapshot `version` of `period`: every sum indicator of every node and union of the owner's subtree
    (zeros left out except the union count, so every unit has a row), read in the roll-up's two queries."""

    tree = rollup_tree(node=period.owner_node, period=period.label, indicators=list(SUM_CODES))
    Snapshot.objects.filter(period=period, is_current=True).update(is_current=False)
    snapshot = Snapshot.objects.create(
        period=period,
        version=version,
        reason=reason,
        created_by=actor if getattr(actor, "pk", None) else None,
        is_current=True,
    )
    # COPY: a county of 1,000 unions freezes ~16,000 values (bulk_create spent seconds building and binding them).
    copy_insert(
        SnapshotValue,
        ("snapshot_id", "scope", "unit_id", "unit_name", "node_path", "indicator", "value"),
        [
            (snapshot.pk, unit.kind, unit.id, unit.name, unit.path, code, value)
            for unit in tree.walk()
            for code, value in unit.values.items()
            if value or code == "unions"
        ],
    )
    return snapshot


def snapshot_amend(*, period, reason: str, actor=None):
    """A new current version of a closed period's snapshot, frozen from today's live figures (after the units
    corrected their data). The reason is mandatory; earlier versions stay as they were."""

    reason = (reason or "").strip()
    if not reason:
        raise DomainValidationError.single("reason", "required", _("修订统计数据必须填写修订原因。"))
    with transaction.atomic():
        period = (
            ReportingPeriod.objects.select_for_update(of=("self",))
            .select_related("owner_node")
            .get(pk=period.pk)
        )
        if period.status != PeriodStatus.CLOSED:
            raise DomainValidationError.single(
                "period", "not_closed", _("报告期“%(label)s”尚未封账，无需修订。") % {"label": period.label}
            )
        latest = period.snapshots.aggregate(latest=Max("version"))["latest"] or 0
        return snapshot_freeze(period=period, version=latest + 1, reason=reason, actor=actor)
