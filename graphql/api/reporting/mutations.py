"""Mutations for report submission, reviews, deadlines, files and delivery settings: thin calls into reporting."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from federations.models import Union
from reporting import delivery as delivery_service
from reporting import files as report_files
from reporting import services

from .access import (
    delivery_for,
    period_and_node,
    period_and_unit,
    period_for,
    submission_for_review,
)
from .types import (
    ReportDelivery,
    ReportFile,
    ReportRecipient,
    ReportSubmission,
    SubmissionDeadline,
    SubmissionLevelEnum,
)


def _user(context):
    return context.user if context.actor.is_authenticated else None


def _submitting(context, period, unit):
    try:
        return period_and_unit(
            context, period, unit, union_perm=Perm.UNION_MANAGE, node_perm=Perm.NODE_MANAGE
        )
    except AccessDenied:
        raise field_not_found("unit" if unit is not None else "period") from None


class CheckExplanationInput(graphene.InputObjectType):
    unit = graphene.ID(
        description="The failing unit (Union, FederationNode or Branch global id from reportChecks); default: the "
        "submitting unit."
    )
    rule_code = graphene.String(required=True, description="The rule code from reportChecks.")
    text = graphene.String(
        required=True, description="Why the figures are right as they are (max 500 chars)."
    )


def _explanation_specs(context, unit, explanations) -> list[services.ExplanationSpec]:
    own_kind = "union" if isinstance(unit, Union) else "node"
    specs = []
    for item in explanations:
        failing = item.get("unit")
        if failing is None:
            kind, pk = own_kind, unit.pk
        else:
            kind_name = ids.global_id_type(failing)
            if kind_name == "Branch" and isinstance(unit, Union):
                kind, pk = "branch", ids.decode_tenant_global_id(failing, "Branch", unit.pk)
            elif kind_name == ids.UNION:
                kind, pk = "union", ids.decode_global_id(failing, ids.UNION)
            elif kind_name == ids.FEDERATION_NODE:
                kind, pk = "node", ids.decode_global_id(failing, ids.FEDERATION_NODE)
            else:
                kind, pk = "", None
            if pk is None:
                raise field_not_found("explanations")
        specs.append(services.ExplanationSpec(kind, pk, item["rule_code"], item["text"]))
    return specs


class SubmissionExplainChecks(BaseMutation):
    """Explain logic-check failures of a unit's report (or of units below it) so that it may be submitted."""

    class Arguments:
        period = graphene.ID(required=True)
        unit = graphene.ID(
            description="Union or FederationNode; default: the host's union, else the period's owner."
        )
        explanations = graphene.List(graphene.NonNull(CheckExplanationInput), required=True)

    count = graphene.Int(description="Explanations recorded.")
    submission_unit_name = graphene.String()

    @classmethod
    def perform(cls, info, context, period, explanations, unit=None):
        found_period, found_unit = _submitting(context, period, unit)
        rows = services.check_failures_explain(
            period=found_period,
            unit=found_unit,
            explanations=_explanation_specs(context, found_unit, explanations),
            user=_user(context),
        )
        return {"count": len(rows), "submission_unit_name": found_unit.name, "_target": rows[0]}

    @classmethod
    def after_success(cls, info, arguments, result):
        target = result.pop("_target")
        result["explanation"] = target  # the audit entry names the first explanation
        super().after_success(info, arguments, result)
        result.pop("explanation")


class SubmissionSubmit(BaseMutation):
    """Submit a unit's report for a period to the level above. Refused while logic checks fail unexplained,
    while units it reviews are not accepted, or when already submitted."""

    class Arguments:
        period = graphene.ID(required=True)
        unit = graphene.ID(
            description="Union or FederationNode; default: the host's union, else the period's owner."
        )

    submission = graphene.Field(ReportSubmission)

    @classmethod
    def perform(cls, info, context, period, unit=None):
        found_period, found_unit = _submitting(context, period, unit)
        submission = services.submission_submit(period=found_period, unit=found_unit, user=_user(context))
        return {"submission": submission}


def _reviewable(context, global_id):
    try:
        return submission_for_review(context, global_id)
    except AccessDenied:
        raise field_not_found("id") from None


class SubmissionAccept(BaseMutation):
    """Accept a report the viewer's node reviews (federation admins of that node or above, public host)."""

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String()

    submission = graphene.Field(ReportSubmission)

    @classmethod
    def perform(cls, info, context, id, comment=None):
        submission = services.submission_accept(
            submission=_reviewable(context, id), user=_user(context), comment=comment or ""
        )
        return {"submission": submission}


