"""GraphQL types for member transfers. Seen from a union's host: `direction` and the member ids are relative to it."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.pagination import CountableConnection
from api.core.types import ModelNode, enum_from_choices
from api.membership.access import MEMBER
from api.organisation.access import BRANCH
from transfers import models, selectors
from transfers.models import TransferSide, TransferStatus

TRANSFER_REQUEST = "TransferRequest"

TransferStatusEnum = enum_from_choices(TransferStatus, "Where a transfer stands.")
TransferSideEnum = enum_from_choices(TransferSide, "One of the two unions of a transfer.")


class TransferDirection(graphene.Enum):
    """Seen from the union of the host: transfers coming in or going out."""

    IN = "in"
    OUT = "out"


def transfer_for(context, global_id, perm):
    """The transfer behind `global_id` as seen from the host's union, with the side that union is on."""
    pk = ids.decode_global_id(global_id, TRANSFER_REQUEST)
    if pk is None or context.union is None:
        raise AccessDenied
    return selectors.access_transfer(context.actor, pk, union=context.union, perm=perm)


def transfer_seen(context, global_id) -> models.TransferRequest:
    """The transfer behind `global_id` if the host's union is one of its two sides and may view members."""
    transfer, _ = transfer_for(context, global_id, Perm.MEMBER_VIEW)
    return transfer


def _origin_withheld(transfer, info) -> bool:
    """The destination asked for a person who is a member elsewhere: until the origin releases them, it learns only
    that (issue 14: naming the union and the join date told any union where anyone was a member, and since when)."""
    side = selectors.transfer_side(transfer, info.context.union)
    return side == TransferSide.DESTINATION and transfer.released_at is None


class TransferRequest(ModelNode):
    """A member moving from one union (origin) to another (destination): both unions see it, nobody else."""

    class Meta:
        name = TRANSFER_REQUEST
        model = models.TransferRequest
        fetch = transfer_seen

    status = graphene.Field(TransferStatusEnum, required=True)
    status_label = graphene.String(required=True)
    direction = graphene.Field(TransferDirection, required=True, description="Relative to the host's union.")
    requested_by_side = graphene.Field(TransferSideEnum, required=True)
    origin_union_name = graphene.String(
        description="Null at the destination until the origin releases the person (which union they belong to is "
        "the origin's to disclose)."
    )
    destination_union_name = graphene.String(required=True)
    name = graphene.String(required=True, description="The person's name.")
    id_number_masked = graphene.String(required=True, description="Identity number, masked.")
    employment_type = graphene.String(required=True)
    note = graphene.String(required=True)
    member = graphene.ID(
        description="The member in the host's union: the origin's before, the destination's after."
    )
    destination_branch = graphene.ID(description="Branch at the destination (destination host only).")
    requested_at = graphene.DateTime(required=True)
    released_at = graphene.DateTime()
    decided_at = graphene.DateTime(description="When it was accepted, rejected or cancelled.")
    rejected_by_side = graphene.Field(TransferSideEnum)
    reject_reason = graphene.String(required=True)
    original_join_date = graphene.Date(
        description="When the person first joined; the destination member keeps it (membership is continuous). "
        "Null at the destination until the origin releases the person."
    )
    transfer_date = graphene.Date(description="When the transfer took effect (accepted transfers).")

    @staticmethod
    def resolve_status_label(root, info):
        return root.get_status_display()

    @staticmethod
    def resolve_direction(root, info):
        union = info.context.union
        return (
            TransferDirection.IN
            if union is not None and root.destination_union_id == union.pk
            else (TransferDirection.OUT)
        )

    @staticmethod
    def resolve_origin_union_name(root, info):
        return None if _origin_withheld(root, info) else root.origin_union.name

    @staticmethod
    def resolve_original_join_date(root, info):
        return None if _origin_withheld(root, info) else root.original_join_date

    @staticmethod
    def resolve_destination_union_name(root, info):
        return root.destination_union.name

    @staticmethod
    def resolve_rejected_by_side(root, info):
        return root.rejected_by_side or None

    @staticmethod
    def resolve_member(root, info):
        side = selectors.transfer_side(root, info.context.union)
        if side == TransferSide.ORIGIN:
            return ids.to_tenant_global_id(MEMBER, root.origin_union_id, root.origin_member_id)
        if side == TransferSide.DESTINATION and root.destination_member_id:
            return ids.to_tenant_global_id(MEMBER, root.destination_union_id, root.destination_member_id)
        return None

    @staticmethod
    def resolve_destination_branch(root, info):
        side = selectors.transfer_side(root, info.context.union)
        if side == TransferSide.DESTINATION and root.destination_branch_id:
            return ids.to_tenant_global_id(BRANCH, root.destination_union_id, root.destination_branch_id)
        return None


class TransferRequestConnection(CountableConnection):
    class Meta:
        node = TransferRequest
