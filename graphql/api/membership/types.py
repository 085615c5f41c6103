"""GraphQL types for members. The identity number is shown masked; the full number only through the audited
memberRevealIdNumber mutation."""

from __future__ import annotations

import graphene

from api.core.pagination import CountableConnection
from api.core.types import TenantModelNode, enum_from_choices
from api.organisation.loaders import branch_tree
from api.organisation.types import Branch
from membership import models
from membership.models import EmploymentType, IdKind, MemberOrigin, MemberStatus, Sex, status_reason_label

from .access import MEMBER, member_for
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
