"""Root query fields for model-worker care.

Scope: on the public host the federation's view (the workers the viewer may see, `node` narrowing to a subtree);
on a union's host that union's own model workers. A node or worker id the viewer cannot reach gives an empty
answer, never an error that would tell it exists.
"""

from __future__ import annotations

import graphene
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from graphql import GraphQLError

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for
from api.core.pagination import connection_args, empty_connection, paginate_list, paginate_queryset
from api.core.types import enum_value
from federations.models import FederationNode
from modelworker_care import selectors

from .loaders import VisibleWorkerLoader
from .types import (
    MODEL_WORKER,
    AssessmentStatusEnum,
    BenefitKindEnum,
    DueKindEnum,
    LifeEventKindEnum,
    ModelWorkerAllowanceRuleConnection,
    ModelWorkerAssessmentConnection,
    ModelWorkerBenefitConnection,
    ModelWorkerBenefitTotal,
    ModelWorkerDueItemConnection,
    ModelWorkerLifeEventConnection,
    ModelWorkerNotificationConnection,
    RuleLevelEnum,
)

DEFAULT_DUE_DAYS = 30
MAX_DUE_DAYS = 366


def scope_workers(context, *, node=None, worker=None):
    """The workers a query answers for, or None when the scope is empty (an id out of reach included)."""
    if context.union is not None:
        if not context.union_visible or node is not None:
            return None
        queryset = selectors.workers_visible(context.actor, union=context.union)
    else:
        found = None
        if node is not None:
            try:
                found = node_for(context, node, Perm.NODE_VIEW)
            except AccessDenied:
                return None
        queryset = selectors.workers_visible(context.actor, node=found)
    if worker is not None:
        pk = ids.decode_global_id(worker, MODEL_WORKER)
        if pk is None:
            return None
        queryset = queryset.filter(pk=pk)
    return queryset


def _newest_first(queryset):
    return queryset.annotate(newest_first=-F("pk")).order_by("newest_first")


def _page(context, queryset, connection_type, first, after):
    connection = paginate_queryset(
        _newest_first(queryset), connection_type, keys=("newest_first",), first=first, after=after
    )
    context.loader(VisibleWorkerLoader).queue(item.worker_id for item in connection.items)
    return connection


def _scope_args() -> dict:
    return {
        "node": graphene.ID(
            description="Public host: only workers awarded or working within this node's subtree."
        ),
        "worker": graphene.ID(description="Only this model worker (ModelWorker global id)."),
    }


