"""GraphQL types for the indicator catalogue, roll-up trees, reporting periods, snapshots, differences, checks."""

from __future__ import annotations

from decimal import Decimal

import graphene

from accounts.access import AccessDenied, Perm, access_node
from api.core import ids
from api.core.types import ModelNode, enum_from_choices
from rollup import models
from rollup.catalogue import CATALOGUE

REPORTING_PERIOD = "ReportingPeriod"
SNAPSHOT = "Snapshot"

PeriodKindEnum = enum_from_choices(models.PeriodKind, "Monthly, quarterly or the reporting year.")
PeriodStatusEnum = enum_from_choices(models.PeriodStatus, "Open, closing (recounting) or closed (frozen).")


class IndicatorAggregation(graphene.Enum):
    """How an indicator aggregates up the tree."""

    SUM = "sum"
    RATIO = "ratio"  # sum(numerator) / sum(denominators), never an average of rates


class Indicator(graphene.ObjectType):
    """One entry of the indicator catalogue."""

    code = graphene.String(required=True)
    name = graphene.String(required=True)
    unit = graphene.String(required=True)
    definition = graphene.String(required=True)
    aggregation = graphene.Field(IndicatorAggregation, required=True)
    source = graphene.String(
        required=True, description="facts (live facts), profile (union profile) or derived."
    )
    flow = graphene.Boolean(
        required=True, description="Counted per reporting year (else a stock, as of now)."
    )
    numerator = graphene.String(description="Ratios: the indicator summed above the line.")
    denominator = graphene.List(graphene.NonNull(graphene.String), required=True)
    scale = graphene.Decimal(required=True, description="Ratios: multiplier (100 for a percentage).")
    group = graphene.String(required=True)

    @staticmethod
    def resolve_name(root, info):
        return str(root.name)

    @staticmethod
    def resolve_unit(root, info):
        return str(root.unit)

    @staticmethod
    def resolve_definition(root, info):
        return str(root.definition)


class RollupUnitKind(graphene.Enum):
    NODE = "node"
    UNION = "union"
    BRANCH = "branch"


class RollupUnit(graphene.ObjectType):
    """One row of a roll-up: a federation node (its subtree's totals), a union, or one of its branches."""

    key = graphene.String(required=True, description='"node:<id>", "union:<id>" or "branch:<union id>:<id>".')
    parent_key = graphene.String(description="The key of the unit above; null for the root.")
    depth = graphene.Int(required=True, description="0 for the root.")
    kind = graphene.Field(RollupUnitKind, required=True)
    unit_id = graphene.ID(description="Global id of the node or union; null for branches.")
    name = graphene.String(required=True)
    level = graphene.String(required=True, description='Node level, "union", or the branch kind.')
    values = graphene.List(
        graphene.Decimal,
        required=True,
        description="One per code of Rollup.indicators, in that order; null for a ratio whose denominator is 0 "
        "and for profile figures of a branch. (A flat list: 1,000 units x a dozen values stay cheap to serialise.)",
    )


class Rollup(graphene.ObjectType):
    """A roll-up tree as a flat list in tree order (depth first), root first."""

    period = graphene.String(required=True)
    indicators = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The codes, in the order of every values list.",
    )
    flow_period = graphene.String(required=True, description="The reporting year whose flows are counted.")
    snapshot = graphene.Field(lambda: Snapshot, description="Null for live figures.")
    root = graphene.Field(RollupUnit, required=True)
    units = graphene.List(graphene.NonNull(RollupUnit), required=True)


def rollup_payload(tree, *, period: str, flow_period: str, snapshot=None) -> dict:
    units = []

    def key_of(unit, union_id=None):
        if unit.kind == "branch":
            return f"branch:{union_id}:{unit.id}"
        return f"{unit.kind}:{unit.id}"

    def visit(unit, parent_key, depth, union_id):
        key = key_of(unit, union_id)
        unit_id = None
        if unit.kind == "node":
            unit_id = ids.to_global_id(ids.FEDERATION_NODE, unit.id)
        elif unit.kind == "union":
            unit_id = ids.to_global_id(ids.UNION, unit.id)
        units.append(
            RollupUnit(
                key=key,
                parent_key=parent_key,
                depth=depth,
                kind=unit.kind,
                unit_id=unit_id,
                name=unit.name,
                level=unit.level or "",
                values=[None if value is None else Decimal(value) for value in unit.values.values()],
            )
        )
        for child in unit.children:
            visit(child, key, depth + 1, unit.id if unit.kind == "union" else union_id)

    visit(tree, None, 0, None)
    return Rollup(
        period=period,
        indicators=list(tree.values),
        flow_period=flow_period,
        snapshot=snapshot,
        root=units[0],
        units=units,
    )


class CheckFailure(graphene.ObjectType):
    """A failed logic check (逻辑检查): the unit and the rule."""

    unit_kind = graphene.Field(RollupUnitKind, required=True)
    unit_id = graphene.ID(description="Global id of the node or union; null for branches.")
    unit_name = graphene.String(required=True)
    rule = graphene.String(required=True)
    message = graphene.String(required=True)

    @staticmethod
    def resolve_unit_id(root, info):
        if root.unit_kind == "node":
            return ids.to_global_id(ids.FEDERATION_NODE, root.unit_id)
        if root.unit_kind == "union":
            return ids.to_global_id(ids.UNION, root.unit_id)
        return None


