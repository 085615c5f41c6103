"""Member imports: starting an import and its report (union host)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import Perm
from api.core import ids
from imports.registry import importer_get
from imports.selectors import import_job_error_file_url, import_job_list

from ..gql import run_mutation
from .common import _not_found, _union_page

IMPORT_START = """
mutation($union: ID!, $fileName: String!) {
  importJobStart(union: $union, kind: MEMBERS, fileName: $fileName) {
    errors { field code message }
    importJob { id }
  }
}
"""


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    union = _union_page(request)
    actor = request.actor
    if not actor.can_on_union(Perm.UNION_MANAGE, union):
        raise _not_found()
    errors: list[dict] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = [{"field": "file", "message": _("请选择要导入的文件。")}]
        else:
            result = run_mutation(
                request,
                IMPORT_START,
                {"union": ids.to_global_id(ids.UNION, union.pk), "fileName": upload.name},
                field_name="importJobStart",
            )
            if result.ok:
                return redirect(reverse("web-imports") + "?started=1")
            errors = result.errors
    jobs = list(import_job_list(union=union)[:20])
    for job in jobs:
        job.error_file_url = import_job_error_file_url(job, user=request.user) if job.rejected_rows else None
        try:
            job.kind_label = importer_get(job.kind).label
        except LookupError:
            job.kind_label = job.kind
    importer = importer_get("members")
    context = {
        "nav": "imports",
        "union": union,
        "jobs": jobs,
        "errors": errors,
        "started": request.GET.get("started") == "1",
        "headers": list(importer.headers),
        "required": list(getattr(importer, "required", ())),
    }
    return render(request, "web/imports.html", context, status=400 if errors else 200)
