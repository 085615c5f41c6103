"""Reading live facts and rolling them up the federation tree."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext as _

from federations.models import FederationNode, Union
from unionhub.errors import DomainValidationError

from . import indicators as ind
from .catalogue import CATALOGUE, FACTS, PROFILE, RATIO, base_codes, ratio_of, ratio_value
from .models import LiveFact, ReportingPeriod, Snapshot, SnapshotScope, SnapshotValue


def facts_for_union(
    *, union, indicators: Iterable[str] | None = None, period: str | None = None, branch_id: int | None = None
) -> dict[tuple[int, str, str], int]:
    """{(branch_id, indicator, period): value} for one union; zero rows are left out."""
    rows = LiveFact.objects.filter(union=union).exclude(value=0)
    if indicators is not None:
        rows = rows.filter(indicator__in=list(indicators))
    if period is not None:
        rows = rows.filter(period=period)
    if branch_id is not None:
        rows = rows.filter(branch_id=branch_id)
    return {
        (branch, indicator, row_period): value
        for branch, indicator, row_period, value in rows.values_list(
            "branch_id", "indicator", "period", "value"
        )
    }


# --- periods -------------------------------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_bounds(label: str) -> tuple[str, date, date]:
    """(kind, first day, last day) of a period label: "2026" (reporting year 2025-10-01 .. 2026-09-30), "2026Q1"
    (calendar quarter January - March 2026) or "2025-11" (a month). Bad labels raise DomainValidationError."""
    label = (label or "").strip()
    if match := _YEAR.match(label):
        start, end = ind.reporting_year_bounds(match.group(1))
        return "year", start, end
    if match := _QUARTER.match(label):
        year, quarter = int(match.group(1)), int(match.group(2))
        first_month = 3 * quarter - 2
        last_month = first_month + 2
        return (
            "quarterly",
            date(year, first_month, 1),
            date(year, last_month, calendar.monthrange(year, last_month)[1]),
        )
    if (match := _MONTH.match(label)) and 1 <= int(match.group(2)) <= 12:
        year, month = int(match.group(1)), int(match.group(2))
        return "monthly", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    raise DomainValidationError.single(
        "period",
        "invalid",
        _("报告期格式不正确，应为“2026”（报告年度）、“2026Q1”（季度）或“2025-11”（月份）。"),
    )


def flow_label(period) -> str:
    """The reporting year whose flows a period reports (year to date for months and quarters)."""
    label = period.label if isinstance(period, ReportingPeriod) else period
    _kind, _start, end = period_bounds(label)
    return ind.reporting_year(end)


# --- the roll-up tree ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class RollupUnit:
    """One unit of a roll-up: a federation node (its subtree's totals), a union (branch 0) or a branch."""

    kind: str  # "node" | "union" | "branch"
    id: int
    name: str
    level: str  # node level, "union" or the branch kind
    path: str  # a node's own path; a union's parent node path; "" for branches
    parent_id: int | None
    values: dict[str, int | Decimal | None] = field(default_factory=dict)
    children: list[RollupUnit] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def indicators_clean(indicators: Iterable[str] | None) -> list[str]:
    """Requested codes, known and without repeats; None or empty: the whole catalogue."""
    codes = list(dict.fromkeys(indicators or ())) or list(CATALOGUE)
    unknown = [code for code in codes if code not in CATALOGUE]
    if unknown:
        raise DomainValidationError.single(
            "indicators",
            "unknown",
            # Quoted, so an empty or blank code is still visible in the message.
            _("未知的统计指标：%(codes)s") % {"codes": "、".join(f"“{code}”" for code in unknown)},
        )
    return codes


@lru_cache(maxsize=256)
def _plan(codes: tuple[str, ...]) -> tuple[tuple[str, object, bool, bool], ...]:
    """Per code: (code, ratio entry or None, is a profile figure, computable for a branch), worked out once."""
    plan = []
    for code in codes:
        entry = CATALOGUE[code]
        ratio = entry if entry.aggregation == RATIO else None
        plan.append((code, ratio, entry.source == PROFILE, ratio is None or _branch_ok(entry)))
    return tuple(plan)


def _finish(sums: dict[str, int], codes, *, branch: bool = False) -> dict:
    values: dict = {}
    for code, ratio, profile, branch_ok in _plan(tuple(codes)):
        if ratio is not None:
            values[code] = ratio_value(ratio, sums) if not branch or branch_ok else None
        elif branch and profile:
            values[code] = None  # profile figures exist per union only
        else:
            values[code] = sums.get(code, 0)
    return values


def _branch_ok(entry) -> bool:
    return all(CATALOGUE[part].source == FACTS for part in entry.parts)


def _node_of(node):
    if isinstance(node, (FederationNode, Union)):
        return node
    raise TypeError("rollup_tree needs a FederationNode or a Union")


def depth_clean(depth: int | None) -> int | None:
    """None (the whole subtree) or a level count >= 0; a negative depth raises DomainValidationError."""
    if depth is None:
        return None
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 0:
        raise DomainValidationError.single("depth", "invalid", _("层级深度应为不小于 0 的整数。"))
    return depth


def rollup_tree(
    *,
    node,
    period,
    indicators: list[str] | None = None,
    snapshot: Snapshot | None = None,
    depth: int | None = None,
):
    """The roll-up of `node`'s subtree: a RollupUnit tree with values at every node and union.

    Live: one query for the tree's nodes and one for every union's figures (profile columns and its facts summed
    in SQL, grouped by union); node totals are the sums of their unions, added up the tree in Python (a few dozen
    nodes). For a union, its branches are the children (one more query for their facts and names).
    With `snapshot`, the frozen values (the tree as it was when frozen).
    `depth` only prunes what is returned (0: the node alone, 1: with its children, None: everything); every value
    is still its whole subtree's total. Live, unions below the cut are summed per parent node in SQL.
    """
    node = _node_of(node)
    codes = indicators_clean(indicators)
    depth = depth_clean(depth)
    bases = base_codes(codes)
    if snapshot is not None:
        return _cut(_snapshot_tree(node=node, snapshot=snapshot, codes=codes, bases=bases), depth)
    year = flow_label(period)
    if isinstance(node, Union):
        return _union_tree(union=node, year=year, codes=codes, bases=bases, with_branches=depth != 0)
    nodes, unions = _live_rows(path=node.path, year=year, bases=bases, depth=depth)
    return _assemble(root_id=node.pk, nodes=nodes, unions=unions, codes=codes, bases=bases, depth=depth)


def _cut(tree: RollupUnit, depth: int | None) -> RollupUnit:
    """Drop the units more than `depth` levels below the root (values are left as they are)."""
    if depth is None:
        return tree
    if depth == 0:
        tree.children = []
    else:
        for child in tree.children:
            _cut(child, depth - 1)
    return tree


def _unions_sql(bases: list[str]) -> tuple[str, list[str]]:
    """SQL giving one row per live union under a path: id, name, parent node, path, then one column per base."""
    columns: list[str] = []
    fact_codes: list[str] = []
    for code in bases:
        entry = CATALOGUE[code]
        if entry.source == PROFILE:
            columns.append(entry.profile_sql)
        else:
            fact_codes.append(code)
            columns.append(f"coalesce(f.c{len(fact_codes) - 1}, 0)")
    columns = [f"{column} AS b{n}" for n, column in enumerate(columns)]
    select = ", ".join(["u.id", "u.name", "u.parent_node_id", "u.node_path", *columns])
    if fact_codes:
        filters = ", ".join(
            f"sum(value) FILTER (WHERE indicator = %(i{n})s)::bigint AS c{n}" for n in range(len(fact_codes))
        )
        sql = f"""
            SELECT {select} FROM federations_union u
            LEFT JOIN (
                SELECT union_id, {filters} FROM rollup_livefact
                WHERE node_path LIKE %(prefix)s AND branch_id = 0 AND indicator = ANY(%(codes)s)
                  AND period IN ('', %(year)s)
                GROUP BY union_id
            ) f ON f.union_id = u.id
            WHERE u.node_path LIKE %(prefix)s AND u.status <> 'dissolved'
            ORDER BY u.node_path, u.name, u.id
        """
    else:
        sql = f"""
            SELECT {select} FROM federations_union u
            WHERE u.node_path LIKE %(prefix)s AND u.status <> 'dissolved'
            ORDER BY u.node_path, u.name, u.id
        """
    return sql, fact_codes


def _cut_sql(sql: str, count: int) -> str:
    """`sql` (one row per union) split at a depth cut: the unions of the nodes in %(shown)s one row each, the
    others one row per parent node (id, name and path null, each base summed), so no per-union row is returned
    that the cut tree does not show."""
    per_union = sql.rsplit("ORDER BY", 1)[0]
    bases = [f"b{n}" for n in range(count)]
    summed = ", ".join(
        ["NULL::bigint", "NULL", "parent_node_id", "NULL", *(f"sum({b})::bigint" for b in bases)]
    )
    return f"""
        WITH per_union AS ({per_union})
        SELECT * FROM per_union WHERE parent_node_id = ANY(%(shown)s)
        UNION ALL
        SELECT {summed} FROM per_union WHERE NOT parent_node_id = ANY(%(shown)s) GROUP BY parent_node_id
        ORDER BY 4, 2, 1
    """


def _live_rows(*, path: str, year: str, bases: list[str], depth: int | None = None):
    """The subtree's nodes and its union rows; with `depth`, only the unions shown within it get a row each (the
    others come summed per parent node, as `_cut_sql` says)."""
    sql, fact_codes = _unions_sql(bases)
    params = {"prefix": path + "%", "year": year, "codes": fact_codes}
    params.update({f"i{n}": code for n, code in enumerate(fact_codes)})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, level, parent_id, path FROM federations_federationnode WHERE path LIKE %s "
            "ORDER BY path",
            [path + "%"],
        )
        nodes = cursor.fetchall()
        if depth is not None:
            # Unions sit one level below their parent node: shown when the parent is above the cut.
            root_level = path.count("/")
            shown = [row[0] for row in nodes if row[4].count("/") - root_level < depth]
            if len(shown) < len(nodes):
                sql = _cut_sql(sql, len(bases))
                params["shown"] = shown
        cursor.execute(sql, params)
        unions = cursor.fetchall()
    return nodes, unions


