"""Reads for reporting: where a unit sits in the submission chain, the board, and fetch-and-authorise helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection
from django.utils import timezone

from accounts.access import AccessDenied, Actor, Perm
from federations.models import FederationNode, NodeLevel, Union
from rollup.models import ReportingPeriod, Snapshot

from .models import Submission, SubmissionLevel, SubmissionStatus

# Nodes that review the unions below them and submit upwards; service stations only pass through.
REVIEW_NODE_LEVELS = (NodeLevel.TOWNSHIP, NodeLevel.STREET, NodeLevel.PARK)
REPORTING_NODE_LEVELS = (*REVIEW_NODE_LEVELS, NodeLevel.COUNTY)


def unit_level(unit) -> str | None:
    """The submission level of a union or node; None for nodes outside the chain (city, service station)."""
    if isinstance(unit, Union):
        return SubmissionLevel.UNION
    if unit.level in REVIEW_NODE_LEVELS:
        return SubmissionLevel.TOWNSHIP
    if unit.level == NodeLevel.COUNTY:
        return SubmissionLevel.COUNTY
    return None


def unit_path(unit) -> str:
    return unit.node_path if isinstance(unit, Union) else unit.path


def unit_kind(unit) -> str:
    return "union" if isinstance(unit, Union) else "node"


def unit_within(unit, node: FederationNode) -> bool:
    return unit_path(unit).startswith(node.path)


def reviewer_of(unit) -> tuple[FederationNode | None, str]:
    """Who reviews `unit`'s report: the nearest township-level (or county) node above a union, the county above a
    township, and for a county its report recipient (a node here, or only a name when it is outside the platform)."""
    if isinstance(unit, Union) or unit.level in REVIEW_NODE_LEVELS:
        node = unit.parent_node if isinstance(unit, Union) else unit.parent
        while node is not None and node.level not in REPORTING_NODE_LEVELS:
            node = node.parent
        return node, node.name if node is not None else ""
    if unit.report_recipient_id:
        return unit.report_recipient, unit.report_recipient.name
    return None, unit.effective_report_recipient_name


def current_snapshot(period):
    return Snapshot.objects.filter(period=period, is_current=True).first()


def submission_for_unit(*, period, unit) -> Submission | None:
    lookup = {"union": unit} if isinstance(unit, Union) else {"node": unit}
    return Submission.objects.filter(period=period, **lookup).first()


# --- the board -------------------------------------------------------------------------------------------------


@dataclass
class BoardRow:
    kind: str  # "union" | "node"
    id: int
    name: str
    code: str  # division code of a node, credit code of a union
    level: str  # SubmissionLevel
    path: str
    parent_id: int | None
    reviewer_id: int | None = None
    submission_id: int | None = None
    status: str | None = None  # None = not submitted
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    rounds: int = 0
    due_on: date | None = None
    overdue: bool = False  # not (validly) submitted and the deadline has passed
    late: bool = False  # submitted after the deadline


@dataclass
class Board:
    node: FederationNode
    period: object
    today: date
    rows: list[BoardRow] = field(default_factory=list)

    def counts(self, level: str | None = None) -> dict[str, int]:
        rows = [row for row in self.rows if level is None or row.level == level]
        counts = {
            "total": len(rows),
            "not_submitted": sum(1 for row in rows if row.status is None),
            "submitted": sum(1 for row in rows if row.status == SubmissionStatus.SUBMITTED),
            "accepted": sum(1 for row in rows if row.status == SubmissionStatus.ACCEPTED),
            "returned": sum(1 for row in rows if row.status == SubmissionStatus.RETURNED),
            "overdue": sum(1 for row in rows if row.overdue),
            "late": sum(1 for row in rows if row.late),
        }
        return counts

    def pending_below(self, reviewer_id: int) -> list[BoardRow]:
        """Units reviewed by `reviewer_id` whose report is not accepted yet."""
        return [
            row
            for row in self.rows
            if row.reviewer_id == reviewer_id and row.status != SubmissionStatus.ACCEPTED
        ]


_NODES_SQL = """
SELECT n.id, n.name, n.division_code, n.level, n.path, n.parent_id,
       s.id, s.status, s.submitted_at, s.decided_at, s.rounds, d.due_on
FROM federations_federationnode n
LEFT JOIN reporting_submission s ON s.node_id = n.id AND s.period_id = %(period)s
LEFT JOIN reporting_submissiondeadline d ON d.period_id = %(period)s AND d.level =
     CASE WHEN n.level = 'county' THEN 'county' WHEN n.level IN ('township', 'street', 'park') THEN 'township' END
WHERE n.path LIKE %(prefix)s
ORDER BY n.path
"""

_UNIONS_SQL = """
SELECT u.id, u.name, u.credit_code, u.node_path, u.parent_node_id,
       s.id, s.status, s.submitted_at, s.decided_at, s.rounds, d.due_on