class ModelWorkerCareQueries(graphene.ObjectType):
    model_worker_due_items = graphene.Field(
        ModelWorkerDueItemConnection,
        required=True,
        days=graphene.Int(description=f"Days ahead, 0-{MAX_DUE_DAYS} (default {DEFAULT_DUE_DAYS})."),
        include_overdue=graphene.Boolean(description="Also items past their due date and still not given."),
        kind=DueKindEnum(),
        description="What falls due for the model workers in scope in the next `days` days (allowances, health "
        "checks, rest stays, annual assessments, term ends), soonest first: the federation's view on the public "
        "host, the union's own model workers on its host.",
        **_scope_args(),
        **connection_args(),
    )
    model_worker_assessments = graphene.Field(
        ModelWorkerAssessmentConnection,
        required=True,
        year=graphene.Int(),
        status=AssessmentStatusEnum(),
        description="Annual assessments of the model workers in scope, newest first.",
        **_scope_args(),
        **connection_args(),
    )
    model_worker_life_events = graphene.Field(
        ModelWorkerLifeEventConnection,
        required=True,
        kind=LifeEventKindEnum(),
        description="Life events recorded for the model workers in scope, newest first.",
        **_scope_args(),
        **connection_args(),
    )
    model_worker_benefits = graphene.Field(
        ModelWorkerBenefitConnection,
        required=True,
        kind=BenefitKindEnum(),
        year=graphene.Int(
            description="Benefit year (calendar year of the allowance month or annual benefit)."
        ),
        description="Benefits given to the model workers in scope, newest first.",
        **_scope_args(),
        **connection_args(),
    )
    model_worker_benefit_totals = graphene.List(
        graphene.NonNull(ModelWorkerBenefitTotal),
        required=True,
        description="Benefits given to the model workers in scope per reporting year and kind, newest year first.",
        **_scope_args(),
    )
    model_worker_allowance_rules = graphene.Field(
        ModelWorkerAllowanceRuleConnection,
        required=True,
        level=RuleLevelEnum(),
        node=graphene.ID(description="Only this node's rules (default: every node the viewer sees)."),
        description="Honorary allowance rules of the federation nodes the viewer sees (public host).",
        **connection_args(),
    )
    model_worker_notifications = graphene.Field(
        ModelWorkerNotificationConnection,
        required=True,
        unread_only=graphene.Boolean(),
        description="The viewer's own model-worker reminders, newest first.",
        **connection_args(),
    )

    @staticmethod
    def resolve_model_worker_due_items(
        root,
        info,
        days=None,
        include_overdue=False,
        kind=None,
        node=None,
        worker=None,
        first=None,
        after=None,
    ):
        context = info.context
        days = DEFAULT_DUE_DAYS if days is None else days
        if not 0 <= days <= MAX_DUE_DAYS:
            raise GraphQLError(
                _("天数应在0到%(max)s之间。") % {"max": MAX_DUE_DAYS}, extensions={"code": "invalid_days"}
            )
        workers = scope_workers(context, node=node, worker=worker)
        if workers is None:
            return empty_connection(ModelWorkerDueItemConnection)
        start, end = selectors.due_window(
            today=timezone.localdate(), days=days, include_overdue=bool(include_overdue)
        )
        items = selectors.due_calendar(
            workers=workers, start=start, end=end, kinds=[enum_value(kind)] if kind is not None else None
        )
        connection = paginate_list(
            items,
            ModelWorkerDueItemConnection,
            key=lambda item: [
                item.due_on.isoformat(),
                str(item.kind),
                item.worker_id,
                (item.month or item.due_on).isoformat(),
            ],
            first=first,
            after=after,
        )
        context.loader(VisibleWorkerLoader).queue(item.worker_id for item in connection.items)
        return connection

    @staticmethod
    def resolve_model_worker_assessments(
        root, info, year=None, status=None, node=None, worker=None, first=None, after=None
    ):
        workers = scope_workers(info.context, node=node, worker=worker)
        if workers is None:
            return empty_connection(ModelWorkerAssessmentConnection)
        queryset = selectors.assessment_list(workers=workers, year=year, status=enum_value(status))
        return _page(info.context, queryset, ModelWorkerAssessmentConnection, first, after)

    @staticmethod
    def resolve_model_worker_life_events(
        root, info, kind=None, node=None, worker=None, first=None, after=None
    ):
        workers = scope_workers(info.context, node=node, worker=worker)
        if workers is None:
            return empty_connection(ModelWorkerLifeEventConnection)
        queryset = selectors.life_event_list(workers=workers, kind=enum_value(kind))
        return _page(info.context, queryset, ModelWorkerLifeEventConnection, first, after)

    @staticmethod
    def resolve_model_worker_benefits(
        root, info, kind=None, year=None, node=None, worker=None, first=None, after=None
    ):
        workers = scope_workers(info.context, node=node, worker=worker)
        if workers is None:
            return empty_connection(ModelWorkerBenefitConnection)
        queryset = selectors.benefit_list(workers=workers, kind=enum_value(kind), year=year)
        return _page(info.context, queryset, ModelWorkerBenefitConnection, first, after)

    @staticmethod
    def resolve_model_worker_benefit_totals(root, info, node=None, worker=None):
        workers = scope_workers(info.context, node=node, worker=worker)
        if workers is None:
            return []
        return selectors.benefit_totals(workers=workers)

    @staticmethod
    def resolve_model_worker_allowance_rules(root, info, level=None, node=None, first=None, after=None):
        context = info.context
        if context.union is not None:
            return empty_connection(ModelWorkerAllowanceRuleConnection)
        nodes = FederationNode.objects.filter(context.actor.node_filter(Perm.NODE_VIEW))
        if node is not None:
            pk = ids.decode_global_id(node, ids.FEDERATION_NODE)
            if pk is None:
                return empty_connection(ModelWorkerAllowanceRuleConnection)
            nodes = nodes.filter(pk=pk)
        queryset = selectors.allowance_rule_list(nodes=nodes, level=enum_value(level)).order_by("pk")
        return paginate_queryset(
            queryset, ModelWorkerAllowanceRuleConnection, keys=("pk",), first=first, after=after
        )

    @staticmethod
    def resolve_model_worker_notifications(root, info, unread_only=False, first=None, after=None):
        queryset = selectors.notification_list(user=info.context.user, unread_only=bool(unread_only))
        return paginate_queryset(
            _newest_first(queryset),
            ModelWorkerNotificationConnection,
            keys=("newest_first",),
            first=first,
            after=after,
        )
