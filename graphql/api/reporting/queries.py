"""Root query fields for statistical report submission, the board, checks, files and deliveries."""

from __future__ import annotations

import graphene
from django.db.models import Prefetch

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, or_none
from reporting import selectors
from reporting.models import Delivery, DeliveryAttempt, ReportFile, ReportRecipient
from reporting.services import checks_for, explanations_for, failure_key

from .access import period_and_node, period_and_unit, period_for, submission_for
from .types import CheckResult, ReportBoard, ReportDelivery, ReportSubmission
from .types import ReportFile as ReportFileType
from .types import ReportRecipient as ReportRecipientType


class ReportingQueries(graphene.ObjectType):
    report_board = graphene.Field(
        ReportBoard,
        period=graphene.ID(required=True),
        node=graphene.ID(description="Default: the period's owner node."),
        description="Who in the node's subtree has and has not submitted the period's report (federation staff, "
        "public host); null when refused.",
    )
    report_submission = graphene.Field(ReportSubmission, id=graphene.ID(required=True))
    report_unit_submission = graphene.Field(
        ReportSubmission,
        period=graphene.ID(required=True),
        unit=graphene.ID(
            description="A Union or FederationNode; default: the host's union, else the period's owner."
        ),
        description="A unit's submission for the period (null: not submitted, or refused).",
    )
    report_checks = graphene.List(
        graphene.NonNull(CheckResult),
        required=True,
        period=graphene.ID(required=True),
        unit=graphene.ID(
            description="A Union or FederationNode; default: the host's union, else the period's owner."
        ),
        description="The logic-check failures that would block the unit's submission now, with explanations given.",
    )
    report_files = graphene.List(
        graphene.NonNull(ReportFileType),
        required=True,
        period=graphene.ID(required=True),
        node=graphene.ID(description="Default: the period's owner node."),
    )
    report_deliveries = graphene.List(
        graphene.NonNull(ReportDelivery),
        required=True,
        node=graphene.ID(required=True),
        period=graphene.ID(),
        description="Deliveries of the node's reports to the higher-level union, newest first, with their log.",
    )
    report_recipient = graphene.Field(
        ReportRecipientType,
        node=graphene.ID(required=True),
        description="Where the node's reports are delivered (null: not set up, or refused).",
    )

    @staticmethod
    def resolve_report_board(root, info, period, node=None):
        try:
            found_period, found_node = period_and_node(info.context, period, node)
        except AccessDenied:
            return None
        return selectors.board(node=found_node, period=found_period)

    @staticmethod
    def resolve_report_submission(root, info, id):
        return or_none(submission_for, info.context, id)

    @staticmethod
    def resolve_report_unit_submission(root, info, period, unit=None):
        try:
            found_period, found_unit = period_and_unit(
                info.context, period, unit, union_perm=Perm.UNION_VIEW, node_perm=Perm.NODE_VIEW
            )
        except AccessDenied:
            return None
        return selectors.submission_for_unit(period=found_period, unit=found_unit)

    @staticmethod
    def resolve_report_checks(root, info, period, unit=None):
        from federations.models import Union

        try:
            found_period, found_unit = period_and_unit(
                info.context, period, unit, union_perm=Perm.UNION_VIEW, node_perm=Perm.NODE_VIEW
            )
        except AccessDenied:
            return []
        snapshot = selectors.current_snapshot(found_period)
        failures = checks_for(period=found_period, unit=found_unit, snapshot=snapshot)
        union_id = found_unit.pk if isinstance(found_unit, Union) else 0
        keys = [failure_key(f, union_id=union_id) for f in failures]
        explained = explanations_for(period=found_period, keys=keys)
        results = []
        for failure, key in zip(failures, keys, strict=True):
            if failure.unit_kind == "branch":
                unit_id = ids.to_tenant_global_id("Branch", union_id, failure.unit_id)
            else:
                unit_id = ids.to_global_id(
                    ids.UNION if failure.unit_kind == "union" else ids.FEDERATION_NODE, failure.unit_id
                )
            results.append(
                CheckResult(
                    unit_kind=failure.unit_kind,
                    unit_id=unit_id,
                    unit_name=failure.unit_name,
                    rule_code=failure.rule,
                    message=failure.message,
                    explanation=explained[key].text if key in explained else None,
                )
            )
        return results

    @staticmethod
    def resolve_report_files(root, info, period, node=None):
        try:
            found_period, found_node = period_and_node(info.context, period, node)
        except AccessDenied:
            return []
        return list(
            ReportFile.objects.filter(node=found_node, period=found_period)
            .select_related("snapshot")
            .order_by("kind")
        )

    @staticmethod
    def resolve_report_deliveries(root, info, node, period=None):
        context = info.context
        if context.union is not None:
            return []
        found_node = or_none(node_for, context, node, Perm.NODE_VIEW)
        if found_node is None:
            return []
        rows = Delivery.objects.filter(node=found_node)
        if period is not None:
            found_period = or_none(period_for, context, period)
            if found_period is None:
                return []
            rows = rows.filter(period=found_period)
        return list(
            rows.order_by("-id").prefetch_related(
                Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
            )[:100]
        )

    @staticmethod
    def resolve_report_recipient(root, info, node):
        context = info.context
        if context.union is not None:
            return None
        found_node = or_none(node_for, context, node, Perm.NODE_VIEW)
        if found_node is None:
            return None
        return ReportRecipient.objects.filter(node=found_node).first()
