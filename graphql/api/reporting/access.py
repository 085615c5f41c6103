"""Fetch-and-authorise for reporting ids, within the request's scope (public host or one union's host)."""

from __future__ import annotations

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from reporting import selectors
from reporting.models import Delivery, ReportFile

PERIOD = "ReportingPeriod"  # the rollup API's type name for periods
SUBMISSION = "ReportSubmission"
REPORT_FILE = "ReportFile"
DELIVERY = "ReportDelivery"


def unit_for(context, global_id, *, union_perm: Perm, node_perm: Perm):
    """A Union or FederationNode behind `global_id`; without one, the host's union (None on the public host)."""
    if global_id is None:
        if context.union is None:
            return None
        if not context.union_visible or not context.actor.can_on_union(union_perm, context.union):
            raise AccessDenied
        return context.union
    if ids.global_id_type(global_id) == ids.FEDERATION_NODE:
        return node_for(context, global_id, node_perm)
    return union_for(context, global_id, union_perm)


def period_for(context, global_id, *, unit=None):
    """The period behind `global_id`: seen through its owner node (federation roles), or through a unit it covers
    that the actor may see (a union's own people, on its host or naming their union)."""
    pk = ids.decode_global_id(global_id, PERIOD)
    if pk is None:
        raise AccessDenied
    if context.union is not None:
        if not context.union_visible:
            raise AccessDenied
        return selectors.access_period(context.actor, pk, union=context.union)
    if unit is not None and selectors.can_see_unit(context.actor, unit):
        from rollup.models import ReportingPeriod

        period = ReportingPeriod.objects.select_related("owner_node").filter(pk=pk).first()
        if period is not None and selectors.unit_within(unit, period.owner_node):
            return period
        raise AccessDenied
    return selectors.access_period(context.actor, pk, Perm.NODE_VIEW)


def period_and_unit(context, period_id, unit_id, *, union_perm: Perm, node_perm: Perm):
    """(period, unit) for operations on one unit's report: the unit named, the host's union, or else the period's
    owner node. The unit must lie within the period's owner."""
    unit = unit_for(context, unit_id, union_perm=union_perm, node_perm=node_perm)
    period = period_for(context, period_id, unit=unit)
    if unit is None:
        unit = period.owner_node
        if not context.actor.can_on_node(node_perm, unit):
            raise AccessDenied
    if not selectors.unit_within(unit, period.owner_node):
        raise AccessDenied
    return period, unit


def period_and_node(context, period_id, node_id, perm: Perm = Perm.NODE_VIEW):
    """(period, node) for federation-level reads and writes (board, files): never on a union host."""
    if context.union is not None:
        raise AccessDenied
    node = node_for(context, node_id, perm) if node_id is not None else None
    period = period_for(context, period_id, unit=node)  # a township sees its county's period through itself
    node = node or period.owner_node
    if not node.path.startswith(period.owner_node.path) or not context.actor.can_on_node(perm, node):
        raise AccessDenied
    return period, node


def submission_for(context, global_id):
    pk = ids.decode_global_id(global_id, SUBMISSION)
    if pk is None or (context.union is not None and not context.union_visible):
        raise AccessDenied
    return selectors.access_submission(context.actor, pk, union=context.union)


def submission_for_review(context, global_id):
    pk = ids.decode_global_id(global_id, SUBMISSION)
    if pk is None or context.union is not None:  # reviewers are federation nodes: public host only
        raise AccessDenied
    return selectors.access_submission_for_review(context.actor, pk)


def report_file_for(context, global_id) -> ReportFile:
    pk = ids.decode_global_id(global_id, REPORT_FILE)
    if pk is None or context.union is not None:
        raise AccessDenied
    row = ReportFile.objects.select_related("node").filter(pk=pk).first()
    if row is None or not context.actor.can_on_node(Perm.NODE_VIEW, row.node):
        raise AccessDenied
    return row


def delivery_for(context, global_id, perm: Perm = Perm.NODE_VIEW) -> Delivery:
    pk = ids.decode_global_id(global_id, DELIVERY)
    if pk is None or context.union is not None:
        raise AccessDenied
    row = Delivery.objects.select_related("node", "period").filter(pk=pk).first()
    if row is None or not context.actor.can_on_node(perm, row.node):
        raise AccessDenied
    return row
