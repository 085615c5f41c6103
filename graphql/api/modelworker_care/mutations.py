"""Mutations for model-worker care: thin calls into modelworker_care.services.

The host decides the side: on the public host the federation acts (staff and admins of the awarding node), and
signs the employer's part of an assessment only on its behalf, naming who signed the paper form; on a union's
host the union's admin acts for the employer, for the union's own model workers.
"""

from __future__ import annotations

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
from modelworker_care import selectors
from modelworker_care.models import AssessmentSide, Notification
from modelworker_care.services.allowances import allowance_rule_create
from modelworker_care.services.assessments import assessment_sign
from modelworker_care.services.benefits import allowance_pay, benefit_give
from modelworker_care.services.life_events import life_event_record
from unionhub.errors import DomainValidationError

from .types import (
    MODEL_WORKER,
    NOTIFICATION,
    AssessmentResultEnum,
    AssessmentSideEnum,
    GivableBenefitKind,
    LifeEventKindEnum,
    ModelWorkerAllowanceRule,
    ModelWorkerAssessment,
    ModelWorkerBenefit,
    ModelWorkerLifeEvent,
    RuleLevelEnum,
)


def _worker(context, global_id, field: str = "worker"):
    pk = ids.decode_global_id(global_id, MODEL_WORKER)
    if pk is None:
        raise field_not_found(field)
    try:
        return selectors.access_worker(context.actor, pk, union=context.union)
    except AccessDenied:
        raise field_not_found(field) from None


def _federation_worker(context, global_id):
    """A worker the federation acts on: public host, staff or admin of the awarding node."""
    worker = _worker(context, global_id)
    if context.union is not None or not selectors.can_act_for_federation(context.actor, worker):
        raise field_not_found("worker")
    return worker


def _acting_worker(context, global_id):
    """A worker either side may act on: the federation on the public host, the employer on the union's host."""
    worker = _worker(context, global_id)
    if context.union is None:
        allowed = selectors.can_act_for_federation(context.actor, worker)
    else:
        allowed = selectors.can_act_for_employer(context.actor, worker, context.union)
    if not allowed:
        raise field_not_found("worker")
    return worker


class AssessmentSignInput(graphene.InputObjectType):
    worker = graphene.ID(required=True, description="ModelWorker global id.")
    year = graphene.Int(
        required=True, description="Calendar year assessed; must overlap the continuation term."
    )
    side = AssessmentSideEnum(
        required=True,
        description="FEDERATION (public host) or EMPLOYER (the union's admin on its host, or the federation on "
        "its behalf on the public host, naming the signatory).",
    )
    result = AssessmentResultEnum(required=True)
    notes = graphene.String()
    signatory = graphene.String(
        description="Employer side signed by the federation: who signed for the employer."
    )


class ModelWorkerAssessmentSign(BaseMutation):
    """Sign one side of a year's annual assessment (年度考核). The second matching sign-off files it; a failed one
    opens a revocation proposal."""

    class Arguments:
        input = AssessmentSignInput(required=True)

    assessment = graphene.Field(ModelWorkerAssessment)

    @classmethod
    def perform(cls, info, context, input):
        side = enum_value(input["side"])
        on_behalf = False
        if context.union is None:
            worker = _federation_worker(context, input["worker"])
            on_behalf = side == AssessmentSide.EMPLOYER
        else:
            if side != AssessmentSide.EMPLOYER:
                raise DomainValidationError.single(
                    "side",
                    "federation_side_here",
                    _("工会只能以所在单位身份签署；总工会请在总工会平台签署。"),
                )
            worker = _acting_worker(context, input["worker"])
        assessment = assessment_sign(
            worker=worker,
            year=input["year"],
            side=side,
            result=enum_value(input["result"]),
            notes=input.get("notes") or "",
            signatory=(input.get("signatory") or "") if on_behalf else "",
            on_behalf=on_behalf,
            actor=context.actor,
        )
        return {"assessment": assessment}


class LifeEventInput(graphene.InputObjectType):
    worker = graphene.ID(required=True, description="ModelWorker global id.")
    kind = LifeEventKindEnum(required=True)
    occurred_on = graphene.Date(required=True)
    note = graphene.String()
    to_union = graphene.ID(
        description="Transfers (public host): the union in the system the worker moved to."
    )
    to_employer_name = graphene.String(description="Transfers: the new employer (required without toUnion).")


class ModelWorkerLifeEventRecord(BaseMutation):
    """Record a life event (transfer of employer, retirement, settling abroad, death) and apply its effect."""

    class Arguments:
        input = LifeEventInput(required=True)

    life_event = graphene.Field(ModelWorkerLifeEvent)

    @classmethod
    def perform(cls, info, context, input):
        worker = _acting_worker(context, input["worker"])
        to_union = None
        if input.get("to_union") is not None:
            try:
                to_union = union_for(context, input["to_union"], Perm.UNION_VIEW)
            except AccessDenied:
                raise field_not_found("to_union") from None
        event = life_event_record(
            worker=worker,
            kind=enum_value(input["kind"]),
            occurred_on=input["occurred_on"],
            note=input.get("note") or "",
            to_union=to_union,
            to_employer_name=input.get("to_employer_name") or "",
            actor=context.actor,
        )
        return {"life_event": event}


