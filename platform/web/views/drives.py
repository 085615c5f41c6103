"""Recruitment drives and their progress (both hosts)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import AccessDenied, Perm, access_union
from drives import links
from drives.selectors import access_drive, drive_covers_union, drive_list, drive_progress
from unionhub.links import link_qr_svg

from ..panels import Panel, export_response, with_export_urls
from .common import _not_found, _percent, _union_page, host_union, union_url

# --- drives (both hosts) ----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def drives(request):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    today = timezone.localdate()
    context = {
        "nav": "drives",
        "union": union,
        "drives": list(drive_list(actor=request.actor, union=union)[:100]),
        "today": today,
    }
    return render(request, "web/drives.html", context)


@login_required
@require_http_methods(["GET"])
def drive_detail(request, drive_id: int):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    actor = request.actor
    try:
        drive = access_drive(actor, drive_id, union=union)
    except AccessDenied:
        raise _not_found() from None
    rows = drive_progress(actor=actor, drive=drive, union=union)
    level_labels = {
        "county": _("县级"),
        "township": _("乡镇（街道、园区）"),
        "union": _("基层工会"),
        "branch": _("分会"),
    }
    table_rows = [
        [
            str(level_labels[row.level]),
            row.name,
            row.new_members_target,
            row.new_members,
            row.members,
            row.staff if row.staff is not None else "",
            _percent(row.rate_permille / 10) if row.rate_permille is not None else "—",
            _percent(row.rate_target_permille / 10) if row.rate_target_permille is not None else "—",
        ]
        for row in rows
    ]
    chart_rows = [row for row in rows if row.level == "union"]
    panel = Panel(
        key="progress",
        title=_("各单位进度"),
        columns=[
            _("层级"),
            _("单位"),
            _("新发展会员目标"),
            _("新发展会员"),
            _("会员人数"),
            _("职工人数"),
            _("入会率"),
            _("目标入会率"),
        ],
        rows=table_rows,
        chart={
            "type": "bar",
            "categories": [row.name for row in chart_rows],
            "series": [
                {"name": str(_("新发展会员目标")), "data": [row.new_members_target for row in chart_rows]},
                {"name": str(_("新发展会员")), "data": [row.new_members for row in chart_rows]},
            ],
        },
    )
    panels = with_export_urls(request, [panel])
    export = export_response(request, panels, prefix=drive.name)
    if export is not None:
        return export
    join = None
    if union is not None and actor.can_on_union(Perm.MEMBER_MANAGE, union):
        try:
            access_union(actor, union.pk, Perm.MEMBER_MANAGE)
            if drive_covers_union(drive=drive, union_id=union.pk) and drive.ends_on >= timezone.localdate():
                token = links.link_token(drive=drive, union_id=union.pk)
                url = union_url(request, union, reverse("join", args=[token]))
                join = {"url": url, "qr_svg": link_qr_svg(url)}
        except AccessDenied:
            join = None
    context = {"nav": "drives", "union": union, "drive": drive, "panels": panels, "join": join}
    return render(request, "web/drive_detail.html", context)
