"""The membership application queue: approve or reject (union host)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.access import Perm
from api.core import ids
from drives.selectors import drive_list
from recruitment.selectors import application_list

from ..gql import run_mutation
from .common import _not_found, _union_page

APPROVE = """
mutation($id: ID!) { applicationApprove(id: $id) { errors { field code message } } }
"""
REJECT = """
mutation($id: ID!, $reason: String!) {
  applicationReject(id: $id, reason: $reason) { errors { field code message } }
}
"""


@login_required
@require_http_methods(["GET", "POST"])
def applications(request):
    union = _union_page(request)
    actor = request.actor
    if not actor.can_on_union(Perm.MEMBER_MANAGE, union):
        raise _not_found()
    errors: list[dict] = []
    if request.method == "POST":
        global_id = ids.to_global_id("Application", request.POST.get("application", ""))
        if request.POST.get("decision") == "approve":
            result = run_mutation(request, APPROVE, {"id": global_id}, field_name="applicationApprove")
        else:
            reason = request.POST.get("reason", "")
            result = run_mutation(
                request, REJECT, {"id": global_id, "reason": reason}, field_name="applicationReject"
            )
        if result.ok:
            return redirect(reverse("web-applications") + "?done=" + request.POST.get("decision", ""))
        errors = result.errors
    status = request.GET.get("status") or "pending"
    rows = list(application_list(actor=actor, union=union, status=status)[:100])
    drive_names = dict(
        drive_list(actor=actor, union=union)
        .filter(pk__in={a.drive_id for a in rows})
        .values_list("pk", "name")
    )
    for application in rows:
        application.drive_name = drive_names.get(application.drive_id, "")
    context = {
        "nav": "applications",
        "union": union,
        "applications": rows,
        "status": status,
        "errors": errors,
        "done": request.GET.get("done", ""),
    }
    return render(request, "web/applications.html", context, status=400 if errors else 200)
