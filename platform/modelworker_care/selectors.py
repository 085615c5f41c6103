"""Reads for continuation management and benefits, and who may see or act on a model worker's care records.

Who sees a worker's care records: whoever sees the worker in the registry (modelworkers.selectors.worker_filter:
the federation side in the awarding node's subtree and above the employing union; on a union's host, that
union's own model workers).
Who acts:
- the federation side (assessments, life events, benefits): staff and admins of the awarding node or above
  (`CARE_PERM`, the one write federation staff hold in accounts.access), on the public host;
- the employer side (its sign-off of the assessment, life events of its own workers): the employing union's
  admin (union.manage) on the union's host;
- allowance rules: admins of the node (node.manage).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractYear

from accounts.access import AccessDenied, Actor, Perm
from modelworkers import selectors as registry_selectors
from modelworkers.models import ModelWorker, WorkerStatus
from rollup.indicators import REPORTING_YEAR_START_MONTH

from . import due
from .models import (
    AllowanceRule,
    AnnualAssessment,
    AssessmentStatus,
    BenefitGrant,
    DueKind,
    LifeEvent,
    Notification,
)
from .services.allowances import rule_spans

# Recording care (assessments, events, benefits) is the federation staff's "inspect" kind of write.
CARE_PERM = Perm.UNION_INSPECT
RULE_PERM = Perm.NODE_MANAGE
# How far back "overdue" reaches: the longest term plus a month.
OVERDUE_LOOKBACK_DAYS = 5 * 366 + 31


def worker_filter(actor: Actor, *, union=None) -> Q:
    """Q over ModelWorker for the workers whose care records the actor may see: the registry's own rule
    (modelworkers.selectors.worker_filter), so the register and its care records are seen by the same people."""
    return registry_selectors.worker_filter(actor, union=union)


def workers_visible(actor: Actor, *, union=None, node=None) -> QuerySet:
    """The workers the actor may see; `node` narrows to those awarded or working within that node's subtree."""
    queryset = ModelWorker.objects.filter(worker_filter(actor, union=union))
    if node is not None:
        queryset = queryset.filter(
            Q(awarding_node__path__startswith=node.path) | Q(employing_union__node_path__startswith=node.path)
        )
    return queryset


def access_worker(actor: Actor, worker_id, *, union=None) -> ModelWorker:
    """A worker the actor may see in this scope, or AccessDenied (whether or not it exists)."""
    try:
        pk = int(worker_id)
    except (TypeError, ValueError):
        raise AccessDenied from None
    worker = (
        workers_visible(actor, union=union)
        .select_related("awarding_node", "employing_union")
        .filter(pk=pk)
        .first()
    )
    if worker is None:
        raise AccessDenied
    return worker


def can_act_for_federation(actor: Actor, worker: ModelWorker) -> bool:
    return actor.can_on_node(CARE_PERM, worker.awarding_node)


def can_act_for_employer(actor: Actor, worker: ModelWorker, union) -> bool:
    """On `union`'s host: the worker works there and the actor administers the union."""
    return (
        union is not None
        and worker.employing_union_id == union.pk
        and actor.can_on_union(Perm.UNION_MANAGE, union)
    )


# --- lists -------------------------------------------------------------------------------------------------------


def assessment_list(*, workers: QuerySet, year: int | None = None, status: str | None = None) -> QuerySet:
    queryset = AnnualAssessment.objects.filter(worker__in=workers.values("pk"))
    if year is not None:
        queryset = queryset.filter(year=year)
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def life_event_list(*, workers: QuerySet, kind: str | None = None) -> QuerySet:
    queryset = LifeEvent.objects.filter(worker__in=workers.values("pk"))
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset


def benefit_list(*, workers: QuerySet, kind: str | None = None, year: int | None = None) -> QuerySet:
    queryset = BenefitGrant.objects.filter(worker__in=workers.values("pk"))
    if kind:
        queryset = queryset.filter(kind=kind)
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset


