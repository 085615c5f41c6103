"""GraphQL types for model-worker care: the due calendar, annual assessments, life events, benefits, allowance
rules and the viewer's reminder notifications. Amounts are integers in fen (1/100 yuan)."""

from __future__ import annotations

import graphene
from django.utils import timezone

from accounts.access import AccessDenied
from api.core import ids
from api.core.pagination import CountableConnection
from api.core.types import ModelNode
from api.modelworkers.types import LevelEnum
from api.modelworkers.types import ModelWorker as RegistryWorker
from modelworker_care import models, selectors

from .loaders import VisibleWorkerLoader

MODEL_WORKER = "ModelWorker"
ASSESSMENT = "ModelWorkerAssessment"
LIFE_EVENT = "ModelWorkerLifeEvent"
BENEFIT = "ModelWorkerBenefit"
ALLOWANCE_RULE = "ModelWorkerAllowanceRule"
NOTIFICATION = "ModelWorkerNotification"

DueKindEnum = graphene.Enum.from_enum(
    models.DueKind, name="ModelWorkerDueKind", description="What falls due in continuation management."
)
AssessmentSideEnum = graphene.Enum.from_enum(
    models.AssessmentSide, name="ModelWorkerAssessmentSide", description="Who signs an annual assessment."
)
AssessmentResultEnum = graphene.Enum.from_enum(
    models.AssessmentResult,
    name="ModelWorkerAssessmentResult",
    description="Conclusion of an annual assessment.",
)
AssessmentStatusEnum = graphene.Enum.from_enum(
    models.AssessmentStatus,
    name="ModelWorkerAssessmentStatus",
    description="Where an annual assessment stands.",
)
LifeEventKindEnum = graphene.Enum.from_enum(
    models.LifeEventKind, name="ModelWorkerLifeEventKind", description="A life event of a model worker."
)
BenefitKindEnum = graphene.Enum.from_enum(
    models.BenefitKind, name="ModelWorkerBenefitKind", description="A kind of benefit."
)
# Allowance rules are per level of title: the registry's enum.
RuleLevelEnum = LevelEnum


class GivableBenefitKind(graphene.Enum):
    """Benefits recorded one by one (allowances are recorded per month with modelWorkerAllowancePay)."""

    class Meta:
        name = "ModelWorkerGivableBenefitKind"

    HEALTH_CHECK = models.BenefitKind.HEALTH_CHECK.value
    REST_STAY = models.BenefitKind.REST_STAY.value
    HARDSHIP = models.BenefitKind.HARDSHIP.value


def _worker_gid(worker_id) -> str:
    return ids.to_global_id(MODEL_WORKER, worker_id)


def _worker_name(info, worker_id) -> str:
    worker = info.context.loader(VisibleWorkerLoader).load(worker_id)
    return worker.name if worker is not None else ""


def record_for(context, global_id, type_name: str, queryset_of):
    """A care record behind `global_id` whose worker the actor may see in this scope; AccessDenied otherwise."""
    pk = ids.decode_global_id(global_id, type_name)
    if pk is None or (context.union is not None and not context.union_visible):
        raise AccessDenied
    workers = selectors.workers_visible(context.actor, union=context.union)
    record = queryset_of(workers).filter(pk=pk).first()
    if record is None:
        raise AccessDenied
    return record


def assessment_for(context, global_id) -> models.AnnualAssessment:
    return record_for(
        context, global_id, ASSESSMENT, lambda workers: selectors.assessment_list(workers=workers)
    )


def life_event_for(context, global_id) -> models.LifeEvent:
    return record_for(
        context, global_id, LIFE_EVENT, lambda workers: selectors.life_event_list(workers=workers)
    )


def benefit_for(context, global_id) -> models.BenefitGrant:
    return record_for(context, global_id, BENEFIT, lambda workers: selectors.benefit_list(workers=workers))


def notification_for(context, global_id) -> models.Notification | None:
    """A reminder in the viewer's own inbox (None when there is no such reminder there)."""
    pk = ids.decode_global_id(global_id, NOTIFICATION)
    if pk is None:
        raise AccessDenied
    return selectors.notification_list(user=context.user).filter(pk=pk).first()


