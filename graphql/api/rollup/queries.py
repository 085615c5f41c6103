"""Root query fields: the indicator catalogue, roll-ups (live or frozen), periods, snapshots, checks."""

from __future__ import annotations

import graphene
from django.db.models import Prefetch
from graphql import GraphQLError

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, or_none, union_for
from rollup import checks, selectors
from rollup.models import RecountDifference as RecountDifferenceModel
from rollup.models import ReportingPeriod as ReportingPeriodModel
from rollup.models import Snapshot as SnapshotModel
from unionhub.errors import DomainValidationError

from .loaders import CloseProgressLoader
from .types import (
    CheckFailure,
    Indicator,
    ReportingPeriod,
    Rollup,
    catalogue_list,
    period_for,
    rollup_payload,
    snapshot_for,
)

PERIOD_PREFETCH = (
    Prefetch("snapshots", queryset=SnapshotModel.objects.select_related("created_by", "period")),
    Prefetch("differences", queryset=RecountDifferenceModel.objects.select_related("union")),
)


def unit_for(context, global_id):
    """The node or union behind `global_id` that the actor may view (a union host: only its own union)."""
    kind = ids.global_id_type(global_id)
    if kind == ids.UNION:
        return union_for(context, global_id, Perm.UNION_VIEW)
    if kind == ids.FEDERATION_NODE:
        return node_for(context, global_id, Perm.NODE_VIEW)
    raise AccessDenied


def _snapshot_covering(context, global_id, unit):
    """A snapshot whose period covers `unit`: readable by whoever may view the unit (a union sees its own figures
    in its federation's snapshot, never the rest of it)."""
    pk = ids.decode_global_id(global_id, "Snapshot")
    if pk is None:
        raise AccessDenied
    snapshot = SnapshotModel.objects.select_related("period__owner_node").filter(pk=pk).first()
    if snapshot is None:
        raise AccessDenied
    path = unit.node_path if hasattr(unit, "node_path") else unit.path
    if not path.startswith(snapshot.period.owner_node.path):
        raise AccessDenied
    return snapshot


def _graphql_error(exc: DomainValidationError) -> GraphQLError:
    error = exc.errors[0]
    return GraphQLError(error.message, extensions={"code": error.code, "field": error.field})


def _branch_filter(context, unit, tree):
    """A branch officer sees the branches they hold, not their neighbours."""
    from federations.models import Union

    if not isinstance(unit, Union):
        return tree
    scope = context.actor.branch_scope(Perm.UNION_VIEW, unit)
    if scope is not None:
        tree.children = [child for child in tree.children if child.id in scope]
    return tree


class RollupQueries(graphene.ObjectType):
    indicators = graphene.List(
        graphene.NonNull(Indicator),
        required=True,
        codes=graphene.List(graphene.NonNull(graphene.String), description="Only these (default: all)."),
        description="The indicator catalogue.",
    )
    rollup = graphene.Field(
        Rollup,
        node=graphene.ID(
            required=True, description="A federation node or a union (a union lists its branches)."
        ),
        period=graphene.String(required=True, description='"2026" (reporting year), "2026Q1" or "2025-11".'),
        indicators=graphene.List(graphene.NonNull(graphene.String), description="Codes (default: all)."),
        snapshot=graphene.ID(description="Frozen figures of this snapshot instead of the live ones."),
        depth=graphene.Int(
            description="Levels below the unit to return: 0 the unit alone, 1 with its children (e.g. a county and "
            "its townships and the unions directly under it); default: the whole subtree. Values stay the totals of "
            "each unit's whole subtree."
        ),
        description="Figures summed up the tree at every level; null when the unit is not visible.",
    )
    logic_checks = graphene.List(
        graphene.NonNull(CheckFailure),
        node=graphene.ID(required=True),
        period=graphene.String(required=True),
        snapshot=graphene.ID(),
        branches=graphene.Boolean(description="Also check every union's branches (live only)."),
        description="Failed logic checks (逻辑检查) under the unit; empty when all pass or nothing is visible.",
    )
    reporting_periods = graphene.List(
        graphene.NonNull(ReportingPeriod),
        required=True,
        node=graphene.ID(required=True),
        description="Periods of a federation node, newest first.",
    )
    reporting_period = graphene.Field(ReportingPeriod, id=graphene.ID(required=True))

    @staticmethod
    def resolve_indicators(root, info, codes=None):
        try:
            return catalogue_list(selectors.indicators_clean(codes) if codes else None)
        except DomainValidationError as exc:
            raise _graphql_error(exc) from None

    @staticmethod
    def resolve_rollup(root, info, node, period, indicators=None, snapshot=None, depth=None):
        context = info.context
        try:
            unit = unit_for(context, node)
            frozen = _snapshot_covering(context, snapshot, unit) if snapshot is not None else None
        except AccessDenied:
            return None
        try:
            flow_period = selectors.flow_label(frozen.period if frozen else period)
            tree = selectors.rollup_tree(
                node=unit, period=period, indicators=indicators, snapshot=frozen, depth=depth
            )
        except DomainValidationError as exc:
            raise _graphql_error(exc) from None
        tree = _branch_filter(context, unit, tree)
        return rollup_payload(
            tree, period=frozen.period.label if frozen else period, flow_period=flow_period, snapshot=frozen
        )

    @staticmethod
    def resolve_logic_checks(root, info, node, period, snapshot=None, branches=False):
        context = info.context
        try:
            unit = unit_for(context, node)
            frozen = _snapshot_covering(context, snapshot, unit) if snapshot is not None else None
        except AccessDenied:
            return []
        try:
            selectors.period_bounds(period)
            failures = checks.logic_checks(node=unit, period=period, snapshot=frozen, branches=bool(branches))
        except DomainValidationError as exc:
            raise _graphql_error(exc) from None
        return failures

    @staticmethod
    def resolve_reporting_periods(root, info, node):
        context = info.context
        owner = or_none(node_for, context, node, Perm.NODE_VIEW)
        if owner is None:
            return []
        periods = list(
            ReportingPeriodModel.objects.filter(owner_node=owner)
            .select_related("owner_node")
            .prefetch_related(*PERIOD_PREFETCH)
            .order_by("-ends_on", "kind")
        )
        context.loader(CloseProgressLoader).queue(p.close_run_id for p in periods if p.close_run_id)
        return periods

    @staticmethod
    def resolve_reporting_period(root, info, id):
        return or_none(period_for, info.context, id)


__all__ = ["RollupQueries", "snapshot_for"]
