"""Fetch-and-authorise for the model-worker registry, award batches, nominations, public notices, objections and
revocations by global id, within the request's scope: `<entity>_for` returns the row when the actor holds `perm` on
it, AccessDenied otherwise (the same answer as "not found")."""

from __future__ import annotations

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.errors import field_not_found
from modelworkers import selectors

MODEL_WORKER = "ModelWorker"
AWARD_BATCH = "AwardBatch"
NOMINATION = "Nomination"
PUBLIC_NOTICE = "PublicNotice"
OBJECTION = "Objection"
REVOCATION = "Revocation"


def _scoped(context) -> bool:
    """False on a union host the actor has no role on: nothing is answered there."""
    return context.union is None or context.union_visible


def _fetch(context, global_id, type_name, access, perm):
    pk = ids.decode_global_id(global_id, type_name)
    if pk is None or not _scoped(context):
        raise AccessDenied
    return access(context.actor, pk, union=context.union, perm=perm)


def worker_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, MODEL_WORKER, selectors.access_worker, perm)


def batch_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, AWARD_BATCH, selectors.access_batch, perm)


def nomination_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, NOMINATION, selectors.access_nomination, perm)


def notice_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, PUBLIC_NOTICE, selectors.access_notice, perm)


def objection_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, OBJECTION, selectors.access_objection, perm)


def revocation_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    return _fetch(context, global_id, REVOCATION, selectors.access_revocation, perm)


def fetched_for(fetch, context, global_id, field: str, perm: Perm = Perm.NODE_MANAGE):
    """`fetch` for a mutation argument: a refused or unknown id is a not-found error on `field`."""
    try:
        return fetch(context, global_id, perm)
    except AccessDenied:
        raise field_not_found(field) from None