class RecountDifference(graphene.ObjectType):
    """A live figure that did not match the recount from the union's own tables when the period was closed."""

    union_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    branch_id = graphene.Int(required=True, description="0 for the union as a whole.")
    indicator = graphene.String(required=True)
    fact_period = graphene.String(required=True, description='"" for stocks, the reporting year for flows.')
    live_value = graphene.Int(required=True)
    recount_value = graphene.Int(required=True)
    status = graphene.String(required=True)

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.union.name


def period_for(context, global_id, perm: Perm = Perm.NODE_VIEW) -> models.ReportingPeriod:
    """The period behind `global_id` if the actor holds `perm` on its owner node (public host only)."""
    pk = ids.decode_global_id(global_id, REPORTING_PERIOD)
    if pk is None or context.union is not None:
        raise AccessDenied
    period = models.ReportingPeriod.objects.select_related("owner_node").filter(pk=pk).first()
    if period is None:
        raise AccessDenied
    access_node(context.actor, period.owner_node_id, perm)
    return period


def snapshot_for(context, global_id) -> models.Snapshot:
    """A snapshot the actor may read: on its period's owner node (NODE_VIEW)."""
    pk = ids.decode_global_id(global_id, SNAPSHOT)
    if pk is None or context.union is not None:
        raise AccessDenied
    snapshot = models.Snapshot.objects.select_related("period__owner_node").filter(pk=pk).first()
    if snapshot is None:
        raise AccessDenied
    access_node(context.actor, snapshot.period.owner_node_id, Perm.NODE_VIEW)
    return snapshot


class Snapshot(ModelNode):
    """A frozen, immutable copy of a closed period's figures; later versions are amendments with a reason."""

    class Meta:
        name = SNAPSHOT
        model = models.Snapshot
        fetch = snapshot_for

    version = graphene.Int(required=True)
    reason = graphene.String(required=True)
    is_current = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)
    created_by_name = graphene.String(required=True)
    period_label = graphene.String(required=True)

    @staticmethod
    def resolve_created_by_name(root, info):
        user = root.created_by
        return (getattr(user, "full_name", "") or getattr(user, "username", "")) if user else ""

    @staticmethod
    def resolve_period_label(root, info):
        return root.period.label


class CloseProgress(graphene.ObjectType):
    total = graphene.Int(required=True)
    done = graphene.Int(required=True)
    failed = graphene.Int(required=True)
    finished = graphene.Boolean(required=True)


class ReportingPeriod(ModelNode):
    """A reporting period of a federation node (monthly, quarterly or the reporting year)."""

    class Meta:
        name = REPORTING_PERIOD
        model = models.ReportingPeriod
        fetch = period_for

    owner_node_name = graphene.String(required=True)
    owner_node_id = graphene.ID(required=True)
    kind = graphene.Field(PeriodKindEnum, required=True)
    label = graphene.String(required=True)
    starts_on = graphene.Date(required=True)
    ends_on = graphene.Date(required=True)
    status = graphene.Field(PeriodStatusEnum, required=True)
    status_label = graphene.String(required=True)
    closed_at = graphene.DateTime()
    close_progress = graphene.Field(CloseProgress, description="Recount progress of the close; null before.")
    snapshots = graphene.List(graphene.NonNull(Snapshot), required=True, description="Newest version first.")
    current_snapshot = graphene.Field(Snapshot)
    differences = graphene.List(
        graphene.NonNull(RecountDifference), required=True, description="Found by the close's recount."
    )

    @staticmethod
    def resolve_owner_node_name(root, info):
        return root.owner_node.name

    @staticmethod
    def resolve_owner_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.owner_node_id)

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_close_progress(root, info):
        from .loaders import CloseProgressLoader

        if root.close_run_id is None:
            return None
        counts = info.context.loader(CloseProgressLoader).load(root.close_run_id) or {
            "total": 0,
            "done": 0,
            "failed": 0,
        }
        return CloseProgress(
            total=counts["total"],
            done=counts["done"],
            failed=counts["failed"],
            finished=counts["done"] == counts["total"],
        )

    # Lists prefetch snapshots and differences (queries.PERIOD_PREFETCH): read them with .all().
    @staticmethod
    def resolve_snapshots(root, info):
        return sorted(root.snapshots.all(), key=lambda snapshot: -snapshot.version)

    @staticmethod
    def resolve_current_snapshot(root, info):
        return next((snapshot for snapshot in root.snapshots.all() if snapshot.is_current), None)

    @staticmethod
    def resolve_differences(root, info):
        return sorted(
            root.differences.all(), key=lambda d: (d.union.name, d.indicator, d.branch_id, d.fact_period)
        )


def catalogue_list(codes=None):
    return [CATALOGUE[code] for code in codes] if codes else list(CATALOGUE.values())
