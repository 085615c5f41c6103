"""Fetch-and-authorise for 职工之家 assessment by global id, within the request's scope: `<entity>_for` returns the row
the actor may see (AccessDenied otherwise, the same answer as "not found"); the `_managed_for` variants also require
the permission a mutation needs on the owning node or union."""

from __future__ import annotations

from accounts.access import AccessDenied, Perm
from api.core import ids
from assessment import models, selectors

STANDARD = "AssessmentStandard"
ROUND = "AssessmentRound"
PARTICIPANT = "RoundParticipant"  # the tenant side (api.selfassessment) names participants the same way
TITLE = "HomeTitle"
OBJECTION = "AssessmentObjection"
BRANCH = "Branch"


def _pk(global_id, type_name):
    pk = ids.decode_global_id(global_id, type_name)
    if pk is None:
        raise AccessDenied
    return pk


def standard_for(context, global_id) -> models.Standard:
    pk = _pk(global_id, STANDARD)
    found = selectors.standard_list(actor=context.actor, union=context.union).filter(pk=pk).first()
    if found is None:
        raise AccessDenied
    return found


def round_for(context, global_id) -> models.Round:
    pk = _pk(global_id, ROUND)
    if context.union is not None and not context.union_visible:
        raise AccessDenied
    found = (
        selectors.round_list(actor=context.actor, union=context.union)
        .select_related("standard", "organiser")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise AccessDenied
    return found


def participant_for(context, global_id) -> models.RoundParticipant:
    pk = _pk(global_id, PARTICIPANT)
    if context.union is not None and not context.union_visible:
        raise AccessDenied
    found = (
        selectors.participant_list(actor=context.actor, union=context.union)
        .select_related("round", "round__standard", "union")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise AccessDenied
    return found


def title_for(context, global_id) -> models.Title:
    pk = _pk(global_id, TITLE)
    if context.union is not None and not context.union_visible:
        raise AccessDenied
    found = (
        selectors.title_list(actor=context.actor, union=context.union)
        .select_related("union", "awarded_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise AccessDenied
    return found


def require(context, perm: Perm, *, node=None, union=None):
    allowed = (
        context.actor.can_on_node(perm, node) if node is not None else context.actor.can_on_union(perm, union)
    )
    if not allowed:
        raise AccessDenied


def standard_managed_for(context, global_id):
    standard = standard_for(context, global_id)
    require(context, Perm.NODE_MANAGE, node=standard.issuer)
    return standard


def round_managed_for(context, global_id):
    rnd = round_for(context, global_id)
    require(context, Perm.NODE_MANAGE, node=rnd.organiser)
    return rnd


def participant_inspected_for(context, global_id):
    participant = participant_for(context, global_id)
    require(context, Perm.UNION_INSPECT, union=participant.union)
    return participant


def objection_managed_for(context, global_id):
    """An objection of a round the actor may see and manage (the organiser's node.manage)."""
    pk = _pk(global_id, OBJECTION)
    found = models.Objection.objects.filter(pk=pk).select_related("round").first()
    if found is None:
        raise AccessDenied
    round_managed_for(context, ids.to_global_id(ROUND, found.round_id))
    return found


def title_managed_for(context, global_id):
    title = title_for(context, global_id)
    require(context, Perm.NODE_MANAGE, node=title.awarded_by)
    return title
