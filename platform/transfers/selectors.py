"""Reading transfers, and the fetch-and-authorise helper every id from a client goes through.

A transfer is seen only by the two unions it joins: actors holding member.view on the whole union (union admins and
officers, the federation above it; not branch officers, whose view is one branch) of the origin or the destination.
Acting needs member.manage on the side the actor acts for.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.access import AccessDenied, Actor, Perm

from .models import TransferRequest, TransferSide

DIRECTION_IN = "in"
DIRECTION_OUT = "out"


def _sees_whole_union(actor: Actor, union, perm: Perm) -> bool:
    return actor.can_on_union(perm, union) and actor.branch_scope(perm, union) is None


def transfers_for_union(
    actor: Actor, union, direction: str | None = None, status: str | None = None
) -> QuerySet[TransferRequest]:
    """Transfers into (`direction="in"`) or out of (`"out"`) `union`, or both, newest first; none for an actor
    without member.view on the whole union."""
    queryset = TransferRequest.objects.select_related("origin_union", "destination_union").order_by("-id")
    if union is None or not _sees_whole_union(actor, union, Perm.MEMBER_VIEW):
        return queryset.none()
    if direction == DIRECTION_IN:
        queryset = queryset.filter(destination_union=union)
    elif direction == DIRECTION_OUT:
        queryset = queryset.filter(origin_union=union)
    else:
        queryset = queryset.filter(Q(destination_union=union) | Q(origin_union=union))
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def transfer_side(transfer: TransferRequest, union) -> str | None:
    """Which side of `transfer` `union` is on, or None."""
    if union is None:
        return None
    if transfer.origin_union_id == union.pk:
        return TransferSide.ORIGIN
    if transfer.destination_union_id == union.pk:
        return TransferSide.DESTINATION
    return None


def access_transfer(
    actor: Actor, transfer_id, *, union, perm: Perm = Perm.MEMBER_VIEW
) -> tuple[TransferRequest, str]:
    """The transfer `transfer_id` as seen from `union` (one of its two sides) if the actor holds `perm` on the whole
    of that union; returns (transfer, side). AccessDenied for anything else, existing or not."""
    if union is None or not _sees_whole_union(actor, union, perm):
        raise AccessDenied
    try:
        pk = int(transfer_id)
        transfer = (
            TransferRequest.objects.select_related("origin_union", "destination_union")
            .filter(Q(destination_union=union) | Q(origin_union=union))
            .get(pk=pk)
        )
    except (TransferRequest.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    return transfer, transfer_side(transfer, union)
