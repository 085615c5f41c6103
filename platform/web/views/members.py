"""A union's member list (union host)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.access import Perm
from membership.models import EmploymentType, MemberStatus
from membership.selectors import member_list
from organisation.selectors import branch_list, branch_subtree_ids

from .common import _not_found, _union_page

MEMBER_PAGE_SIZE = 50


# --- union pages ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def members(request):
    union = _union_page(request)
    actor = request.actor
    if not actor.can_on_union(Perm.MEMBER_VIEW, union):
        raise _not_found()
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": request.GET.get("status", ""),
        "employment_type": request.GET.get("employment_type", ""),
        "branch": request.GET.get("branch", ""),
    }
    branches = list(branch_list())
    branch_ids = None
    if filters["branch"]:
        try:
            branch_ids = branch_subtree_ids([int(filters["branch"])])
        except ValueError:
            branch_ids = set()
    queryset = member_list(
        actor=actor,
        union=union,
        branch_ids=branch_ids,
        status=filters["status"] if filters["status"] in MemberStatus.values else None,
        employment_type=(
            filters["employment_type"] if filters["employment_type"] in EmploymentType.values else None
        ),
        search=filters["q"] or None,
    )
    total = queryset.count()
    after = request.GET.get("after", "")
    page_qs = queryset.select_related("branch")
    if after.isdigit():
        page_qs = page_qs.filter(pk__gt=int(after))
    rows = list(page_qs[: MEMBER_PAGE_SIZE + 1])
    next_after = rows[MEMBER_PAGE_SIZE - 1].pk if len(rows) > MEMBER_PAGE_SIZE else None
    rows = rows[:MEMBER_PAGE_SIZE]
    params = [(k, v) for k, v in filters.items() if v]

    context = {
        "nav": "members",
        "union": union,
        "members": rows,
        "total": total,
        "filters": filters,
        "branches": branches,
        "statuses": MemberStatus.choices,
        "employment_types": EmploymentType.choices,
        "next_url": "?" + urlencode([*params, ("after", next_after)]) if next_after else None,
        "first_url": "?" + urlencode(params) if after else None,
    }
    return render(request, "web/members.html", context)