class AllowanceRuleInput(graphene.InputObjectType):
    node = graphene.ID(
        required=True, description="The federation node paying the allowance (FederationNode)."
    )
    level = RuleLevelEnum(required=True)
    effective_from = graphene.Date(required=True, description="First day of a month, after the latest rule.")
    monthly_amount_fen = graphene.Int(required=True, description="Monthly amount in fen (0 = none).")
    note = graphene.String(description="The policy document.")


class ModelWorkerAllowanceRuleCreate(BaseMutation):
    """Set a node's monthly honorary allowance for a level from a date (admins of the node); the rule in force
    until then ends the day before."""

    class Arguments:
        input = AllowanceRuleInput(required=True)

    rule = graphene.Field(ModelWorkerAllowanceRule)

    @classmethod
    def perform(cls, info, context, input):
        try:
            node = node_for(context, input["node"], selectors.RULE_PERM)
        except AccessDenied:
            raise field_not_found("node") from None
        rule = allowance_rule_create(
            node=node,
            level=enum_value(input["level"]),
            effective_from=input["effective_from"],
            monthly_amount_fen=input["monthly_amount_fen"],
            note=input.get("note") or "",
            actor=context.actor,
        )
        return {"rule": rule}


class AllowancePayInput(graphene.InputObjectType):
    worker = graphene.ID(required=True, description="ModelWorker global id.")
    from_month = graphene.Date(required=True, description="First month paid for (any day of it).")
    to_month = graphene.Date(description="Last month paid for (default: the first).")
    given_on = graphene.Date(required=True, description="Payment date.")
    note = graphene.String()


class ModelWorkerAllowancePay(BaseMutation):
    """Record the honorary allowance paid for one or more months, at the rule's amount for each month."""

    class Arguments:
        input = AllowancePayInput(required=True)

    benefits = graphene.List(graphene.NonNull(ModelWorkerBenefit), description="One row per month paid.")
    total_fen = graphene.Int(description="Sum of the months paid, in fen.")

    @classmethod
    def perform(cls, info, context, input):
        worker = _federation_worker(context, input["worker"])
        rows = allowance_pay(
            worker=worker,
            from_month=input["from_month"],
            to_month=input.get("to_month"),
            given_on=input["given_on"],
            note=input.get("note") or "",
            actor=context.actor,
        )
        return {"benefits": rows, "total_fen": sum(row.amount_fen for row in rows)}


class BenefitGiveInput(graphene.InputObjectType):
    worker = graphene.ID(required=True, description="ModelWorker global id.")
    kind = GivableBenefitKind(required=True)
    year = graphene.Int(
        description="Health checks and rest stays: the year it counts for (default: givenOn's)."
    )
    given_on = graphene.Date(required=True)
    amount_fen = graphene.Int(required=True, description="Cost or payment in fen (hardship relief: above 0).")
    note = graphene.String()


class ModelWorkerBenefitGive(BaseMutation):
    """Record the year's health check or rest/study stay, or a hardship relief payment."""

    class Arguments:
        input = BenefitGiveInput(required=True)

    benefit = graphene.Field(ModelWorkerBenefit)

    @classmethod
    def perform(cls, info, context, input):
        worker = _federation_worker(context, input["worker"])
        benefit = benefit_give(
            worker=worker,
            kind=enum_value(input["kind"]),
            year=input.get("year"),
            given_on=input["given_on"],
            amount_fen=input["amount_fen"],
            note=input.get("note") or "",
            actor=context.actor,
        )
        return {"benefit": benefit}


class ModelWorkerNotificationsMarkRead(BaseMutation):
    """Mark the viewer's own reminders read: those named, or all when `ids` is omitted."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID))

    marked = graphene.Int(description="How many were marked read.")

    @classmethod
    def perform(cls, info, context, ids=None):
        from api.core import ids as global_ids

        queryset = selectors.notification_list(user=context.user, unread_only=True)
        if ids is not None:
            pks = [global_ids.decode_global_id(value, NOTIFICATION) for value in ids]
            queryset = queryset.filter(pk__in=[pk for pk in pks if pk is not None])
        marked = Notification.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))).update(
            read_at=timezone.now()
        )
        return {"marked": marked}


class ModelWorkerCareMutations(graphene.ObjectType):
    model_worker_assessment_sign = ModelWorkerAssessmentSign.Field()
    model_worker_life_event_record = ModelWorkerLifeEventRecord.Field()
    model_worker_allowance_rule_create = ModelWorkerAllowanceRuleCreate.Field()
    model_worker_allowance_pay = ModelWorkerAllowancePay.Field()
    model_worker_benefit_give = ModelWorkerBenefitGive.Field()
    model_worker_notifications_mark_read = ModelWorkerNotificationsMarkRead.Field()