class SubmissionReturn(BaseMutation):
    """Return a report to its unit with comments (required)."""

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String(required=True)

    submission = graphene.Field(ReportSubmission)

    @classmethod
    def perform(cls, info, context, id, comment):
        submission = services.submission_return(
            submission=_reviewable(context, id), user=_user(context), comment=comment
        )
        return {"submission": submission}


class DeadlineInput(graphene.InputObjectType):
    level = SubmissionLevelEnum(required=True)
    due_on = graphene.Date(required=True)


class ReportDeadlinesSet(BaseMutation):
    """Set the last day each level may submit the period (admins of the period's owner node)."""

    class Arguments:
        period = graphene.ID(required=True)
        deadlines = graphene.List(graphene.NonNull(DeadlineInput), required=True)

    deadlines = graphene.List(graphene.NonNull(SubmissionDeadline))

    @classmethod
    def perform(cls, info, context, period, deadlines):
        try:
            if context.union is not None:
                raise AccessDenied
            found = period_for(context, period)
            if not context.actor.can_on_node(Perm.NODE_MANAGE, found.owner_node):
                raise AccessDenied
        except AccessDenied:
            raise field_not_found("period") from None
        values = {getattr(item["level"], "value", item["level"]): item["due_on"] for item in deadlines}
        rows = services.deadlines_set(period=found, deadlines=values)
        return {
            "deadlines": [SubmissionDeadline(level=row.level, due_on=row.due_on) for row in rows],
            "_target": found,
        }

    @classmethod
    def after_success(cls, info, arguments, result):
        result["period"] = result.pop("_target")
        super().after_success(info, arguments, result)
        result.pop("period")


class ReportFilesGenerate(BaseMutation):
    """Render the node's XLSX tables and PDF summary for the period (current snapshot, else live figures) and store
    them; regenerating unchanged figures changes nothing."""

    class Arguments:
        period = graphene.ID(required=True)
        node = graphene.ID(description="Default: the period's owner node.")

    files = graphene.List(graphene.NonNull(ReportFile))

    @classmethod
    def perform(cls, info, context, period, node=None):
        try:
            found_period, found_node = period_and_node(context, period, node, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("node" if node is not None else "period") from None
        rows = report_files.report_files_generate(node=found_node, period=found_period)
        return {"files": rows, "_target": rows[0]}

    @classmethod
    def after_success(cls, info, arguments, result):
        result["file"] = result.pop("_target")
        super().after_success(info, arguments, result)
        result.pop("file")


class ReportRecipientInput(graphene.InputObjectType):
    """Only the fields sent change. `webhookSecret` is write-only: send "" to remove it."""

    name = graphene.String()
    emails = graphene.List(graphene.NonNull(graphene.String))
    webhook_url = graphene.String()
    webhook_secret = graphene.String(description="HMAC-SHA256 key shared with the receiver (16+ characters).")
    active = graphene.Boolean()


class ReportRecipientUpdate(BaseMutation):
    """Set where the node's reports are delivered: the higher-level union's e-mail addresses and/or webhook."""

    class Arguments:
        node = graphene.ID(required=True)
        input = ReportRecipientInput(required=True)

    recipient = graphene.Field(ReportRecipient)

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"webhook_secret"}

    @classmethod
    def perform(cls, info, context, node, input):
        try:
            if context.union is not None:
                raise AccessDenied
            found = node_for(context, node, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("node") from None
        recipient = services.recipient_update(
            node=found,
            name=input.get("name"),
            emails=input.get("emails"),
            webhook_url=input.get("webhook_url"),
            webhook_secret=input.get("webhook_secret"),
            active=input.get("active"),
        )
        return {"recipient": recipient}


class ReportDeliveryRetry(BaseMutation):
    """Queue a delivery that was given up for another round of attempts."""

    class Arguments:
        id = graphene.ID(required=True)

    delivery = graphene.Field(ReportDelivery)

    @classmethod
    def perform(cls, info, context, id):
        try:
            found = delivery_for(context, id, Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("id") from None
        return {"delivery": delivery_service.delivery_retry(delivery=found)}


class ReportingMutations(graphene.ObjectType):
    report_deadlines_set = ReportDeadlinesSet.Field()
    # Explain before submit, accept before return: the audit walk relies on this order.
    submission_explain_checks = SubmissionExplainChecks.Field()
    submission_submit = SubmissionSubmit.Field()
    submission_accept = SubmissionAccept.Field()
    submission_return = SubmissionReturn.Field()
    report_files_generate = ReportFilesGenerate.Field()
    report_recipient_update = ReportRecipientUpdate.Field()
    report_delivery_retry = ReportDeliveryRetry.Field()
