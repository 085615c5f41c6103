"""Reads behind the web pages' charts. Like every selector they take the actor and filter with accounts.access, so
a page shows exactly what the GraphQL API would show the same user; the figures come from the public live facts
(one aggregate query each, whatever the number of unions), never from a walk over union schemas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, Count, F, FilteredRelation, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.access import Actor, Perm
from drives.selectors import drive_list
from federations.models import FederationNode, Union, UnionStatus
from federations.selectors import node_list
from modelworker_care import selectors as care
from rollup import indicators as ind
from rollup.models import LiveFact
from rollup.selectors import rollup_tree


@dataclass
class UnitFigures:
    """Members against staff for one sub-unit (a child node, or a union directly under the node)."""

    name: str
    kind: str  # "node" or "union"
    pk: int
    unions: int = 0
    staff: int = 0
    members: int = 0

    @property
    def rate_percent(self) -> float | None:
        """入会率 in per cent with one decimal (members / staff); None without staff."""
        if not self.staff:
            return None
        return round(self.members * 100 / self.staff, 1)


def _members_fact() -> FilteredRelation:
    return FilteredRelation(
        "live_facts",
        condition=Q(live_facts__branch_id=0, live_facts__indicator=ind.MEMBERS, live_facts__period=ind.STOCK),
    )


def node_subunit_figures(*, actor: Actor, node: FederationNode) -> tuple[list[UnitFigures], UnitFigures]:
    """Members, staff and 入会率 of each sub-unit of `node` (already authorised) and the node's total.

    Two queries: the visible children, and one aggregate over the visible active unions below the node, grouped by
    their parent's path (a union directly under the node is its own sub-unit)."""
    children = list(node_list(actor=actor, parent=node))
    unions = Union.objects.filter(node_path__startswith=node.path, status=UnionStatus.ACTIVE)
    if not actor.can_on_node(Perm.UNION_VIEW, node):  # else every union below the node is visible anyway
        unions = unions.filter(actor.union_filter(Perm.UNION_VIEW))
    rows = (
        unions.annotate(members_fact=_members_fact())
        .values("node_path")
        .annotate(
            direct_id=Coalesce(_if_direct(node, F("pk")), Value(0)),
            direct_name=Coalesce(_if_direct(node, F("name")), Value("")),
        )
        .values("node_path", "direct_id", "direct_name")
        .annotate(
            unions=Count("pk"),
            staff=Coalesce(Sum("staff_count"), 0),
            members=Coalesce(Sum("members_fact__value"), 0),
        )
    )
    by_child = {child.path: UnitFigures(name=child.name, kind="node", pk=child.pk) for child in children}
    direct: list[UnitFigures] = []
    total = UnitFigures(name=node.name, kind="node", pk=node.pk)
    for row in rows:
        if row["direct_id"]:
            unit = UnitFigures(name=row["direct_name"], kind="union", pk=row["direct_id"])
            direct.append(unit)
        else:
            unit = next((u for path, u in by_child.items() if row["node_path"].startswith(path)), None)
        for target in (unit, total):
            if target is None:  # below a child the actor may not see as a node: counted in the total only
                continue
            target.unions += row["unions"]
            target.staff += row["staff"]
            target.members += row["members"]
    direct.sort(key=lambda u: u.name)
    return [*by_child.values(), *direct], total


def _if_direct(node: FederationNode, then):
    return Case(When(node_path=node.path, then=then), default=None)


def recent_reporting_years(today: date, count: int = 5) -> list[str]:
    last = int(ind.reporting_year(today))
    return [str(year) for year in range(last - count + 1, last + 1)]


def new_members_by_year(*, actor: Actor, years: list[str], node=None, union=None) -> dict[str, int]:
    """New members (joined, transfers excluded) per reporting year, for the visible unions below `node` or for one
    `union` (both already authorised). One aggregate query over the live facts."""
    facts = LiveFact.objects.filter(indicator=ind.NEW_MEMBERS, branch_id=0, period__in=years)
    if union is not None:
        facts = facts.filter(union=union)
    else:
        facts = facts.filter(node_path__startswith=node.path)
        if not actor.can_on_node(Perm.UNION_VIEW, node):  # else every union below the node is visible anyway
            facts = facts.filter(
                union__in=Union.objects.filter(actor.union_filter(Perm.UNION_VIEW)).values("pk")
            )
    totals = dict(facts.values_list("period").annotate(total=Sum("value")).values_list("period", "total"))
    return {year: int(totals.get(year) or 0) for year in years}


@dataclass
class DriveFigures:
    drive: object
    new_members: int
    target: int
    units: int

    @property
    def percent(self) -> float | None:
        if not self.target:
            return None
        return round(self.new_members * 100 / self.target, 1)


# Per drive and union: the union's target (its own, branch 0, when set, else the sum of its branches' targets, as
# drives.selectors.drive_progress) and its new members; then summed per drive. One statement for all drives.
_DRIVE_TOTALS_SQL = """
WITH visible AS ({visible}),
t AS (
    SELECT drive_id, union_id,
           COALESCE(SUM(new_members_target) FILTER (WHERE branch_id = 0),
                    SUM(new_members_target) FILTER (WHERE branch_id <> 0), 0) AS target
    FROM drives_drivetarget WHERE union_id IN (SELECT * FROM visible) AND drive_id = ANY(%s)
    GROUP BY drive_id, union_id
),
p AS (
    SELECT drive_id, union_id, COALESCE(SUM(new_members) FILTER (WHERE branch_id = 0), 0) AS new
    FROM drives_driveprogress WHERE union_id IN (SELECT * FROM visible) AND drive_id = ANY(%s)
    GROUP BY drive_id, union_id
)
SELECT COALESCE(t.drive_id, p.drive_id), SUM(COALESCE(t.target, 0)), SUM(COALESCE(p.new, 0)), COUNT(*)
FROM t FULL JOIN p ON p.drive_id = t.drive_id AND p.union_id = t.union_id
GROUP BY 1
"""

