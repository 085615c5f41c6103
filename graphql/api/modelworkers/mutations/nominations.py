"""Nomination mutations: submit (on the nominating union's host), accept, reject."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
from api.membership.access import MEMBER
from modelworkers.awards.nominations import nomination_accept, nomination_reject, nomination_submit
from modelworkers.awards.revocations import member_pk_by_number
from unionhub.errors import DomainValidationError

from ..access import (
    batch_for,
    fetched_for,
    nomination_for,
)
from ..types import (
    CategoryEnum,
    Nomination,
    TitleEnum,
)
from .attachments import AttachmentInput, _attachments

# --- nominations -------------------------------------------------------------------------------------------------


class NominationSubmitInput(graphene.InputObjectType):
    member = graphene.ID(description="The member (Member global id of the host's union) ...")
    member_id_number = graphene.String(description="... or the member's identity number (one of the two).")
    title = TitleEnum(required=True)
    category = CategoryEnum(required=True)
    deeds = graphene.String(required=True, description="主要事迹.")
    congress_date = graphene.Date(
        required=True, description="Date of the workers' congress (职代会) discussion."
    )
    congress_attendance = graphene.Int(required=True, description="Delegates present.")
    congress_votes_for = graphene.Int(
        required=True, description="Votes for; more than half of those present."
    )
    employer_name = graphene.String(description="Default: the union's name.")
    attachments = graphene.List(graphene.NonNull(AttachmentInput))


def _member_pk(context, input) -> int | None:
    union = context.union
    if input.get("member") is not None:
        pk = ids.decode_tenant_global_id(input["member"], MEMBER, union.pk)
        if pk is None:
            raise field_not_found("member")
        return pk
    if input.get("member_id_number"):
        pk = member_pk_by_number(union=union, id_number=input["member_id_number"])
        if pk is None:
            raise DomainValidationError.single(
                "member_id_number", "not_active_member", _("只能推荐本工会会籍正常的会员。")
            )
        return pk
    raise DomainValidationError.single("member", "required", _("请选择被推荐的会员。"))


class NominationSubmit(BaseMutation):
    """Nominate an active member of the host's union to a batch of a federation above it (union.manage). The
    payload carries the quota warnings of the batch's list with this nomination (approval enforces them)."""

    class Arguments:
        batch = graphene.ID(required=True)
        input = NominationSubmitInput(required=True)

    nomination = graphene.Field(Nomination)
    warnings = graphene.List(graphene.NonNull(graphene.String), required=True)

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"member_id_number", "attachments"}

    @classmethod
    def mutate(cls, root, info, **arguments):
        result = super().mutate(root, info, **arguments)
        if result.warnings is None:
            result.warnings = []
        return result

    @classmethod
    def perform(cls, info, context, batch, input):
        union = context.union
        if union is None or not context.actor.can_on_union(Perm.UNION_MANAGE, union):
            raise AccessDenied
        found = fetched_for(batch_for, context, batch, "batch", Perm.NODE_VIEW)
        nomination, warnings = nomination_submit(
            batch=found,
            union=union,
            member_id=_member_pk(context, input),
            title=enum_value(input["title"]),
            category=enum_value(input["category"]),
            deeds=input["deeds"],
            congress_date=input["congress_date"],
            congress_attendance=input["congress_attendance"],
            congress_votes_for=input["congress_votes_for"],
            employer_name=input.get("employer_name") or "",
            attachments=_attachments(input.get("attachments"), "attachments"),
            actor=context.actor,
        )
        return {"nomination": nomination, "warnings": warnings}


class NominationAccept(BaseMutation):
    """The federation's review passes the nomination: it waits for the public notice."""

    class Arguments:
        id = graphene.ID(required=True)

    nomination = graphene.Field(Nomination)

    @classmethod
    def perform(cls, info, context, id):
        nomination = fetched_for(nomination_for, context, id, "id")
        return {"nomination": nomination_accept(nomination=nomination, actor=context.actor)}


class NominationReject(BaseMutation):
    """The federation's review refuses the nomination, with the reason."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    nomination = graphene.Field(Nomination)

    @classmethod
    def perform(cls, info, context, id, reason):
        nomination = fetched_for(nomination_for, context, id, "id")
        return {"nomination": nomination_reject(nomination=nomination, reason=reason, actor=context.actor)}
