"""Mutations for reporting periods: open, close (recount and freeze), amend a closed period's snapshot."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.access import node_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from rollup import periods

from .types import ReportingPeriod, Snapshot, period_for


class ReportingPeriodOpen(BaseMutation):
    """Open a reporting period of a federation node (federation admins)."""

    class Arguments:
        node = graphene.ID(required=True)
        label = graphene.String(required=True, description='"2026" (reporting year), "2026Q1" or "2025-11".')

    period = graphene.Field(ReportingPeriod)

    @classmethod
    def perform(cls, info, context, node, label):
        try:
            owner = node_for(context, node, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("node") from None
        return {"period": periods.period_open(node=owner, label=label, actor=context.user)}


class ReportingPeriodClose(BaseMutation):
    """Close a period: every union's figures are recounted from its own tables (differences are flagged), then an
    immutable snapshot is frozen. Refused for a closed period (amend it instead)."""

    class Arguments:
        id = graphene.ID(required=True)

    period = graphene.Field(ReportingPeriod)

    @classmethod
    def perform(cls, info, context, id):
        try:
            period = period_for(context, id, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("id") from None
        return {"period": periods.period_close(period=period, actor=context.user)}


class SnapshotAmend(BaseMutation):
    """A new version of a closed period's figures, frozen from today's live figures; the reason is required."""

    class Arguments:
        period = graphene.ID(required=True)
        reason = graphene.String(required=True)

    snapshot = graphene.Field(Snapshot)

    @classmethod
    def perform(cls, info, context, period, reason):
        try:
            owner_period = period_for(context, period, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("period") from None
        return {"snapshot": periods.snapshot_amend(period=owner_period, reason=reason, actor=context.user)}


class RollupMutations(graphene.ObjectType):
    reporting_period_open = ReportingPeriodOpen.Field()
    reporting_period_close = ReportingPeriodClose.Field()
    snapshot_amend = SnapshotAmend.Field()
