"""Transfer mutations, on a union's host: the host's union is the side the actor acts for (origin or destination).

Each is one BaseMutation: one transaction, typed errors, one audit entry. Federation admins above a union act for it
on its host like its own admins.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.membership.access import MEMBER
from api.organisation.access import BRANCH
from federations.models import Union
from transfers import services
from transfers.models import TransferSide
from unionhub.errors import DomainValidationError

from .types import TransferRequest, transfer_for


def _host_union_managed(context):
    """The host's union if the actor manages its members (the whole union); AccessDenied otherwise."""
    union = context.union
    if union is None:
        raise DomainValidationError.single(
            "__all__", "union_host_required", _("会员组织关系接转请在本工会的站点办理。")
        )
    actor = context.actor
    if (
        not actor.can_on_union(Perm.MEMBER_MANAGE, union)
        or actor.branch_scope(Perm.MEMBER_MANAGE, union) is not None
    ):
        raise AccessDenied
    return union


def _transfer(context, global_id):
    try:
        return transfer_for(context, global_id, Perm.MEMBER_MANAGE)
    except AccessDenied:
        raise field_not_found("id") from None


def _actor_id(context):
    user = context.actor.user
    return user.pk if user is not None else None


def _optional_pk(global_id, type_name: str, field: str, union) -> int | None:
    """The pk of a row of the host's union (member, branch): their ids carry the union ("Member:<union>:<pk>")."""
    if global_id in (None, ""):
        return None
    pk = ids.decode_tenant_global_id(global_id, type_name, union.pk)
    if pk is None:
        raise field_not_found(field)
    return pk


class TransferRequestInput(graphene.InputObjectType):
    """Either the origin sends one of its members (`member` + `destinationUnion`), or the destination asks for a
    person who holds membership elsewhere (`personIdNumber` + `name`, optionally `employmentType`, `branch`)."""

    member = graphene.ID(description="Origin sends: a member of the host's union.")
    destination_union = graphene.ID(description="Origin sends: the union the member moves to.")
    person_id_number = graphene.String(description="Destination asks: the person's identity number.")
    name = graphene.String(description="Destination asks: the person's name.")
    employment_type = graphene.String(
        description="Destination asks: an EmploymentType value (default: as now)."
    )
    branch = graphene.ID(description="Destination asks: the branch the member will join.")
    note = graphene.String()


class TransferRequestCreate(BaseMutation):
    """Start a transfer from the host's union (sending a member away) or to it (asking for a person)."""

    class Arguments:
        input = TransferRequestInput(required=True)

    transfer = graphene.Field(TransferRequest)
    error_field_names = {"id_number": "personIdNumber", "destination_union": "destinationUnion"}
    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"person_id_number"}

    @classmethod
    def perform(cls, info, context, input):
        union = _host_union_managed(context)
        actor_id = _actor_id(context)
        note = input.get("note") or ""
        if input.get("member") not in (None, ""):
            member_id = _optional_pk(input["member"], MEMBER, "member", union)
            destination_id = ids.decode_global_id(input.get("destination_union"), ids.UNION)
            if input.get("destination_union") in (None, ""):
                raise DomainValidationError.single("destination_union", "required", _("请选择转入工会。"))
            # Any registered union may receive a member: the origin names it without seeing anything inside it.
            destination = Union.objects.filter(pk=destination_id).first() if destination_id else None
            if destination is None:
                raise field_not_found("destination_union")
            transfer = services.transfer_request_send(
                origin_union=union,
                member_id=member_id,
                destination_union=destination,
                note=note,
                actor_id=actor_id,
            )
        else:
            if not input.get("person_id_number"):
                raise DomainValidationError.single("id_number", "required", _("请填写身份证号码。"))
            transfer = services.transfer_request_from_conflict(
                destination_union=union,
                id_number=input["person_id_number"],
                name=input.get("name") or "",
                employment_type=input.get("employment_type") or None,
                branch_id=_optional_pk(input.get("branch"), BRANCH, "branch", union),
                note=note,
                actor_id=actor_id,
            )
        return {"transfer": transfer}


class TransferRelease(BaseMutation):
    """The origin agrees to let the member go."""

    class Arguments:
        id = graphene.ID(required=True)

    transfer = graphene.Field(TransferRequest)

    @classmethod
    def perform(cls, info, context, id):
        transfer, side = _transfer(context, id)
        if side != TransferSide.ORIGIN:
            raise DomainValidationError.single("id", "wrong_side", _("只有转出工会可以同意转出。"))
        return {"transfer": services.transfer_release(transfer=transfer, actor_id=_actor_id(context))}


class TransferAccept(BaseMutation):
    """The destination takes the member in: both unions change together."""

    class Arguments:
        id = graphene.ID(required=True)
        branch = graphene.ID(description="Branch of the host's union; default: the one named in the request.")

    transfer = graphene.Field(TransferRequest)

    @classmethod
    def perform(cls, info, context, id, branch=None):
        transfer, side = _transfer(context, id)
        if side != TransferSide.DESTINATION:
            raise DomainValidationError.single("id", "wrong_side", _("只有转入工会可以接收会员。"))
        transfer = services.transfer_accept(
            transfer=transfer,
            branch_id=_optional_pk(branch, BRANCH, "branch", context.union),
            actor_id=_actor_id(context),
        )
        return {"transfer": transfer}


class TransferReject(BaseMutation):
    """The side whose turn it is declines, with a reason."""

    class Arguments:
        id = graphene.ID(required=True)
        reason = graphene.String(required=True)

    transfer = graphene.Field(TransferRequest)

    @classmethod
    def perform(cls, info, context, id, reason):
        transfer, side = _transfer(context, id)
        transfer = services.transfer_reject(
            transfer=transfer, side=side, reason=reason, actor_id=_actor_id(context)
        )
        return {"transfer": transfer}


class TransferCancel(BaseMutation):
    """The union that started the transfer withdraws it."""

    class Arguments:
        id = graphene.ID(required=True)

    transfer = graphene.Field(TransferRequest)

    @classmethod
    def perform(cls, info, context, id):
        transfer, side = _transfer(context, id)
        return {
            "transfer": services.transfer_cancel(transfer=transfer, side=side, actor_id=_actor_id(context))
        }


class TransferMutations(graphene.ObjectType):
    # Order matters to the audit walk only in that each mutation finds its own object (see tests/audit).
    transfer_request = TransferRequestCreate.Field()
    transfer_release = TransferRelease.Field()
    transfer_accept = TransferAccept.Field()
    transfer_reject = TransferReject.Field()
    transfer_cancel = TransferCancel.Field()
