"""Reads for drives: who may see which drive, which unions a drive covers, and live progress.

Progress is one SQL statement over public tables (drive targets, drive progress facts, live member facts, unions,
federation nodes): no loop over tenant schemas, whatever the number of unions.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.access import AccessDenied, Actor, Perm
from federations.models import FederationNode, NodeLevel, Union, UnionStatus

from .models import Drive

# Federation levels that get their own progress rows: counties, and the township tier (乡镇/街道/园区).
COUNTY_LEVELS = (NodeLevel.COUNTY,)
TOWNSHIP_LEVELS = (NodeLevel.TOWNSHIP, NodeLevel.STREET, NodeLevel.PARK)


def ancestor_paths(path: str) -> list[str]:
    """ "/1/4/9/" -> ["/1/", "/1/4/", "/1/4/9/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def drive_filter(actor: Actor) -> Q:
    """Q over Drive for the drives the actor may see: those its roles reach (owner node or union in scope) and
    those run above a unit it may see (a county's drive is visible to the unions and townships it covers)."""
    if actor.can_globally(Perm.UNION_VIEW):
        return Q()
    query = Q(owner_node__in=FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW)).values("pk"))
    query |= Q(owner_union__in=Union.objects.filter(actor.union_filter(Perm.UNION_VIEW)).values("pk"))
    above: set[str] = set()
    for grant in actor.roles():
        if grant.union_id is not None and grant.union_node_path:
            unit = SimpleNamespace(pk=grant.union_id, node_path=grant.union_node_path)
            if actor.can_on_union(Perm.UNION_VIEW, unit):
                above.update(ancestor_paths(grant.union_node_path))
        elif grant.node_path:
            if actor.can_on_node(Perm.NODE_VIEW, SimpleNamespace(path=grant.node_path)):
                above.update(ancestor_paths(grant.node_path))
    if above:
        query |= Q(owner_node__path__in=sorted(above))
    return query


def drives_covering_union(union) -> Q:
    """Q over Drive for the drives that cover `union`: its own, and those run by a node above it."""
    return Q(owner_union=union.pk) | Q(owner_node__path__in=ancestor_paths(union.node_path))


def drive_list(*, actor: Actor, union=None, active_on=None) -> QuerySet:
    """Drives the actor may see, newest first; on a union host (`union`) only those covering that union."""
    queryset = Drive.objects.select_related("owner_node", "owner_union").filter(drive_filter(actor))
    if union is not None:
        queryset = queryset.filter(drives_covering_union(union))
    if active_on is not None:
        queryset = queryset.filter(starts_on__lte=active_on, ends_on__gte=active_on)
    return queryset.order_by("-starts_on", "-id")


def access_drive(actor: Actor, drive_id, *, union=None) -> Drive:
    """Fetch a drive the actor may see (on a union host: one covering it), or raise AccessDenied."""
    try:
        pk = int(drive_id)
    except (TypeError, ValueError):
        raise AccessDenied from None
    drive = drive_list(actor=actor, union=union).filter(pk=pk).first()
    if drive is None:
        raise AccessDenied
    return drive


def can_manage_drive(actor: Actor, drive: Drive) -> bool:
    if drive.owner_node_id is not None:
        return actor.can_on_node(Perm.NODE_MANAGE, drive.owner_node)
    return actor.can_on_union(Perm.UNION_MANAGE, drive.owner_union)


def covered_unions(drive: Drive) -> QuerySet:
    """The active unions a drive covers: the owner union, or every union below the owner node."""
    queryset = Union.objects.filter(status=UnionStatus.ACTIVE)
    if drive.owner_union_id is not None:
        return queryset.filter(pk=drive.owner_union_id)
    return queryset.filter(node_path__startswith=drive.owner_node.path)


def drive_covers_union(*, drive: Drive, union_id: int) -> bool:
    return covered_unions(drive).filter(pk=union_id).exists()


@dataclass
class ProgressRow:
    level: str  # "county" / "township" / "union" / "branch"
    node_level: str  # the federation level ("street", "park", ...), "union" or "branch"
    node_id: int | None
    union_id: int | None
    branch_id: int | None
    name: str
    path: str
    new_members: int
    new_members_target: int
    members: int
    staff: int | None  # unknown for branches
    rate_target_permille: int | None

    @property
    def rate_permille(self) -> int | None:
        """Current 入会率 in per mille (members / staff, rounded half up); None without staff."""
        if not self.staff:
            return None
        return (self.members * 1000 * 2 + self.staff) // (self.staff * 2)