def benefit_totals(*, workers: QuerySet) -> list[dict]:
    """Benefits given per reporting year (1 October - 30 September, labelled by the year it ends in, as the
    mw_benefits_fen fact) and kind: [{"reporting_year", "kind", "count", "amount_fen"}], newest year first."""
    year_of = ExtractYear("given_on") + Case(
        When(Q(**{"given_on__month__gte": REPORTING_YEAR_START_MONTH}), then=1),
        default=0,
        output_field=IntegerField(),
    )
    rows = (
        BenefitGrant.objects.filter(worker__in=workers.values("pk"))
        .annotate(ry=year_of)
        .values("ry", "kind")
        .annotate(count=Count("pk"), amount=Sum("amount_fen"))
        .order_by("-ry", "kind")
    )
    return [
        {
            "reporting_year": str(row["ry"]),
            "kind": row["kind"],
            "count": row["count"],
            "amount_fen": row["amount"],
        }
        for row in rows
    ]


def allowance_rule_list(*, nodes: QuerySet, level: str | None = None) -> QuerySet:
    queryset = AllowanceRule.objects.filter(node__in=nodes.values("pk")).select_related("node")
    if level:
        queryset = queryset.filter(level=level)
    return queryset.order_by("node__path", "level", "effective_from", "pk")


def notification_list(*, user, unread_only: bool = False) -> QuerySet:
    if user is None or not getattr(user, "pk", None):
        return Notification.objects.none()
    queryset = Notification.objects.filter(user_id=user.pk).select_related("reminder")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset


# --- the due calendar --------------------------------------------------------------------------------------------


def _terms(workers: Iterable[ModelWorker]) -> list[due.Term]:
    return [
        due.Term(w.pk, w.awarding_node_id, w.level, w.awarded_on, w.continuation_last_day) for w in workers
    ]


def due_calendar(
    *,
    workers: QuerySet,
    start: date,
    end: date,
    kinds: Iterable[str] | None = None,
) -> list[due.DueItem]:
    """Items due between `start` and `end` (inclusive) for the managed workers among `workers`, not yet given
    (see modelworker_care.due). Three queries whatever the number of workers: the workers, what was given in the
    window's years and months, the allowance rules of their awarding nodes."""
    if end < start:
        return []
    managed = list(
        workers.filter(
            status=WorkerStatus.MANAGED,
            awarded_on__lt=end,
            continuation_last_day__gte=start - timedelta(days=31),
        ).only("pk", "awarding_node_id", "level", "awarded_on", "continuation_last_day")
    )
    if not managed:
        return []
    terms = _terms(managed)
    ids = [term.worker_id for term in terms]
    years = list(range(start.year, end.year + 1))
    given: set = set()
    benefit_rows = BenefitGrant.objects.filter(worker_id__in=ids).filter(
        Q(kind__in=[DueKind.HEALTH_CHECK, DueKind.REST_STAY], year__in=years)
        | Q(kind=DueKind.ALLOWANCE, month__gte=start.replace(day=1), month__lte=end)
    )
    for worker_id, kind, year, month in benefit_rows.values_list("worker_id", "kind", "year", "month"):
        given.add((worker_id, kind, month if kind == DueKind.ALLOWANCE else year))
    filed = AnnualAssessment.objects.filter(worker_id__in=ids, year__in=years, status=AssessmentStatus.FILED)
    for worker_id, year in filed.values_list("worker_id", "year"):
        given.add((worker_id, DueKind.ASSESSMENT, year))

    rules = rule_spans(node_ids={t.awarding_node_id for t in terms}, levels={t.level for t in terms})
    items = due.due_items(terms, start=start, end=end, rules=rules, given=given)
    if kinds is not None:
        wanted = set(kinds)
        items = [item for item in items if item.kind in wanted]
    return items


def due_window(*, today: date, days: int, include_overdue: bool = False) -> tuple[date, date]:
    start = today - timedelta(days=OVERDUE_LOOKBACK_DAYS) if include_overdue else today
    return start, today + timedelta(days=days)


__all__ = [
    "CARE_PERM",
    "access_worker",
    "assessment_list",
    "benefit_list",
    "benefit_totals",
    "can_act_for_employer",
    "can_act_for_federation",
    "due_calendar",
    "due_window",
    "life_event_list",
    "notification_list",
    "worker_filter",
    "workers_visible",
]