@lru_cache(maxsize=256)
def _row_plan(codes: tuple[str, ...], bases: tuple[str, ...]) -> tuple[tuple, ...]:
    """Per code, where its value comes from in a row of base sums (ordered as `bases`): (code, index, None, None)
    for a sum, (code, numerator index, denominator indexes, scale) for a ratio. Worked out once per code set."""
    position = {code: index for index, code in enumerate(bases)}
    plan = []
    for code in codes:
        entry = CATALOGUE[code]
        if entry.aggregation == RATIO:
            denominators = tuple(position[part] for part in entry.denominator)
            plan.append((code, position[entry.numerator], denominators, entry.scale))
        else:
            plan.append((code, position[code], None, None))
    return tuple(plan)


def _row_values(plan, row) -> dict:
    """The values of a union or node from its base sums: as `_finish`, without building a dict of the sums."""
    values = {}
    for code, index, denominators, scale in plan:
        if denominators is None:
            values[code] = row[index]
        elif len(denominators) == 1:
            values[code] = ratio_of(row[index], row[denominators[0]], scale)
        elif len(denominators) == 2:
            values[code] = ratio_of(row[index], row[denominators[0]] + row[denominators[1]], scale)
        else:
            values[code] = ratio_of(row[index], sum([row[i] for i in denominators]), scale)
    return values


