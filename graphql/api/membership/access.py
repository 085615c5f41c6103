"""Members by global id: on the union's host only, within the actor's branch scope."""

from __future__ import annotations

from accounts.access import AccessDenied, Perm
from api.core import ids
from membership import models, selectors

MEMBER = "Member"
WITHDRAWAL_PROPOSAL = "WithdrawalProposal"
EXPULSION_CASE = "ExpulsionCase"


def member_for(context, global_id, perm: Perm = Perm.MEMBER_VIEW):
    """The member behind `global_id` in the request's union if the actor holds `perm` on it (branch officers: in
    their branches). AccessDenied otherwise: another union's id, the public host, a malformed id."""
    union = context.union
    pk = ids.decode_tenant_global_id(global_id, MEMBER, union.pk if union is not None else None)
    if pk is None or union is None or not context.union_visible:
        raise AccessDenied
    member = selectors.member_get(actor=context.actor, union=union, member_id=pk, perm=perm)
    if member is None:
        raise AccessDenied
    return member


def _member_owned_for(context, global_id, type_name, model, perm: Perm):
    """A row of `model` (with a `member`) by its tenant global id, if the actor holds `perm` on its member."""
    union = context.union
    pk = ids.decode_tenant_global_id(global_id, type_name, union.pk if union is not None else None)
    if pk is None or union is None or not context.union_visible:
        raise AccessDenied
    row = model.objects.filter(pk=pk).first()
    if (
        row is None
        or selectors.member_get(actor=context.actor, union=union, member_id=row.member_id, perm=perm) is None
    ):
        raise AccessDenied
    return row


def proposal_for(context, global_id, perm: Perm = Perm.MEMBER_MANAGE):
    return _member_owned_for(context, global_id, WITHDRAWAL_PROPOSAL, models.WithdrawalProposal, perm)


def expulsion_case_for(context, global_id, perm: Perm = Perm.MEMBER_MANAGE):
    return _member_owned_for(context, global_id, EXPULSION_CASE, models.ExpulsionCase, perm)
