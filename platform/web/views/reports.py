"""Statistical reports: the submission board and report files (public host)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import AccessDenied, Perm, access_node
from federations.selectors import node_top_list
from files.selectors import file_download_url
from reporting.models import ReportFile, SubmissionStatus
from reporting.selectors import board
from rollup.models import ReportingPeriod

from ..panels import Panel, export_response, with_export_urls
from .common import _not_found, host_union

# --- statistical reports: the submission board and report files (public host) -----------------------------------


@login_required
@require_http_methods(["GET"])
def reports(request):
    if host_union(request) is not None:
        raise _not_found()
    actor = request.actor
    tops = node_top_list(actor=actor)
    if not tops:
        raise _not_found()
    node = tops[0]
    if request.GET.get("node"):
        try:
            node = access_node(actor, request.GET["node"], Perm.NODE_VIEW)
        except AccessDenied:
            raise _not_found() from None
    # Periods run by this node or by a node above it (a township reports within its county's period).
    ancestors = [
        "/" + "/".join(node.path.strip("/").split("/")[: i + 1]) + "/" for i in range(node.depth + 1)
    ]
    periods = list(
        ReportingPeriod.objects.filter(owner_node__path__in=ancestors)
        .select_related("owner_node")
        .order_by("-ends_on", "-id")[:24]
    )
    period = periods[0] if periods else None
    if request.GET.get("period"):
        period = next((p for p in periods if str(p.pk) == request.GET["period"]), None)
        if period is None:
            raise _not_found()
    the_board, files, panels = None, [], []
    if period is not None:
        the_board = board(node=node, period=period)
        labels = dict(SubmissionStatus.choices)
        panel = Panel(
            key="board",
            title=_("报送情况"),
            columns=[_("单位"), _("截止日期"), _("状态"), _("报送时间"), _("逾期")],
            rows=[
                [
                    row.name,
                    f"{row.due_on:%Y-%m-%d}" if row.due_on else "",
                    str(labels.get(row.status, _("未报送"))),
                    timezone.localtime(row.submitted_at).strftime("%Y-%m-%d %H:%M")
                    if row.submitted_at
                    else "",
                    str(_("是")) if row.overdue else "",
                ]
                for row in the_board.rows
            ],
        )
        counts = the_board.counts()
        panel.chart = {
            "type": "bar",
            "categories": [str(_("未报送")), str(_("已报送")), str(_("已审核通过")), str(_("已退回"))],
            "series": [
                {
                    "name": str(_("单位数")),
                    "data": [
                        counts["not_submitted"],
                        counts["submitted"],
                        counts["accepted"],
                        counts["returned"],
                    ],
                }
            ],
        }
        panels = with_export_urls(request, [panel])
        export = export_response(request, panels, prefix=f"{node.name}-{period.label}")
        if export is not None:
            return export
        for report in ReportFile.objects.filter(node=node, period=period).order_by("kind"):
            files.append(
                (
                    report,
                    file_download_url(
                        key=report.key, user=request.user, expires=300, download_name=report.filename
                    ),
                )
            )
    context = {
        "nav": "reports",
        "node": node,
        "periods": periods,
        "period": period,
        "board": the_board,
        "counts": the_board.counts() if the_board else None,
        "panels": panels,
        "files": files,
    }
    return render(request, "web/reports.html", context)
