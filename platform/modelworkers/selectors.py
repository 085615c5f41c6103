"""Reads and visibility for model workers, batches, nominations, notices, objections and revocations.

Who sees what:
- federation staff and admins: everything awarded or organised by a node in their subtree, and the model workers
  and nominations of the unions in their subtree (a township sees the county's awards to its unions);
- a union (its own host, or its union roles on the public host): its own nominations and its own model workers,
  and the batches and notices of the federations above it (to nominate; a notice is public by nature);
- objections and revocations: the awarding side only (node view on the awarding node's subtree).
Writes by the federation need node.manage on the awarding node; nominating needs union.manage on the union.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import Q, QuerySet

from accounts.access import AccessDenied, Actor, Perm
from federations.models import FederationNode, Union

from .models import AwardBatch, ModelWorker, Nomination, Objection, PublicNotice, Revocation


def _int_id(value) -> int:
    if isinstance(value, bool):
        raise ValueError("not an id")
    return int(value)


def ancestor_paths(path: str) -> list[str]:
    """ "/1/4/9/" -> ["/1/", "/1/4/", "/1/4/9/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _visible_nodes(actor: Actor) -> QuerySet:
    return FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW)).values("pk")


def _visible_unions(actor: Actor) -> QuerySet:
    return Union.objects.filter(actor.union_filter(Perm.UNION_VIEW)).values("pk")


def _paths_above_actor(actor: Actor) -> list[str]:
    """Node paths above (and at) each unit the actor may see through a grant: the federations whose batches and
    notices concern it."""
    above: set[str] = set()
    for grant in actor.roles():
        if grant.union_id is not None and grant.union_node_path:
            unit = SimpleNamespace(pk=grant.union_id, node_path=grant.union_node_path)
            if actor.can_on_union(Perm.UNION_VIEW, unit):
                above.update(ancestor_paths(grant.union_node_path))
        elif grant.node_path:
            if actor.can_on_node(Perm.NODE_VIEW, SimpleNamespace(path=grant.node_path)):
                above.update(ancestor_paths(grant.node_path))
    return sorted(above)


# --- batches -----------------------------------------------------------------------------------------------------


def batch_filter(actor: Actor, *, union=None) -> Q:
    """Q over AwardBatch. On a union host (`union`): the batches of the federations above that union."""
    if union is not None:
        if not actor.can_on_union(Perm.UNION_VIEW, union):
            return Q(pk__in=[])
        return Q(awarding_node__path__in=ancestor_paths(union.node_path))
    if actor.can_globally(Perm.NODE_VIEW):
        return Q()
    query = Q(awarding_node__in=_visible_nodes(actor))
    above = _paths_above_actor(actor)
    if above:
        query |= Q(awarding_node__path__in=above)
    return query


