"""Reads for the federation tree and unions. Every list is filtered to what the actor may see.

Callers that start from one row by id use accounts.access (access_node / access_union); these selectors answer lists
and batches (GraphQL connections and loaders). A union's subtree filter uses the indexed `node_path` prefix.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from accounts.access import Actor, Perm

from .models import FederationNode, StaffCount, Union


def node_list(
    *,
    actor: Actor,
    parent: FederationNode | None = None,
    level: str | None = None,
    search: str | None = None,
) -> QuerySet[FederationNode]:
    """Nodes the actor may see, in tree order; `parent` (already authorised) narrows to its direct children."""
    queryset = FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW))
    if parent is not None:
        queryset = queryset.filter(parent_id=parent.pk)
    if level:
        queryset = queryset.filter(level=level)
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(division_code__startswith=search))
    return queryset.order_by("path")


def node_top_list(*, actor: Actor) -> list[FederationNode]:
    """The highest nodes the actor sees: its granted nodes not covered by another of its grants (roots for
    platform admins)."""
    queryset = FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW))
    if actor.can_globally(Perm.NODE_VIEW):
        return list(queryset.filter(parent__isnull=True).order_by("path"))
    paths = sorted({g.node_path for g in actor.grants if g.node_path is not None})
    top_paths = [p for p in paths if not any(p != other and p.startswith(other) for other in paths)]
    if not top_paths:
        return []
    return list(queryset.filter(path__in=top_paths).order_by("path"))


def node_map(*, actor: Actor, ids: Iterable[int]) -> dict[int, FederationNode]:
    """Visible nodes by id (ids the actor may not see are simply absent)."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    queryset = FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW), pk__in=ids)
    return {node.pk: node for node in queryset}


def node_children_map(*, actor: Actor, parent_ids: Iterable[int]) -> dict[int, list[FederationNode]]:
    """Visible direct children of each parent, in tree order, in one query."""
    parent_ids = list(set(parent_ids))
    result: dict[int, list[FederationNode]] = {pk: [] for pk in parent_ids}
    if not parent_ids:
        return result
    queryset = FederationNode.objects.filter(actor.node_filter(Perm.NODE_VIEW), parent_id__in=parent_ids)
    for node in queryset.order_by("path"):
        result[node.parent_id].append(node)
    return result


def union_list(
    *,
    actor: Actor,
    node: FederationNode | None = None,
    union_id: int | None = None,
    unit_type: str | None = None,
    ownership_type: str | None = None,
    union_kind: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> QuerySet[Union]:
    """Unions the actor may see, by name; `node` (already authorised) narrows to its whole subtree,
    `union_id` to one union (a union's own host)."""
    queryset = Union.objects.filter(actor.union_filter(Perm.UNION_VIEW))
    if node is not None:
        queryset = queryset.filter(node_path__startswith=node.path)
    if union_id is not None:
        queryset = queryset.filter(pk=union_id)
    for field, value in (
        ("unit_type", unit_type),
        ("ownership_type", ownership_type),
        ("union_kind", union_kind),
        ("status", status),
    ):
        if value:
            queryset = queryset.filter(**{field: value})
    search = (search or "").strip()
    if search:
        queryset = queryset.filter(
            Q(name__icontains=search) | Q(slug__icontains=search) | Q(credit_code=search.upper())
        )
    return queryset.order_by("name", "pk")


def union_map(*, actor: Actor, ids: Iterable[int]) -> dict[int, Union]:
    """Visible unions by id."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    queryset = Union.objects.filter(actor.union_filter(Perm.UNION_VIEW), pk__in=ids)
    return {union.pk: union for union in queryset}


def node_names_by_id(*, ids: Iterable[int]) -> dict[int, str]:
    """Names only, by id, for naming the neighbours (parent, report recipient) of nodes the caller has already
    authorised: a county may see whom it reports to without seeing that federation's tree."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    return dict(FederationNode.objects.filter(pk__in=ids).values_list("pk", "name"))


def staff_counts_as_of(union_ids: Iterable[int], on) -> dict[int, StaffCount]:
    """The staff count record in force on `on` per union (latest effective date <= on, the later entry on a tie);
    unions with no record by then are absent. One query."""
    rows = (
        StaffCount.objects.filter(union_id__in=list(union_ids), effective_on__lte=on)
        .order_by("union_id", "-effective_on", "-id")
        .distinct("union_id")
    )
    return {row.union_id: row for row in rows}
