"""Model workers (registry on the public host; a union's own on its host) and nominations."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from modelworkers.models import Level, NominationStatus, WorkerStatus
from modelworkers.selectors import nomination_list, worker_list

from .. import selectors
from ..panels import export_response, with_export_urls
from .common import _union_page, host_union
from .dashboard import _due_panel

# --- model workers (registry: public host; a union's own on its host), nominations ---------------------------------


@login_required
@require_http_methods(["GET"])
def modelworkers(request):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    actor = request.actor
    filters = {
        "q": request.GET.get("q", "").strip(),
        "status": request.GET.get("status", ""),
        "level": request.GET.get("level", ""),
    }
    workers = worker_list(
        actor=actor,
        union=union,
        status=filters["status"] if filters["status"] in WorkerStatus.values else None,
        level=filters["level"] if filters["level"] in Level.values else None,
        search=filters["q"] or None,
    ).select_related("awarding_node", "employing_union")
    today = timezone.localdate()
    due = selectors.modelworkers_due(actor=actor, today=today, union=union)
    panels = with_export_urls(request, [_due_panel(due, today)])
    export = export_response(request, panels, prefix=str(_("劳模")))
    if export is not None:
        return export
    context = {
        "nav": "modelworkers",
        "union": union,
        "workers": list(workers.order_by("-awarded_on", "name", "pk")[:200]),
        "total": workers.count(),
        "filters": filters,
        "statuses": WorkerStatus.choices,
        "levels": Level.choices,
        "panels": panels,
        "today": today,
    }
    return render(request, "web/modelworkers.html", context)


@login_required
@require_http_methods(["GET"])
def nominations(request):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    status = request.GET.get("status", "")
    rows = nomination_list(
        actor=request.actor, union=union, status=status if status in NominationStatus.values else None
    ).select_related("batch", "union")
    context = {
        "nav": "nominations",
        "union": union,
        "nominations": list(rows.order_by("-id")[:200]),
        "statuses": NominationStatus.choices,
        "status": status,
    }
    return render(request, "web/nominations.html", context)
