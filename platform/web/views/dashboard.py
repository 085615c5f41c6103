"""The federation dashboard (public host) and a union's home page (union host)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import AccessDenied, Perm, access_node
from accounts.selectors import viewer_roles
from federations.selectors import node_top_list
from modelworker_care.models import DueKind
from organisation.selectors import branch_list
from recruitment.selectors import application_list
from rollup import indicators as ind
from rollup.selectors import facts_for_union

from .. import selectors
from ..panels import Panel, export_response, with_export_urls
from .common import _not_found, _percent, _rate, _union_page, host_union, union_url

# --- federation dashboard (public host) / union home (union host) -------------------------------------------------


@login_required
@require_http_methods(["GET"])
def home(request):
    if host_union(request) is not None:
        return union_home(request)
    return federation_dashboard(request)


def federation_dashboard(request):
    actor = request.actor
    tops = node_top_list(actor=actor)
    if not tops:
        # No federation role: point to the unions the user works in (each on its own host).
        unions = [grant.union for grant in viewer_roles(actor) if grant.union_id is not None]
        links = [(union, union_url(request, union)) for union in {u.pk: u for u in unions}.values()]
        return render(request, "web/no_node.html", {"union_links": links, "nav": "home"})
    node = tops[0]
    if request.GET.get("node"):
        try:
            node = access_node(actor, request.GET["node"], Perm.NODE_VIEW)
        except AccessDenied:
            raise _not_found() from None

    today = timezone.localdate()
    units, total = selectors.node_subunit_figures(actor=actor, node=node)
    years = selectors.recent_reporting_years(today)
    new_members = selectors.new_members_by_year(actor=actor, node=node, years=years)
    drives = selectors.drive_figures(actor=actor, today=today, node=node)
    panels = [
        _subunit_members_panel(units),
        _subunit_rate_panel(units),
        _new_members_panel(new_members),
        _drives_panel(drives),
        _home_grades_panel(selectors.home_grade_counts(actor=actor, node=node)),
        _quality_panel(selectors.data_quality_by_subunit(node=node, year=years[-1])),
        _due_panel(selectors.modelworkers_due(actor=actor, today=today, node=node), today),
    ]
    panels = with_export_urls(request, panels)
    export = export_response(request, panels, prefix=node.name)
    if export is not None:
        return export
    context = {
        "nav": "home",
        "node": node,
        "tops": tops,
        "units": units,
        "total": total,
        "total_rate": _rate(total.members, total.staff),
        "panels": panels,
        "reporting_year": years[-1],
        "new_members_this_year": new_members[years[-1]],
    }
    return render(request, "web/dashboard.html", context)


def _subunit_members_panel(units) -> Panel:
    names = [u.name for u in units]
    return Panel(
        key="members",
        title=_("会员人数与职工人数（按下级单位）"),
        columns=[_("下级单位"), _("基层工会数"), _("职工人数"), _("会员人数"), _("入会率")],
        rows=[[u.name, u.unions, u.staff, u.members, _percent(u.rate_percent)] for u in units],
        chart={
            "type": "bar",
            "categories": names,
            "series": [
                {"name": str(_("职工人数")), "data": [u.staff for u in units]},
                {"name": str(_("会员人数")), "data": [u.members for u in units]},
            ],
        },
    )


def _subunit_rate_panel(units) -> Panel:
    return Panel(
        key="rate",
        title=_("入会率（按下级单位）"),
        columns=[_("下级单位"), _("会员人数"), _("职工人数"), _("入会率（%）")],
        rows=[[u.name, u.members, u.staff, u.rate_percent] for u in units],
        chart={
            "type": "bar",
            "unit": "%",
            "categories": [u.name for u in units],
            "series": [{"name": str(_("入会率")), "data": [u.rate_percent or 0 for u in units]}],
        },
        note=_("入会率 = 会员人数 ÷ 职工人数；职工人数取自各基层工会登记的职工数。"),
    )


def _new_members_panel(new_members: dict[str, int]) -> Panel:
    labels = [_("%(year)s统计年度") % {"year": year} for year in new_members]
    return Panel(
        key="new_members",
        title=_("新入会会员（按统计年度）"),
        columns=[_("统计年度"), _("新入会会员")],
        rows=[[label, value] for label, value in zip(labels, new_members.values(), strict=True)],
        chart={
            "type": "line",
            "categories": labels,
            "series": [{"name": str(_("新入会会员")), "data": list(new_members.values())}],
        },
        note=_("统计年度自上年10月1日至当年9月30日；转入会员不计为新入会。"),
    )


def _drives_panel(drives) -> Panel:
    return Panel(
        key="drives",
        title=_("会员发展行动进度（进行中）"),
        columns=[
            _("行动名称"),
            _("起止日期"),
            _("参与单位数"),
            _("新发展会员目标"),
            _("新发展会员"),
            _("完成率"),
        ],
        rows=[
            [
                d.drive.name,
                f"{d.drive.starts_on:%Y-%m-%d} — {d.drive.ends_on:%Y-%m-%d}",
                d.units,
                d.target,
                d.new_members,
                _percent(d.percent),
            ]
            for d in drives
        ],
        chart={
            "type": "bar",
            "categories": [d.drive.name for d in drives],
            "series": [
                {"name": str(_("新发展会员目标")), "data": [d.target for d in drives]},
                {"name": str(_("新发展会员")), "data": [d.new_members for d in drives]},
            ],
        },
    )


def _home_grades_panel(grades) -> Panel:
    return Panel(
        key="home_grades",
        title=_("职工之家建设等级分布"),
        columns=[_("等级"), _("基层工会职工之家"), _("职工小家")],
        rows=[list(row) for row in grades],
        chart={
            "type": "bar",
            "categories": [row[0] for row in grades],
            "series": [
                {"name": str(_("基层工会职工之家")), "data": [row[1] for row in grades]},
                {"name": str(_("职工小家")), "data": [row[2] for row in grades]},
            ],
        },
        note=_("持有有效称号的单位数，来自职工之家考核结果。"),
    )


def _quality_panel(rows) -> Panel:
    return Panel(
        key="data_quality",
        title=_("会员信息合格率（按下级单位）"),
        columns=[_("下级单位"), _("信息合格记录"), _("会员记录（含保留会籍）"), _("合格率（%）")],
        rows=[
            [name, ok, holding, None if quality is None else float(quality)]
            for name, ok, holding, quality in rows
        ],
        chart={
            "type": "bar",
            "unit": "%",
            "categories": [row[0] for row in rows],
            "series": [
                {
                    "name": str(_("合格率")),
                    "data": [0 if row[3] is None else float(row[3]) for row in rows],
                }
            ],
        },
        note=_("手机号、民族等必填信息齐全的会员记录所占比例。"),
    )


def _due_panel(items, today) -> Panel:
    labels = dict(DueKind.choices)
    counts: dict[str, int] = {}
    for item, _name in items:
        counts[str(labels.get(item.kind, item.kind))] = (
            counts.get(str(labels.get(item.kind, item.kind)), 0) + 1
        )
    return Panel(
        key="modelworkers_due",
        title=_("劳模待办事项（60天内及逾期）"),
        columns=[_("到期日"), _("劳模"), _("事项"), _("状态")],
        rows=[
            [
                f"{item.due_on:%Y-%m-%d}",
                name,
                str(labels.get(item.kind, item.kind)),
                str(_("已逾期")) if item.due_on < today else str(_("待办")),
            ]
            for item, name in items
        ],
        chart={
            "type": "bar",
            "categories": list(counts),
            "series": [{"name": str(_("待办数")), "data": list(counts.values())}],
        },
    )


def union_home(request):
    union = _union_page(request)
    actor = request.actor

    today = timezone.localdate()
    facts = facts_for_union(union=union, indicators=[ind.MEMBERS], period=ind.STOCK)
    members = facts.get((0, ind.MEMBERS, ind.STOCK), 0)
    branch_rows = []
    for branch in branch_list():
        branch_rows.append([branch.name, facts.get((branch.pk, ind.MEMBERS, ind.STOCK), 0)])
    unassigned = members - sum(count for _, count in branch_rows)
    if unassigned:
        branch_rows.append([_("未分配到分会"), unassigned])
    years = selectors.recent_reporting_years(today)
    new_members = selectors.new_members_by_year(actor=actor, union=union, years=years)
    drives = selectors.drive_figures(actor=actor, today=today, union=union)
    branch_panel = Panel(
        key="branches",
        title=_("会员分布（按分会/小组）"),
        columns=[_("分会/小组"), _("会员人数")],
        rows=branch_rows,
        chart={
            "type": "bar",
            "categories": [row[0] for row in branch_rows],
            "series": [{"name": str(_("会员人数")), "data": [row[1] for row in branch_rows]}],
        },
    )
    panels = with_export_urls(request, [branch_panel, _new_members_panel(new_members), _drives_panel(drives)])
    export = export_response(request, panels, prefix=union.name)
    if export is not None:
        return export
    can_manage = actor.can_on_union(Perm.MEMBER_MANAGE, union)
    pending = application_list(actor=actor, union=union, status="pending").count() if can_manage else None
    context = {
        "nav": "home",
        "union": union,
        "members": members,
        "rate": _rate(members, union.staff_count),
        "pending": pending,
        "panels": panels,
        "reporting_year": years[-1],
        "new_members_this_year": new_members[years[-1]],
    }
    return render(request, "web/union_home.html", context)