class WorkerFields:
    """Who a record is about."""

    worker_id = graphene.ID(required=True, description="Global id of the model worker (ModelWorker).")
    worker_name = graphene.String(required=True)
    worker = graphene.Field(RegistryWorker, description="The model worker in the registry.")

    @staticmethod
    def resolve_worker_id(root, info):
        return _worker_gid(root.worker_id)

    @staticmethod
    def resolve_worker_name(root, info):
        return _worker_name(info, root.worker_id)

    @staticmethod
    def resolve_worker(root, info):
        return info.context.loader(VisibleWorkerLoader).load(root.worker_id)


class ModelWorkerDueItem(WorkerFields, graphene.ObjectType):
    """Something due for a model worker in continuation management, not yet given or filed."""

    kind = graphene.Field(DueKindEnum, required=True)
    kind_label = graphene.String(required=True)
    due_on = graphene.Date(required=True)
    days_left = graphene.Int(
        required=True, description="Days from today to the due date (negative: overdue)."
    )
    year = graphene.Int(required=True, description="The calendar year the item belongs to.")
    month = graphene.Date(description="Allowances: first day of the month the allowance is for.")
    amount_fen = graphene.Int(description="Allowances: the monthly amount of the rule in force, in fen.")
    employer_name = graphene.String(required=True)

    @staticmethod
    def resolve_kind_label(root, info):
        return str(models.DueKind(root.kind).label)

    @staticmethod
    def resolve_days_left(root, info):
        return (root.due_on - timezone.localdate()).days

    @staticmethod
    def resolve_employer_name(root, info):
        worker = info.context.loader(VisibleWorkerLoader).load(root.worker_id)
        return worker.employer_name if worker is not None else ""


class ModelWorkerDueItemConnection(CountableConnection):
    class Meta:
        node = ModelWorkerDueItem


class ModelWorkerAssessment(WorkerFields, ModelNode):
    """年度考核 of one calendar year, signed by the federation and by the employer (or the federation on its
    behalf); filed, and then immutable, once both signed the same conclusion."""

    class Meta:
        name = ASSESSMENT
        model = models.AnnualAssessment
        fetch = assessment_for

    year = graphene.Int(required=True)
    status = graphene.Field(AssessmentStatusEnum, required=True)
    status_label = graphene.String(required=True)
    result = graphene.Field(AssessmentResultEnum, description="The agreed conclusion (filed assessments).")
    federation_result = graphene.Field(AssessmentResultEnum)
    federation_notes = graphene.String(required=True)
    federation_signed_at = graphene.DateTime()
    employer_result = graphene.Field(AssessmentResultEnum)
    employer_notes = graphene.String(required=True)
    employer_signed_at = graphene.DateTime()
    employer_on_behalf = graphene.Boolean(
        required=True, description="The employer's sign-off was recorded by the federation on its behalf."
    )
    employer_signatory = graphene.String(
        required=True, description="Who signed for the employer (on behalf)."
    )
    filed_at = graphene.DateTime()
    revocation_id = graphene.ID(description="The revocation proposal a failed assessment opened.")

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_result(root, info):
        return root.result or None

    @staticmethod
    def resolve_federation_result(root, info):
        return root.federation_result or None

    @staticmethod
    def resolve_employer_result(root, info):
        return root.employer_result or None

    @staticmethod
    def resolve_revocation_id(root, info):
        return ids.to_global_id("Revocation", root.revocation_id) if root.revocation_id else None


class ModelWorkerAssessmentConnection(CountableConnection):
    class Meta:
        node = ModelWorkerAssessment


class ModelWorkerLifeEvent(WorkerFields, ModelNode):
    """A recorded life event (动态管理备案); immutable."""

    class Meta:
        name = LIFE_EVENT
        model = models.LifeEvent
        fetch = life_event_for

    kind = graphene.Field(LifeEventKindEnum, required=True)
    kind_label = graphene.String(required=True)
    occurred_on = graphene.Date(required=True)
    note = graphene.String(required=True)
    from_employer_name = graphene.String(required=True)
    to_employer_name = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_kind_label(root, info):
        return root.get_kind_display()