def batch_list(*, actor: Actor, union=None, year=None, status=None) -> QuerySet:
    queryset = AwardBatch.objects.select_related("awarding_node").filter(batch_filter(actor, union=union))
    if year is not None:
        queryset = queryset.filter(year=year)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def access_batch(actor: Actor, batch_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> AwardBatch:
    """A visible batch; with perm NODE_MANAGE only for the awarding node's managers (never on a union host)."""
    try:
        batch = batch_list(actor=actor, union=union).get(pk=_int_id(batch_id))
    except (AwardBatch.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and (union is not None or not actor.can_on_node(perm, batch.awarding_node)):
        raise AccessDenied
    return batch


def can_manage_node(actor: Actor, node) -> bool:
    return actor.can_on_node(Perm.NODE_MANAGE, node)


# --- registry ----------------------------------------------------------------------------------------------------


def worker_filter(actor: Actor, *, union=None) -> Q:
    if union is not None:
        if not actor.can_on_union(Perm.UNION_VIEW, union):
            return Q(pk__in=[])
        return Q(employing_union=union.pk)
    if actor.can_globally(Perm.NODE_VIEW):
        return Q()
    return Q(awarding_node__in=_visible_nodes(actor)) | Q(employing_union__in=_visible_unions(actor))


def worker_list(
    *,
    actor: Actor,
    union=None,
    status=None,
    level=None,
    category=None,
    title=None,
    batch_id=None,
    awarding_node_id=None,
    search: str | None = None,
) -> QuerySet:
    queryset = ModelWorker.objects.filter(worker_filter(actor, union=union))
    if status is not None:
        queryset = queryset.filter(status=status)
    if level is not None:
        queryset = queryset.filter(level=level)
    if category is not None:
        queryset = queryset.filter(category=category)
    if title is not None:
        queryset = queryset.filter(title=title)
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if awarding_node_id is not None:
        queryset = queryset.filter(awarding_node_id=awarding_node_id)
    if search:
        queryset = queryset.filter(Q(name__contains=search) | Q(employer_name__contains=search))
    return queryset


def access_worker(actor: Actor, worker_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> ModelWorker:
    """A visible worker; with NODE_MANAGE only for managers of the awarding node (public host)."""
    try:
        worker = (
            ModelWorker.objects.select_related("awarding_node", "employing_union")
            .filter(worker_filter(actor, union=union))
            .get(pk=_int_id(worker_id))
        )
    except (ModelWorker.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and (union is not None or not actor.can_on_node(perm, worker.awarding_node)):
        raise AccessDenied
    return worker


# --- nominations, notices, objections ----------------------------------------------------------------------------


def nomination_filter(actor: Actor, *, union=None) -> Q:
    if union is not None:
        if not actor.can_on_union(Perm.UNION_VIEW, union):
            return Q(pk__in=[])
        return Q(union=union.pk)
    if actor.can_globally(Perm.NODE_VIEW):
        return Q()
    return Q(batch__awarding_node__in=_visible_nodes(actor)) | Q(union__in=_visible_unions(actor))


def nomination_list(*, actor: Actor, union=None, batch_id=None, status=None) -> QuerySet:
    queryset = Nomination.objects.filter(nomination_filter(actor, union=union))
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def access_nomination(actor: Actor, nomination_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> Nomination:
    try:
        nomination = (
            Nomination.objects.select_related("batch__awarding_node", "union")
            .filter(nomination_filter(actor, union=union))
            .get(pk=_int_id(nomination_id))
        )
    except (Nomination.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and (
        union is not None or not actor.can_on_node(perm, nomination.batch.awarding_node)
    ):
        raise AccessDenied
    return nomination


def notice_list(*, actor: Actor, union=None, batch_id=None) -> QuerySet:
    queryset = PublicNotice.objects.filter(
        batch__in=AwardBatch.objects.filter(batch_filter(actor, union=union))
    )
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    return queryset


def access_notice(actor: Actor, notice_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> PublicNotice:
    try:
        notice = (
            notice_list(actor=actor, union=union)
            .select_related("batch__awarding_node")
            .get(pk=_int_id(notice_id))
        )
    except (PublicNotice.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and (
        union is not None or not actor.can_on_node(perm, notice.batch.awarding_node)
    ):
        raise AccessDenied
    return notice


def awarding_side_filter(actor: Actor, *, union=None, path: str = "") -> Q:
    """Rows reached through an awarding node (`path` = the lookup to it): the awarding side only."""
    if union is not None:
        return Q(pk__in=[])
    if actor.can_globally(Perm.NODE_VIEW):
        return Q()
    return Q(**{f"{path}__in": _visible_nodes(actor)})


def objection_list(*, actor: Actor, union=None, notice_id=None) -> QuerySet:
    queryset = Objection.objects.filter(
        awarding_side_filter(actor, union=union, path="notice__batch__awarding_node")
    )
    if notice_id is not None:
        queryset = queryset.filter(notice_id=notice_id)
    return queryset


def access_objection(actor: Actor, objection_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> Objection:
    try:
        objection = (
            objection_list(actor=actor, union=union)
            .select_related("notice__batch__awarding_node")
            .get(pk=_int_id(objection_id))
        )
    except (Objection.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and not actor.can_on_node(perm, objection.notice.batch.awarding_node):
        raise AccessDenied
    return objection


def revocation_list(*, actor: Actor, union=None, worker_id=None, status=None) -> QuerySet:
    queryset = Revocation.objects.filter(
        awarding_side_filter(actor, union=union, path="worker__awarding_node")
    )
    if worker_id is not None:
        queryset = queryset.filter(worker_id=worker_id)
    if status is not None:
        queryset = queryset.filter(status=status)
    return queryset


def access_revocation(actor: Actor, revocation_id, *, union=None, perm: Perm = Perm.NODE_VIEW) -> Revocation:
    try:
        revocation = (
            revocation_list(actor=actor, union=union)
            .select_related("worker__awarding_node")
            .get(pk=_int_id(revocation_id))
        )
    except (Revocation.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise AccessDenied from exc
    if perm != Perm.NODE_VIEW and not actor.can_on_node(perm, revocation.worker.awarding_node):
        raise AccessDenied
    return revocation


def worker_history(worker: ModelWorker) -> QuerySet:
    return worker.status_changes.order_by("id")