FROM federations_union u
LEFT JOIN reporting_submission s ON s.union_id = u.id AND s.period_id = %(period)s
LEFT JOIN reporting_submissiondeadline d ON d.period_id = %(period)s AND d.level = 'union'
WHERE u.node_path LIKE %(prefix)s AND u.status <> 'dissolved'
ORDER BY u.node_path, u.name, u.id
"""


def _flags(row: BoardRow, today: date, tz) -> None:
    if row.due_on is None:
        return
    valid = row.status in (SubmissionStatus.SUBMITTED, SubmissionStatus.ACCEPTED)
    row.overdue = not valid and today > row.due_on
    if row.submitted_at is not None:
        row.late = row.submitted_at.astimezone(tz).date() > row.due_on


def board(*, node: FederationNode, period, today: date | None = None) -> Board:
    """Every reporting unit in `node`'s subtree (itself included when it reports) with its submission for `period`,
    deadline and flags: two queries (nodes, unions), whatever the number of unions."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    params = {"period": period.pk, "prefix": node.path + "%"}
    with connection.cursor() as cursor:
        cursor.execute(_NODES_SQL, params)
        node_rows = cursor.fetchall()
        cursor.execute(_UNIONS_SQL, params)
        union_rows = cursor.fetchall()

    levels = {node_id: level for node_id, _n, _c, level, _p, _parent, *_ in node_rows}
    parents = {node_id: parent for node_id, _n, _c, _l, _p, parent, *_ in node_rows}

    def reviewing_ancestor(node_id):
        # The nearest township-level or county node at or above node_id, inside the subtree.
        while node_id is not None and node_id in levels:
            if levels[node_id] in REPORTING_NODE_LEVELS:
                return node_id
            node_id = parents.get(node_id)
        return None

    result = Board(node=node, period=period, today=today)
    for node_id, name, code, level, path, parent_id, sub_id, status, sub_at, dec_at, rounds, due in node_rows:
        if level not in REPORTING_NODE_LEVELS:
            continue
        row = BoardRow(
            "node",
            node_id,
            name,
            code,
            SubmissionLevel.COUNTY if level == NodeLevel.COUNTY else SubmissionLevel.TOWNSHIP,
            path,
            parent_id,
            reviewer_id=reviewing_ancestor(parent_id) if level != NodeLevel.COUNTY else None,
            submission_id=sub_id,
            status=status,
            submitted_at=sub_at,
            decided_at=dec_at,
            rounds=rounds or 0,
            due_on=due,
        )
        _flags(row, today, tz)
        result.rows.append(row)
    for union_id, name, code, path, parent_id, sub_id, status, sub_at, dec_at, rounds, due in union_rows:
        row = BoardRow(
            "union",
            union_id,
            name,
            code,
            SubmissionLevel.UNION,
            path,
            parent_id,
            reviewer_id=reviewing_ancestor(parent_id),
            submission_id=sub_id,
            status=status,
            submitted_at=sub_at,
            decided_at=dec_at,
            rounds=rounds or 0,
            due_on=due,
        )
        _flags(row, today, tz)
        result.rows.append(row)
    return result


# --- fetch and authorise ---------------------------------------------------------------------------------------


def _int_id(value) -> int:
    if isinstance(value, bool):
        raise ValueError("not an id")
    return int(value)


def access_period(actor: Actor, period_id, perm: Perm = Perm.NODE_VIEW, *, union: Union | None = None):
    """A reporting period the actor may see: on its owner node (federation roles) or, for a union's people, a
    period whose owner covers that union."""
    try:
        period = ReportingPeriod.objects.select_related("owner_node").get(pk=_int_id(period_id))
    except (ReportingPeriod.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if union is not None:
        if not union.node_path.startswith(period.owner_node.path):
            raise AccessDenied
        return period
    if not actor.can_on_node(perm, period.owner_node):
        raise AccessDenied
    return period


def can_submit_for(actor: Actor, unit) -> bool:
    if isinstance(unit, Union):
        return actor.can_on_union(Perm.UNION_MANAGE, unit)
    return actor.can_on_node(Perm.NODE_MANAGE, unit)


def can_see_unit(actor: Actor, unit) -> bool:
    if isinstance(unit, Union):
        return actor.can_on_union(Perm.UNION_VIEW, unit)
    return actor.can_on_node(Perm.NODE_VIEW, unit)


def access_submission(actor: Actor, submission_id, *, union: Union | None = None) -> Submission:
    """A submission the actor may see: its own unit's (view permission there) or one it reviews."""
    try:
        submission = Submission.objects.select_related("union", "node", "reviewer_node", "period").get(
            pk=_int_id(submission_id)
        )
    except (Submission.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if union is not None and submission.union_id != union.pk:
        raise AccessDenied
    unit = submission.union or submission.node
    if can_see_unit(actor, unit):
        return submission
    if submission.reviewer_node is not None and actor.can_on_node(Perm.NODE_VIEW, submission.reviewer_node):
        return submission
    raise AccessDenied


def access_submission_for_review(actor: Actor, submission_id) -> Submission:
    """A submission the actor may accept or return: it manages the reviewing node, and the unit lies inside that
    node's subtree. A township's officers therefore never reach a union of another township."""
    try:
        submission = Submission.objects.select_related("union", "node", "reviewer_node", "period").get(
            pk=_int_id(submission_id)
        )
    except (Submission.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    reviewer = submission.reviewer_node
    if reviewer is None or not actor.can_on_node(Perm.NODE_MANAGE, reviewer):
        raise AccessDenied
    if not submission.unit_path.startswith(reviewer.path) and reviewer.level != NodeLevel.CITY:
        raise AccessDenied
    return submission