class ModelWorkerLifeEventConnection(CountableConnection):
    class Meta:
        node = ModelWorkerLifeEvent


class ModelWorkerBenefit(WorkerFields, ModelNode):
    """A benefit given: one month of allowance, the year's health check or rest stay, a hardship payment."""

    class Meta:
        name = BENEFIT
        model = models.BenefitGrant
        fetch = benefit_for

    kind = graphene.Field(BenefitKindEnum, required=True)
    kind_label = graphene.String(required=True)
    year = graphene.Int(required=True)
    month = graphene.Date(description="Allowances: first day of the month paid for.")
    given_on = graphene.Date(required=True)
    amount_fen = graphene.Int(required=True)
    note = graphene.String(required=True)

    @staticmethod
    def resolve_kind_label(root, info):
        return root.get_kind_display()


class ModelWorkerBenefitConnection(CountableConnection):
    class Meta:
        node = ModelWorkerBenefit


class ModelWorkerBenefitTotal(graphene.ObjectType):
    """Benefits given in one reporting year (1 October - 30 September, labelled by the year it ends in)."""

    reporting_year = graphene.String(required=True)
    kind = graphene.Field(BenefitKindEnum, required=True)
    kind_label = graphene.String(required=True)
    count = graphene.Int(required=True)
    amount_fen = graphene.BigInt(required=True)

    @staticmethod
    def resolve_kind_label(root, info):
        return str(models.BenefitKind(root["kind"]).label)

    @staticmethod
    def resolve_reporting_year(root, info):
        return root["reporting_year"]

    @staticmethod
    def resolve_kind(root, info):
        return root["kind"]

    @staticmethod
    def resolve_count(root, info):
        return root["count"]

    @staticmethod
    def resolve_amount_fen(root, info):
        return root["amount_fen"]


def rule_for(context, global_id):
    from accounts.access import Perm
    from federations.models import FederationNode

    pk = ids.decode_global_id(global_id, ALLOWANCE_RULE)
    if pk is None or context.union is not None:
        raise AccessDenied
    nodes = FederationNode.objects.filter(context.actor.node_filter(Perm.NODE_VIEW))
    rule = selectors.allowance_rule_list(nodes=nodes).filter(pk=pk).first()
    if rule is None:
        raise AccessDenied
    return rule


class ModelWorkerAllowanceRule(ModelNode):
    """A node's monthly honorary allowance for one level, in force from `effectiveFrom` until superseded."""

    class Meta:
        name = ALLOWANCE_RULE
        model = models.AllowanceRule
        fetch = rule_for

    node_id = graphene.ID(required=True, description="Global id of the federation node.")
    node_name = graphene.String(required=True)
    level = graphene.Field(RuleLevelEnum, required=True)
    level_label = graphene.String(required=True)
    effective_from = graphene.Date(required=True)
    effective_to = graphene.Date(description="Last day in force; null = in force until superseded.")
    monthly_amount_fen = graphene.Int(required=True)
    note = graphene.String(required=True)

    @staticmethod
    def resolve_node_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.node_id)

    @staticmethod
    def resolve_node_name(root, info):
        return root.node.name

    @staticmethod
    def resolve_level_label(root, info):
        return root.get_level_display()


class ModelWorkerAllowanceRuleConnection(CountableConnection):
    class Meta:
        node = ModelWorkerAllowanceRule


class ModelWorkerNotification(ModelNode):
    """A reminder in the viewer's inbox."""

    class Meta:
        name = NOTIFICATION
        model = models.Notification
        fetch = notification_for

    title = graphene.String(required=True)
    body = graphene.String(required=True)
    kind = graphene.Field(DueKindEnum, required=True)
    due_on = graphene.Date(required=True)
    worker_id = graphene.ID(required=True)
    created_at = graphene.DateTime(required=True)
    read_at = graphene.DateTime()

    @staticmethod
    def resolve_kind(root, info):
        return root.reminder.kind

    @staticmethod
    def resolve_due_on(root, info):
        return root.reminder.due_on

    @staticmethod
    def resolve_worker_id(root, info):
        return _worker_gid(root.reminder.worker_id)


class ModelWorkerNotificationConnection(CountableConnection):
    class Meta:
        node = ModelWorkerNotification
