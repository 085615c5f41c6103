"""Fetch-and-authorise by global id, within the request's scope (public host or one union's host).

Everything that takes an id from a client goes through these, so another federation's id, another union's id on
a union host, or a malformed id all give the same AccessDenied ("not found").
"""

from __future__ import annotations

from accounts.access import AccessDenied, Perm, access_node, access_union

from . import ids


def node_for(context, global_id, perm: Perm = Perm.NODE_VIEW):
    """The federation node behind `global_id` if the actor holds `perm` on it; AccessDenied otherwise."""
    pk = ids.decode_global_id(global_id, ids.FEDERATION_NODE)
    if pk is None or context.union is not None:  # a union host never answers for federation nodes
        raise AccessDenied
    return access_node(context.actor, pk, perm)


def union_for(context, global_id, perm: Perm = Perm.UNION_VIEW):
    """The union behind `global_id` if the actor holds `perm` on it (and, on a union host, it is that union)."""
    pk = ids.decode_global_id(global_id, ids.UNION)
    if pk is None or (context.union is not None and pk != context.union.pk):
        raise AccessDenied
    return access_union(context.actor, pk, perm)


def or_none(fetch, *args, **kwargs):
    """Run a fetcher, answering None instead of AccessDenied (for nullable query fields)."""
    try:
        return fetch(*args, **kwargs)
    except AccessDenied:
        return None
