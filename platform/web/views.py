"""The web UI: server-rendered pages for federation staff and union officers.

Reads call the same selectors as the GraphQL resolvers with the same `request.actor`, so a page shows what the API
would show that user; writes run the GraphQL mutations in-process (web.gql), so checks, errors and audit entries
are the API's own. The public host serves the federation dashboard; a union's host serves that union's pages.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import AccessDenied, Perm, access_node, access_union
from accounts.selectors import viewer_api_tokens, viewer_roles
from api.core import ids
from drives.selectors import access_drive, drive_covers_union, drive_list, drive_progress
from federations.models import Union
from federations.selectors import node_top_list
from federations.services import union_host
from rollup import indicators as ind
from rollup.selectors import facts_for_union
from unionhub.links import link_qr_svg

from . import selectors
from .gql import run_mutation
from .panels import Panel, export_response, with_export_urls

MEMBER_PAGE_SIZE = 50


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
            _("目标新会员"),
            _("已发展新会员"),
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
                {"name": str(_("目标新会员")), "data": [d.target for d in drives]},
                {"name": str(_("已发展新会员")), "data": [d.new_members for d in drives]},
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
    from modelworker_care.models import DueKind

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
    from organisation.selectors import branch_list
    from recruitment.selectors import application_list

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


# --- union pages ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def members(request):
    from membership.models import EmploymentType, MemberStatus
    from membership.selectors import member_list
    from organisation.selectors import branch_list, branch_subtree_ids

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
    from urllib.parse import urlencode

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
    from imports.registry import importer_get
    from imports.selectors import import_job_error_file_url, import_job_list

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
        job.error_file_url = import_job_error_file_url(job) if job.rejected_rows else None
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
    from recruitment.selectors import application_list

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
    from drives import links

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
            _("目标新会员"),
            _("已发展新会员"),
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
                {"name": str(_("目标新会员")), "data": [row.new_members_target for row in chart_rows]},
                {"name": str(_("已发展新会员")), "data": [row.new_members for row in chart_rows]},
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


# --- API tokens (both hosts; a user's own) ------------------------------------------------------------------------

TOKEN_CREATE = """
mutation($name: String!, $scopes: [TokenScope!]!, $expiresAt: DateTime) {
  apiTokenCreate(name: $name, scopes: $scopes, expiresAt: $expiresAt) {
    errors { field code message }
    secret
    token { name prefix }
  }
}
"""
TOKEN_REVOKE = """
mutation($id: ID!) { apiTokenRevoke(id: $id) { errors { field code message } } }
"""


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    union = host_union(request)
    if union is not None:
        _union_page(request)
    created = None
    errors: list[dict] = []
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            global_id = ids.to_global_id(ids.API_TOKEN, request.POST.get("token", ""))
            result = run_mutation(request, TOKEN_REVOKE, {"id": global_id}, field_name="apiTokenRevoke")
            if result.ok:
                return redirect(reverse("web-tokens") + "?revoked=1")
            errors = result.errors
        else:
            created, errors = _token_create(request)
    context = {
        "nav": "tokens",
        "union": union,
        "tokens": list(viewer_api_tokens(request.actor)[:100]),
        "created": created,
        "errors": errors,
        "revoked": request.GET.get("revoked") == "1",
        "now": timezone.now(),
    }
    return render(request, "web/tokens.html", context, status=400 if errors else 200)


def _token_create(request) -> tuple[dict | None, list[dict]]:
    """Create a token from the form; the secret is shown once on the page that answers this POST."""
    scopes = [s.upper() for s in request.POST.getlist("scopes") if s in ("read", "write")]
    raw_expiry = request.POST.get("expires_on", "").strip()
    expires_at = None
    if raw_expiry:
        try:
            expires = parse_date(raw_expiry) if len(raw_expiry) == 10 else None
        except ValueError:  # well-formed but no such day, e.g. 2026-02-30
            expires = None
        if expires is None:
            return None, [{"field": "expiresAt", "message": _("有效期格式应为 年-月-日，例如 2026-12-31。")}]
        # Valid through the whole chosen day (local time).
        end_of_day = datetime.combine(expires, time.max)
        expires_at = timezone.make_aware(end_of_day).isoformat()
    result = run_mutation(
        request,
        TOKEN_CREATE,
        {"name": request.POST.get("name", ""), "scopes": scopes, "expiresAt": expires_at},
        field_name="apiTokenCreate",
    )
    return (result.payload, []) if result.ok else (None, result.errors)


# --- model workers (registry: public host; a union's own on its host), nominations ---------------------------------


@login_required
@require_http_methods(["GET"])
def modelworkers(request):
    from modelworkers.models import Level, WorkerStatus
    from modelworkers.selectors import worker_list

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
    from modelworkers.models import NominationStatus
    from modelworkers.selectors import nomination_list

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


# --- statistical reports: the submission board and report files (public host) -----------------------------------


@login_required
@require_http_methods(["GET"])
def reports(request):
    from files.selectors import file_download_url
    from reporting.models import ReportFile, SubmissionStatus
    from reporting.selectors import board
    from rollup.models import ReportingPeriod

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
                (report, file_download_url(key=report.key, expires=300, download_name=report.filename))
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


# --- 职工之家 self-assessment with evidence (union host) ----------------------------------------------------------

SELF_SAVE = """
mutation($participant: ID!, $items: [SelfScoreInput!]!) {
  selfAssessmentSave(participant: $participant, items: $items) { errors { field code message } }
}
"""
EVIDENCE_UPLOAD = """
mutation($participant: ID!, $itemCode: String!, $evidenceName: String!) {
  selfAssessmentEvidenceUpload(participant: $participant, itemCode: $itemCode, evidenceName: $evidenceName) {
    errors { field code message }
  }
}
"""
SELF_SUBMIT = """
mutation($participant: ID!) { selfAssessmentSubmit(participant: $participant) { errors { field code message } } }
"""


@login_required
@require_http_methods(["GET", "POST"])
def selfassessment(request):
    from files.selectors import file_download_url
    from selfassessment import selectors as sa

    union = _union_page(request)
    actor = request.actor
    if not sa.can_view(actor, union):
        raise _not_found()
    participants = list(sa.participations(union=union)[:50])
    chosen = participants[0] if participants else None
    wanted = request.POST.get("participant") or request.GET.get("participant")
    if wanted:
        chosen = next((p for p in participants if str(p.pk) == wanted), None)
        if chosen is None:
            raise _not_found()
    errors: list[dict] = []
    if request.method == "POST" and chosen is not None:
        result = _selfassessment_post(request, chosen)
        if result.ok:
            done = request.POST.get("action", "save")
            return redirect(f"{reverse('web-selfassessment')}?participant={chosen.pk}&done={done}")
        errors = result.errors
    view = sa.self_assessments_view(participants=[chosen])[0] if chosen is not None else None
    if view is not None:
        for item in view.items:
            item.evidence_links = [
                (e, file_download_url(key=e.file_key, expires=300, download_name=e.file_name))
                for e in item.evidence
            ]
    context = {
        "nav": "selfassessment",
        "union": union,
        "participants": participants,
        "chosen": chosen,
        "view": view,
        "editable": view is not None and view.editable and sa.can_edit(actor, union),
        "can_submit": sa.can_submit(actor, union),
        "errors": errors,
        "done": request.GET.get("done", ""),
    }
    return render(request, "web/selfassessment.html", context, status=400 if errors else 200)


def _selfassessment_post(request, participant):
    participant_id = ids.to_global_id("RoundParticipant", participant.pk)
    action = request.POST.get("action")
    if action == "upload":
        upload = request.FILES.get("file")
        if upload is None:
            from .gql import MutationResult

            return MutationResult(errors=[{"field": "file", "message": _("请选择要上传的佐证材料。")}])
        variables = {
            "participant": participant_id,
            "itemCode": request.POST.get("item_code", ""),
            "evidenceName": upload.name,
        }
        return run_mutation(request, EVIDENCE_UPLOAD, variables, field_name="selfAssessmentEvidenceUpload")
    if action == "submit":
        return run_mutation(
            request, SELF_SUBMIT, {"participant": participant_id}, field_name="selfAssessmentSubmit"
        )
    items = []
    for code in request.POST.getlist("item"):
        score = request.POST.get(f"score_{code}", "").strip()
        entry = {"itemCode": code, "note": request.POST.get(f"note_{code}", "")}
        if score:
            entry["score"] = score
        else:
            entry["clearScore"] = True
        items.append(entry)
    return run_mutation(
        request, SELF_SAVE, {"participant": participant_id, "items": items}, field_name="selfAssessmentSave"
    )