_PROGRESS_SQL = """
WITH covered AS (
    SELECT u.id, u.name, u.node_path, u.staff_count FROM federations_union u WHERE u.id IN ({covered})
),
targets AS (
    SELECT t.union_id, t.branch_id, t.branch_name, t.new_members_target, t.rate_target_permille
    FROM drives_drivetarget t JOIN covered c ON c.id = t.union_id WHERE t.drive_id = %s
),
progress AS (
    SELECT p.union_id, p.branch_id, p.new_members
    FROM drives_driveprogress p JOIN covered c ON c.id = p.union_id WHERE p.drive_id = %s
),
branch_units AS (
    SELECT union_id, branch_id FROM targets WHERE branch_id <> 0
    UNION SELECT union_id, branch_id FROM progress WHERE branch_id <> 0
),
union_rows AS (
    SELECT c.id, c.name, c.node_path, c.staff_count,
           COALESCE(t0.new_members_target, tb.total, 0) AS target_new,
           t0.rate_target_permille,
           COALESCE(p0.new_members, 0) AS new_members,
           COALESCE(m.value, 0) AS members,
           (t0.union_id IS NOT NULL OR tb.union_id IS NOT NULL OR p0.union_id IS NOT NULL
            OR EXISTS (SELECT 1 FROM branch_units b WHERE b.union_id = c.id)) AS in_drive
    FROM covered c
    LEFT JOIN targets t0 ON t0.union_id = c.id AND t0.branch_id = 0
    LEFT JOIN (SELECT union_id, SUM(new_members_target) AS total FROM targets WHERE branch_id <> 0
               GROUP BY union_id) tb ON tb.union_id = c.id
    LEFT JOIN progress p0 ON p0.union_id = c.id AND p0.branch_id = 0
    LEFT JOIN rollup_livefact m
           ON m.union_id = c.id AND m.branch_id = 0 AND m.indicator = 'members' AND m.period = ''
)
SELECT 'node' AS kind, n.level, n.id, NULL::bigint, NULL::bigint, n.name, n.path,
       SUM(r.new_members), SUM(r.target_new), SUM(r.members), SUM(r.staff_count),
       SUM(r.rate_target_permille * r.staff_count),
       SUM(CASE WHEN r.rate_target_permille IS NOT NULL THEN r.staff_count END)
FROM union_rows r
JOIN federations_federationnode n
  ON n.id = ANY (string_to_array(trim(BOTH '/' FROM r.node_path), '/')::bigint[])
WHERE %s AND n.path LIKE %s AND n.level IN ({node_levels})
GROUP BY n.level, n.id, n.name, n.path
UNION ALL
SELECT 'union', 'union', NULL, r.id, NULL, r.name, r.node_path,
       r.new_members, r.target_new, r.members, r.staff_count, r.rate_target_permille, NULL
FROM union_rows r WHERE r.in_drive
UNION ALL
SELECT 'branch', 'branch', NULL, b.union_id, b.branch_id, COALESCE(t.branch_name, ''), c.node_path,
       COALESCE(p.new_members, 0), COALESCE(t.new_members_target, 0), COALESCE(m.value, 0), NULL,
       t.rate_target_permille, NULL
FROM branch_units b
JOIN covered c ON c.id = b.union_id
LEFT JOIN targets t ON t.union_id = b.union_id AND t.branch_id = b.branch_id
LEFT JOIN progress p ON p.union_id = b.union_id AND p.branch_id = b.branch_id
LEFT JOIN rollup_livefact m
       ON m.union_id = b.union_id AND m.branch_id = b.branch_id AND m.indicator = 'members' AND m.period = ''
"""

_LEVEL_ORDER = {"county": 0, "township": 1, "union": 2, "branch": 3}


def drive_progress(*, actor: Actor, drive: Drive, union=None) -> list[ProgressRow]:
    """Progress rows for the units of `drive` the actor may see: counties and townships (node-run drives, below
    the owner node), unions and branches with a target or new members. `union` limits to one union (its host).

    Node rows add up every covered union below the node that the actor may see (members and staff for the
    current 入会率 come from the live facts and union profiles; new members and targets from the drive).
    """
    covered = covered_unions(drive).filter(actor.union_filter(Perm.UNION_VIEW))
    if union is not None:
        covered = covered.filter(pk=union.pk)
    covered_sql, covered_params = covered.values("pk").query.sql_with_params()
    node_owned = drive.owner_node_id is not None and union is None
    levels = [*COUNTY_LEVELS, *TOWNSHIP_LEVELS]
    sql = _PROGRESS_SQL.format(covered=covered_sql, node_levels=", ".join(["%s"] * len(levels)))
    params = [
        *covered_params,
        drive.pk,
        drive.pk,
        node_owned,
        (drive.owner_node.path if node_owned else "") + "%",
        *[str(level) for level in levels],
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        raw_rows = cursor.fetchall()

    rows = []
    for (
        kind,
        level,
        node_id,
        union_id,
        branch_id,
        name,
        path,
        new,
        target,
        members,
        staff,
        rt,
        rt_staff,
    ) in raw_rows:
        if kind == "node":
            if not actor.can_on_node(Perm.NODE_VIEW, SimpleNamespace(path=path)):
                continue
            rate_target = (int(rt) * 2 + int(rt_staff)) // (int(rt_staff) * 2) if rt_staff else None
            row_level = "county" if level in COUNTY_LEVELS else "township"
        else:
            rate_target = rt
            row_level = kind
        rows.append(
            ProgressRow(
                level=row_level,
                node_level=level,
                node_id=node_id,
                union_id=union_id,
                branch_id=branch_id,
                name=name,
                path=path,
                new_members=int(new or 0),
                new_members_target=int(target or 0),
                members=int(members or 0),
                staff=int(staff) if staff is not None else None,
                rate_target_permille=int(rate_target) if rate_target is not None else None,
            )
        )
    rows.sort(key=lambda r: (_LEVEL_ORDER[r.level], r.path, r.name, r.union_id or 0, r.branch_id or 0))
    return rows