# Dashboards show the running drives only, newest first.
DASHBOARD_DRIVES = 5


def drive_figures(*, actor: Actor, today: date, node=None, union=None) -> list[DriveFigures]:
    """Running drives the actor sees with new members against targets, summed over the visible active unions below
    `node` (or the one `union`). The sums are those of the union rows of drives.selectors.drive_progress (GraphQL
    `driveProgress`; tests compare the two), read with two grouped queries for all drives instead of one progress
    query per drive: the dashboard needs totals, not the per-township breakdown."""
    drives = list(drive_list(actor=actor, union=union, active_on=today)[:DASHBOARD_DRIVES])
    if not drives:
        return []
    if union is not None:
        unions = Union.objects.filter(pk=union.pk, status=UnionStatus.ACTIVE)
    else:
        unions = Union.objects.filter(node_path__startswith=node.path, status=UnionStatus.ACTIVE)
        if not actor.can_on_node(Perm.UNION_VIEW, node):
            unions = unions.filter(actor.union_filter(Perm.UNION_VIEW))
    drive_ids = [drive.pk for drive in drives]
    visible_sql, visible_params = unions.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_DRIVE_TOTALS_SQL.format(visible=visible_sql), [*visible_params, drive_ids, drive_ids])
        totals = {row[0]: {"target": row[1], "new": row[2], "units": row[3]} for row in cursor.fetchall()}
    empty = {"target": 0, "new": 0, "units": 0}
    return [
        DriveFigures(
            drive=drive,
            new_members=int(totals.get(drive.pk, empty)["new"]),
            target=int(totals.get(drive.pk, empty)["target"]),
            units=int(totals.get(drive.pk, empty)["units"]),
        )
        for drive in drives
    ]


# --- panels over the other domains' figures (职工之家, model workers, data quality) --------------------------------

HOME_GRADE_LABELS = {
    "qualified": _("合格职工之家"),
    "advanced": _("先进职工之家"),
    "model": _("模范职工之家"),
    "star1": _("一星级职工之家"),
    "star2": _("二星级职工之家"),
    "star3": _("三星级职工之家"),
    "star4": _("四星级职工之家"),
    "star5": _("五星级职工之家"),
}


def home_grade_counts(*, actor: Actor, node) -> list[tuple[str, int, int]]:
    """[(grade label, unions' 职工之家, branches' 职工小家)] holding a valid title of each grade below `node`, from the
    live facts the assessment services maintain (home_grade_<code> stocks; branch 0 = the union's 职工之家)."""
    facts = LiveFact.objects.filter(
        node_path__startswith=node.path, indicator__in=ind.HOME_GRADE_INDICATORS, period=ind.STOCK
    )
    if not actor.can_on_node(Perm.UNION_VIEW, node):
        facts = facts.filter(union__in=Union.objects.filter(actor.union_filter(Perm.UNION_VIEW)).values("pk"))
    sums = {
        (indicator, is_branch): total
        for indicator, is_branch, total in facts.annotate(
            is_branch=Case(When(branch_id=0, then=Value(False)), default=Value(True))
        )
        .values("indicator", "is_branch")
        .annotate(total=Sum("value"))
        .values_list("indicator", "is_branch", "total")
    }
    return [
        (
            str(HOME_GRADE_LABELS.get(code, code)),
            int(sums.get((ind.HOME_GRADE_PREFIX + code, False)) or 0),
            int(sums.get((ind.HOME_GRADE_PREFIX + code, True)) or 0),
        )
        for code in ind.HOME_GRADE_CODES
    ]


def data_quality_by_subunit(*, node, year: str) -> list[tuple[str, int, int, object]]:
    """[(sub-unit name, records passing the checks, holding records, 会员信息合格率 %)] for the children of `node`
    (already authorised: rollup_tree reads its whole subtree, as GraphQL's roll-up does for a visible node).
    Only the children are shown, so the tree is cut there (their figures still cover their whole subtrees)."""

    tree = rollup_tree(
        node=node,
        period=year,
        indicators=["data_quality", ind.MEMBER_RECORDS_OK, ind.MEMBERS, ind.RETAINED_MEMBERS],
        depth=1,
    )
    rows = []
    for unit in tree.children:
        values = unit.values
        holding = int(values.get(ind.MEMBERS) or 0) + int(values.get(ind.RETAINED_MEMBERS) or 0)
        quality = values.get("data_quality")
        rows.append((unit.name, int(values.get(ind.MEMBER_RECORDS_OK) or 0), holding, quality))
    return rows


def modelworkers_due(*, actor: Actor, today: date, node=None, union=None, days: int = 60):
    """Model workers' terms and benefits due in the next `days` days (and overdue ones), from
    modelworker_care.selectors.due_calendar over the workers the actor may see (as GraphQL `modelWorkerDue`)."""

    workers = care.workers_visible(actor, union=union, node=node)
    start, end = care.due_window(today=today, days=days, include_overdue=True)
    items = care.due_calendar(workers=workers, start=start, end=end)
    names = dict(workers.filter(pk__in={item.worker_id for item in items}).values_list("pk", "name"))
    return [(item, names.get(item.worker_id, "")) for item in items]
