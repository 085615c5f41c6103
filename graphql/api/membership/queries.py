"""Root query fields for members (union hosts only: a member list belongs to one union)."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError

from accounts.access import Perm
from api.core import ids
from api.core.access import or_none
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from api.organisation.access import BRANCH
from membership import selectors
from membership.models import ExpulsionCase as ExpulsionCaseModel
from membership.models import WithdrawalProposal as WithdrawalProposalModel
from organisation.selectors import branch_subtree_ids

from .access import member_for
from .types import (
    EmploymentTypeEnum,
    ExpulsionCase,
    Member,
    MemberConnection,
    MemberStatusEnum,
    ProposalStatusEnum,
    WithdrawalProposal,
    queue_member_relations,
)

# Longest arrears a filter may ask for: 100 years of monthly dues (a bound for the date arithmetic, not a rule).
ARREARS_MONTHS_MAX = 1200


class MembershipQueries(graphene.ObjectType):
    members = graphene.Field(
        MemberConnection,
        required=True,
        branch=graphene.ID(description="Only this branch and the branches below it."),
        status=MemberStatusEnum(),
        employment_type=EmploymentTypeEnum(),
        search=graphene.String(
            description='Name prefix, phone, full or masked identity number ("110105********0123"), or its last 4.'
        ),
        arrears_months=graphene.Int(
            description="Only active members this many months or more behind with dues (1 to 1200)."
        ),
        description="Members of the union whose host serves the request (branch officers: their branches).",
        **connection_args(),
    )
    member = graphene.Field(Member, id=graphene.ID(required=True))
    withdrawal_proposals = graphene.List(
        graphene.NonNull(WithdrawalProposal),
        required=True,
        status=ProposalStatusEnum(),
        description="视为自动退会 proposals of members the actor manages, newest first (at most 500).",
    )
    expulsion_cases = graphene.List(
        graphene.NonNull(ExpulsionCase),
        required=True,
        description="开除会籍 cases of members the actor manages, newest first (at most 500).",
    )

    @staticmethod
    def resolve_withdrawal_proposals(root, info, status=None):
        context = info.context
        if context.union is None or not context.union_visible:
            return []
        managed = selectors.member_visible(actor=context.actor, union=context.union, perm=Perm.MEMBER_MANAGE)
        rows = WithdrawalProposalModel.objects.filter(member__in=managed.values("pk")).select_related(
            "member", "talk"
        )
        if status is not None:
            rows = rows.filter(status=getattr(status, "value", status))
        return list(rows.order_by("-proposed_on", "-id")[:500])

    @staticmethod
    def resolve_expulsion_cases(root, info):
        context = info.context
        if context.union is None or not context.union_visible:
            return []
        managed = selectors.member_visible(actor=context.actor, union=context.union, perm=Perm.MEMBER_MANAGE)
        rows = ExpulsionCaseModel.objects.filter(member__in=managed.values("pk")).select_related("member")
        return list(rows.order_by("-id")[:500])

    @staticmethod
    def resolve_members(
        root,
        info,
        branch=None,
        status=None,
        employment_type=None,
        search=None,
        arrears_months=None,
        first=None,
        after=None,
    ):
        context = info.context
        if arrears_months is not None and not 1 <= arrears_months <= ARREARS_MONTHS_MAX:
            # Negative or huge counts were accepted or overflowed the date arithmetic (an internal error).
            raise GraphQLError(
                _("欠缴月数（arrearsMonths）应在1到%(max)s之间。") % {"max": ARREARS_MONTHS_MAX},
                extensions={"code": "invalid_argument", "field": "arrearsMonths"},
            )
        if context.union is None or not context.union_visible:
            return empty_connection(MemberConnection)
        branch_ids = None
        if branch is not None:
            pk = ids.decode_tenant_global_id(branch, BRANCH, context.union.pk)
            if pk is None:
                return empty_connection(MemberConnection)
            branch_ids = branch_subtree_ids([pk])
        queryset = selectors.member_list(
            actor=context.actor,
            union=context.union,
            branch_ids=branch_ids,
            status=getattr(status, "value", status),
            employment_type=getattr(employment_type, "value", employment_type),
            search=search,
            arrears_months=arrears_months,
        )
        connection = paginate_queryset(queryset, MemberConnection, keys=("pk",), first=first, after=after)
        queue_member_relations(info, connection.items)
        return connection

    @staticmethod
    def resolve_member(root, info, id):
        return or_none(member_for, info.context, id)
