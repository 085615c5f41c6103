"""Transfers for the walk-based audit test (tests/audit/test_mutation_audit.py): on `union`'s host, each transfer
mutation finds one object it can act on, whatever the others did before it in the walk."""

from __future__ import annotations

from graphql_relay import to_global_id

from tests.factories import union_kwargs
from tests.support.isolation import TRANSFER_PROBE_ID_NUMBER
from tests.support.members import make_id, member_kwargs


def transfer_audit_objects(union, *, parent_node) -> list[str]:
    """Create a second union and four transfers with `union`; return their global ids.

    The walk runs transferRequest, transferRelease, transferAccept, transferReject, transferCancel in that order
    with every id: release takes the first, accept the second, reject the third (its member left the union, so
    release and accept refuse it), cancel the fourth (asked for by `union`, so only cancelling applies).
    """
    from django.utils import timezone

    from federations.services import union_provision
    from membership.services import member_change_status, member_create
    from transfers.services import transfer_request_from_conflict, transfer_request_send

    other = union_provision(parent_node=parent_node, **union_kwargs(name="审计纺织厂工会"))

    def member(in_union, number=None):
        return member_create(union=in_union, **member_kwargs(id_number=number or make_id()))

    # transferRequest (destination asks) succeeds for the probe person, who is a member of the other union.
    member(other, TRANSFER_PROBE_ID_NUMBER)

    to_release_number = make_id()
    member(union, to_release_number)
    to_release = transfer_request_from_conflict(
        destination_union=other, id_number=to_release_number, name="甲"
    )

    to_accept = transfer_request_send(origin_union=other, member_id=member(other).pk, destination_union=union)

    to_reject_number = make_id()
    leaving = member(union, to_reject_number)
    to_reject = transfer_request_from_conflict(destination_union=other, id_number=to_reject_number, name="乙")
    member_change_status(
        union=union,
        member=leaving,
        to_status="withdrawn",
        reason="voluntary",
        effective_on=timezone.localdate(),
    )

    to_cancel_number = make_id()
    member(other, to_cancel_number)
    to_cancel = transfer_request_from_conflict(destination_union=union, id_number=to_cancel_number, name="丙")

    return [to_global_id("TransferRequest", t.pk) for t in (to_release, to_accept, to_reject, to_cancel)]