def _assemble(*, root_id, nodes, unions, codes, bases, depth: int | None = None) -> RollupUnit:
    plan = _row_plan(tuple(codes), tuple(bases))
    units: dict[int, RollupUnit] = {}
    for node_id, name, level, parent_id, path in nodes:
        units[node_id] = RollupUnit("node", node_id, name, level, path, parent_id)
    # Group the union rows by parent node (1,000 unions, a few dozen nodes), sum each group column-wise, then
    # add each group's sums to every node on its path. A row with a null id is already a parent node's sum of
    # the unions below a depth cut: it counts in the totals and is not shown.
    by_parent: dict[int, list] = {}
    union_units: list[RollupUnit] = []
    for row in unions:
        union_id, name, parent_id, node_path = row[:4]
        sums = row[4:]
        group = by_parent.get(parent_id)
        if group is None:
            by_parent[parent_id] = [sums]
        else:
            group.append(sums)
        if union_id is not None:
            union_units.append(
                RollupUnit("union", union_id, name, "union", node_path, parent_id, _row_values(plan, sums))
            )
    totals: dict[int, list[int]] = {node_id: [0] * len(bases) for node_id in units}
    for parent_id, group in by_parent.items():
        unit = units.get(parent_id)
        if unit is None:
            continue
        bucket = [sum(column) for column in zip(*group, strict=True)]
        for ancestor in (int(part) for part in unit.path.strip("/").split("/")):
            target = totals.get(ancestor)
            if target is not None:
                totals[ancestor] = [a + b for a, b in zip(target, bucket, strict=True)]
    root_level = units[root_id].path.count("/")
    for node_id, unit in units.items():
        if depth is not None and unit.path.count("/") - root_level > depth:
            continue  # below the cut: counted in its ancestors' totals only
        unit.values = _row_values(plan, totals[node_id])
        parent = units.get(unit.parent_id) if node_id != root_id else None
        if parent is not None:
            parent.children.append(unit)
    for unit in union_units:
        parent = units.get(unit.parent_id)
        if parent is not None:
            parent.children.append(unit)
    return units[root_id]


