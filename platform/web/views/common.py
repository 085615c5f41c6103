"""Helpers shared by the pages: the host's union, links to a union's host, 404s and number formats."""

from __future__ import annotations

from django.http import Http404

from accounts.access import AccessDenied, Perm
from federations.models import Union
from federations.services import union_host


def host_union(request) -> Union | None:
    tenant = getattr(request, "tenant", None)
    return tenant if isinstance(tenant, Union) else None


def union_url(request, union: Union, path: str = "/") -> str:
    """The page `path` on `union`'s own host, keeping this request's scheme and port."""
    port = request.get_port()
    default_port = "443" if request.is_secure() else "80"
    suffix = "" if port == default_port else f":{port}"
    return f"{request.scheme}://{union_host(union.slug)}{suffix}{path}"


def _not_found():
    return Http404(str(AccessDenied.message))


def _union_page(request) -> Union:
    """The host's union when the actor may see it; 404 on the public host or without a role there."""
    union = host_union(request)
    if union is None or not request.actor.can_on_union(Perm.UNION_VIEW, union):
        raise _not_found()
    return union


def _rate(members: int, staff: int) -> str:
    return f"{members * 100 / staff:.1f}%" if staff else "—"


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"
