"""GraphQL types for members. The identity number is shown masked; the full number only through the audited
memberRevealIdNumber mutation."""

from __future__ import annotations

import graphene

from api.core.ids import to_tenant_global_id
from api.core.pagination import CountableConnection
from api.core.types import TenantModelNode, enum_from_choices
from api.organisation.loaders import branch_tree
from api.organisation.types import Branch
from membership import models
from membership.models import EmploymentType, IdKind, MemberOrigin, MemberStatus, Sex, status_reason_label

from .access import EXPULSION_CASE, MEMBER, WITHDRAWAL_PROPOSAL, member_for
from .loaders import StatusHistoryLoader

SexEnum = enum_from_choices(Sex, "Sex (derived from the identity number).")
EmploymentTypeEnum = enum_from_choices(EmploymentType, "Employment type of a member.")
MemberStatusEnum = enum_from_choices(MemberStatus, "Membership status.")
IdKindEnum = enum_from_choices(IdKind, "Kind of identity document.")
MemberOriginEnum = enum_from_choices(MemberOrigin, "How the member came to this union.")


class MemberStatusChange(graphene.ObjectType):
    """One step in a member's status history."""

    from_status = graphene.Field(MemberStatusEnum, description="Null for the first entry (joining).")
    to_status = graphene.Field(MemberStatusEnum, required=True)
    to_status_label = graphene.String(required=True)
    reason = graphene.String(required=True)
    reason_label = graphene.String(required=True)
    note = graphene.String(required=True)
    effective_on = graphene.Date(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_from_status(root, info):
        return root.from_status or None

    @staticmethod
    def resolve_to_status_label(root, info):
        return root.get_to_status_display()

    @staticmethod
    def resolve_reason_label(root, info):
        return status_reason_label(root.to_status, root.reason)


class Member(TenantModelNode):
    """A member of the union (real-name record)."""

    class Meta:
        name = MEMBER
        model = models.Member
        fetch = member_for

    name = graphene.String(required=True)
    sex = graphene.Field(SexEnum, required=True)
    sex_label = graphene.String(required=True)
    birth_date = graphene.Date(required=True)
    ethnicity = graphene.String(required=True)
    phone = graphene.String(required=True)
    employment_type = graphene.Field(EmploymentTypeEnum, required=True)
    employment_type_label = graphene.String(required=True)
    branch = graphene.Field(Branch, description="Null: directly under the union.")
    join_date = graphene.Date(required=True)
    card_number = graphene.String()
    origin = graphene.Field(MemberOriginEnum, required=True)
    id_kind = graphene.Field(IdKindEnum, required=True)
    id_kind_label = graphene.String(required=True)
    id_number_masked = graphene.String(required=True, description='E.g. "110105********0123".')
    status = graphene.Field(MemberStatusEnum, required=True)
    status_label = graphene.String(required=True)
    status_reason = graphene.String(required=True)
    status_reason_label = graphene.String(required=True)
    status_changed_on = graphene.Date()
    dues_paid_through = graphene.Date()
    dues_warned_on = graphene.Date()
    status_history = graphene.List(graphene.NonNull(MemberStatusChange), required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_sex_label(root, info):
        return root.get_sex_display()

    @staticmethod
    def resolve_employment_type_label(root, info):
        return root.get_employment_type_display()

    @staticmethod
    def resolve_id_kind_label(root, info):
        return root.get_id_kind_display()

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_status_reason_label(root, info):
        return status_reason_label(root.status, root.status_reason) if root.status_reason else ""

    @staticmethod
    def resolve_branch(root, info):
        if root.branch_id is None:
            return None
        return branch_tree(info.context).by_id.get(root.branch_id)

    @staticmethod
    def resolve_status_history(root, info):
        return info.context.loader(StatusHistoryLoader).load(root.pk)


class MemberConnection(CountableConnection):
    class Meta:
        node = Member


class DuesPayment(graphene.ObjectType):
    month = graphene.Date(required=True, description="First day of the month paid for.")
    amount = graphene.Decimal(required=True)
    paid_on = graphene.Date(required=True)


def queue_member_relations(info, members) -> None:
    info.context.loader(StatusHistoryLoader).queue(m.pk for m in members)


ProposalStatusEnum = enum_from_choices(models.ProposalStatus, "Where a 视为自动退会 proposal stands.")
ExpulsionStepEnum = enum_from_choices(models.ExpulsionStep, "The last step an expulsion (开除会籍) reached.")


class MemberTalk(graphene.ObjectType):
    """A talk (教育谈话) with a member about unpaid dues and absence from union life."""

    talked_on = graphene.Date(required=True)
    officer_name = graphene.String(required=True)
    note = graphene.String(required=True)


class WithdrawalProposal(graphene.ObjectType):
    """A proposal of the daily job that a member counts as automatically withdrawn; an officer decides it."""

    id = graphene.ID(required=True)
    member = graphene.Field(Member)
    talk = graphene.Field(MemberTalk, required=True)
    proposed_on = graphene.Date(required=True)
    unpaid_since = graphene.Date(required=True, description="First month without dues.")
    status = graphene.Field(ProposalStatusEnum, required=True)
    decided_on = graphene.Date()
    decision_note = graphene.String(required=True)

    @staticmethod
    def resolve_id(root, info):
        return to_tenant_global_id(WITHDRAWAL_PROPOSAL, info.context.union.pk, root.pk)

    @staticmethod
    def resolve_member(root, info):
        return root.member


class ExpulsionCase(graphene.ObjectType):
    """An expulsion (开除会籍): the union group's view, the committee's decision, the filing with the higher union."""

    id = graphene.ID(required=True)
    member = graphene.Field(Member)
    grounds = graphene.String(required=True)
    grounds_label = graphene.String(required=True)
    facts = graphene.String(required=True)
    group_view_on = graphene.Date(required=True)
    group_view = graphene.String(required=True)
    decided_on = graphene.Date()
    decision_number = graphene.String(required=True)
    filed_on = graphene.Date()
    filed_with = graphene.String(required=True)
    step = graphene.Field(ExpulsionStepEnum, required=True)

    @staticmethod
    def resolve_id(root, info):
        return to_tenant_global_id(EXPULSION_CASE, info.context.union.pk, root.pk)

    @staticmethod
    def resolve_member(root, info):
        return root.member

    @staticmethod
    def resolve_grounds_label(root, info):
        return status_reason_label(MemberStatus.EXPELLED, root.grounds)