def _union_tree(*, union, year, codes, bases, with_branches: bool = True) -> RollupUnit:
    """A union (branch 0) with its branches as children: two queries (the union's facts, its branch names);
    without `with_branches`, the union alone (one query)."""
    sql, fact_codes = _unions_sql(bases)
    sql = sql.replace("WHERE u.node_path LIKE %(prefix)s AND u.status", "WHERE u.id = %(union)s AND u.status")
    params = {"prefix": union.node_path + "%", "year": year, "codes": fact_codes, "union": union.pk}
    params.update({f"i{n}": code for n, code in enumerate(fact_codes)})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        branch_rows = []
        if fact_codes and with_branches:
            cursor.execute(
                f"""
                SELECT b.id, b.name, b.kind, f.indicator, f.value
                FROM {connection.ops.quote_name(union.schema_name)}.organisation_branch b
                LEFT JOIN rollup_livefact f
                  ON f.union_id = %s AND f.branch_id = b.id AND f.indicator = ANY(%s) AND f.period IN ('', %s)
                ORDER BY b.sort_order, b.name, b.id
                """,
                [union.pk, fact_codes, year],
            )
            branch_rows = cursor.fetchall()
    if row is None:  # dissolved
        row = (union.pk, union.name, union.parent_node_id, union.node_path, *([0] * len(bases)))
    union_id, name, parent_id, node_path, *values = row
    unit = RollupUnit(
        "union",
        union_id,
        name,
        "union",
        node_path,
        parent_id,
        _finish(dict(zip(bases, values, strict=True)), codes),
    )
    branches: dict[int, tuple[RollupUnit, dict]] = {}
    for branch_id, branch_name, kind, indicator, value in branch_rows:
        if branch_id not in branches:
            branches[branch_id] = (RollupUnit("branch", branch_id, branch_name, kind, "", union_id), {})
        if indicator is not None:
            sums = branches[branch_id][1]
            sums[indicator] = sums.get(indicator, 0) + value
    for branch, sums in branches.values():
        branch.values = _finish(sums, codes, branch=True)
        unit.children.append(branch)
    return unit


def _snapshot_tree(*, node, snapshot: Snapshot, codes, bases) -> RollupUnit:
    """The frozen figures: node and union rows of the snapshot under the node's path (one query)."""
    is_union = isinstance(node, Union)
    rows = SnapshotValue.objects.filter(snapshot=snapshot, indicator__in=bases)
    if is_union:
        rows = rows.filter(scope=SnapshotScope.UNION, unit_id=node.pk)
    else:
        rows = rows.filter(node_path__startswith=node.path)
    units: dict[tuple[str, int], RollupUnit] = {}
    sums: dict[tuple[str, int], dict[str, int]] = {}
    for scope, unit_id, unit_name, node_path, indicator, value in rows.values_list(
        "scope", "unit_id", "unit_name", "node_path", "indicator", "value"
    ).order_by("node_path", "scope", "unit_name", "unit_id"):
        key = (scope, unit_id)
        if key not in units:
            if scope == SnapshotScope.NODE:
                parts = node_path.strip("/").split("/")
                parent_id = int(parts[-2]) if len(parts) > 1 else None
                units[key] = RollupUnit("node", unit_id, unit_name, "", node_path, parent_id)
            else:
                parent_id = int(node_path.strip("/").split("/")[-1])
                units[key] = RollupUnit("union", unit_id, unit_name, "union", node_path, parent_id)
            sums[key] = {}
        sums[key][indicator] = value
    for key, unit in units.items():
        unit.values = _finish(sums[key], codes)
        if not (is_union or (unit.kind == "node" and unit.id == node.pk)):
            parent = units.get(("node", unit.parent_id))
            if parent is not None:
                parent.children.append(unit)
    root = units.get(("union", node.pk) if is_union else ("node", node.pk))
    if root is None:
        root = RollupUnit(
            "union" if is_union else "node",
            node.pk,
            node.name,
            "union" if is_union else node.level,
            node.node_path if is_union else node.path,
            node.parent_node_id if is_union else node.parent_id,
            _finish({}, codes),
        )
    return root
