"""Root query fields for transfers (union hosts only: a transfer is seen from one of its two unions)."""

from __future__ import annotations

import graphene
from django.db.models import F

from api.core.pagination import connection_args, empty_connection, paginate_queryset
from transfers import selectors

from .types import TransferDirection, TransferRequestConnection, TransferStatusEnum


class TransferQueries(graphene.ObjectType):
    transfers = graphene.Field(
        TransferRequestConnection,
        required=True,
        direction=TransferDirection(description="In or out of the host's union; both when omitted."),
        status=TransferStatusEnum(),
        description="Transfers into and out of the host's union, newest first (empty on the public host).",
        **connection_args(),
    )

    @staticmethod
    def resolve_transfers(root, info, direction=None, status=None, first=None, after=None):
        context = info.context
        if context.union is None or not context.union_visible:
            return empty_connection(TransferRequestConnection)
        queryset = selectors.transfers_for_union(
            context.actor,
            context.union,
            direction=getattr(direction, "value", direction),
            status=getattr(status, "value", status),
        )
        # Newest first: the keyset is the negated id, so the cursor is a plain increasing value.
        return paginate_queryset(
            queryset.annotate(neg_id=-F("id")).order_by("neg_id"),
            TransferRequestConnection,
            keys=("neg_id",),
            first=first,
            after=after,
        )
