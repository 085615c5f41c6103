"""Reading the audit log, limited to what the actor administers."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from django.db.models import Q, QuerySet

from accounts.access import Actor, Perm

from .models import AuditEntry


def _scope_filter(actor: Actor) -> Q | None:
    """Q over AuditEntry for the actor's scope; None = everything (platform admin); Q(pk__in=[]) = nothing.

    Federation admins (NODE_MANAGE on a node) see entries whose stored scope_path lies in their subtree; union
    admins (UNION_MANAGE on a union) see their union's entries. Staff, officers and read-only tokens see none.
    """
    if actor.can_globally(Perm.NODE_MANAGE):
        return None
    prefixes: set[str] = set()
    union_ids: set[int] = set()
    for grant in actor.grants:
        if grant.node_path is not None:
            if actor.can_on_node(Perm.NODE_MANAGE, SimpleNamespace(path=grant.node_path)):
                prefixes.add(grant.node_path)
        elif grant.union_id is not None:
            union = SimpleNamespace(pk=grant.union_id, node_path=grant.union_node_path or "")
            if actor.can_on_union(Perm.UNION_MANAGE, union):
                union_ids.add(grant.union_id)
    # A subtree inside another granted subtree adds nothing.
    prefixes = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}
    query = Q(pk__in=[])
    for prefix in sorted(prefixes):
        query |= Q(scope_path__startswith=prefix)
    if union_ids:
        query |= Q(union_id__in=sorted(union_ids))
    return query


def audit_entries_visible(
    *, actor: Actor, union=None, node=None, since: datetime | None = None
) -> QuerySet[AuditEntry]:
    """Audit entries the actor may read, newest first, optionally narrowed to one union, one node's subtree
    (the node and every node and union below it) and/or entries at or after `since`.

    Narrowing never widens: a union or node outside the actor's scope yields no entries.
    """
    entries = AuditEntry.objects.all()
    scope = _scope_filter(actor)
    if scope is not None:
        entries = entries.filter(scope)
    if union is not None:
        entries = entries.filter(union_id=union.pk)
    if node is not None:
        entries = entries.filter(scope_path__startswith=node.path)
    if since is not None:
        entries = entries.filter(created_at__gte=since)
    return entries.order_by("-created_at", "-id")
