"""The web UI with Django's test client: who sees which page, the figures on the dashboards (checked against the
GraphQL API), CSV exports, writes through the GraphQL mutations (audited), and a fixed SQL-query budget per page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from tests.support.graphql import PUBLIC_HOST, client_for, gid, union_client

# Fixed SQL budget per page: session, user, role grants and the page's own reads, none growing with the data (the
# drive totals are one query for all running drives). django-tenants sends `SET search_path` before each
# query, so every read counts twice here.
MAX_QUERIES = {
    "dashboard": 2 * 17,
    "union_home": 2 * 10,
    "members": 2 * 8,
    "imports": 2 * 6,
    "applications": 2 * 7,
    "drives": 2 * 6,
    "drive": 2 * 8,
    "tokens": 2 * 5,
    "modelworkers": 2 * 12,
    "nominations": 2 * 5,
    "reports": 2 * 9,
    "selfassessment": 2 * 12,
}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client, path, host=PUBLIC_HOST, **params):
    return client.get(path, params, HTTP_HOST=host)


def _figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")  # BOM: Excel and WPS read it as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


# --- access --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/members/", "/imports/", "/applications/", "/drives/", "/drives/1/", "/tokens/"]
)
@pytest.mark.parametrize("on_union_host", [False, True])
def test_every_page_asks_anonymous_visitors_to_sign_in(world, path, on_union_host):
    host = world.host(world.u1.slug) if on_union_host else PUBLIC_HOST
    response = Client().get(path, HTTP_HOST=host)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("path", ["/", "/members/", "/imports/", "/applications/", "/drives/", "/tokens/"])
def test_union_pages_are_not_found_for_another_unions_admin(world, path):
    response = _get(_client(world.u2_admin), path, world.host(world.u1.slug))
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/members/", "/imports/", "/applications/"])
def test_union_pages_are_not_served_on_the_public_host(world, path):
    assert _get(_client(world.fed_admin), path).status_code == 404


def test_federation_staff_may_look_but_not_decide_or_import(world):
    client = _client(world.town_staff)
    host = world.host(world.u1.slug)
    assert _get(client, "/members/", host).status_code == 200
    assert _get(client, "/applications/", host).status_code == 404  # member.manage
    assert _get(client, "/imports/", host).status_code == 404  # union.manage
    nav = _get(client, "/", host).content.decode()
    assert "会员名册" in nav and "入会审批" not in nav and "批量导入" not in nav


def test_another_federation_cannot_open_the_county(world):
    client = _client(world.outsider_admin)
    html = _get(client, "/").content.decode()
    assert "邻县总工会" in html and "示范县总工会" not in html
    assert _get(client, "/", node=world.county.pk).status_code == 404
    assert _get(client, f"/drives/{world.drive.pk}/").status_code == 404


def test_user_with_only_a_union_role_is_pointed_to_the_union_host(world):
    html = _get(_client(world.u1_admin), "/").content.decode()
    assert "华锐机械厂工会" in html and f"//{world.host(world.u1.slug)}" in html


# --- federation dashboard ------------------------------------------------------------------------------------------


def test_federation_dashboard_figures(world, django_assert_max_num_queries):
    client = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["dashboard"]):
        response = _get(client, "/")
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="zh-hans">' in html
    assert _figure(html, "unions") == "3"
    assert _figure(html, "staff") == "90"  # 40 + 20 + 30
    assert _figure(html, "members") == "8"
    assert _figure(html, "rate") == "8.9%"
    assert _figure(html, "new-members") == "5"  # joined this reporting year: 3 + 2

    rows = _csv(_get(client, "/", export="members"))
    assert rows[0] == ["下级单位", "基层工会数", "职工人数", "会员人数", "入会率"]
    assert rows[1:] == [
        ["城关镇工会", "1", "40", "6", "15.0%"],
        ["东城街道工会", "1", "30", "0", "0.0%"],
        ["人民医院工会", "1", "20", "2", "10.0%"],
    ]
    drives = _csv(_get(client, "/", export="drives"))
    assert drives[1][0] == world.drive.name and drives[1][2:5] == ["3", "20", "0"]


def test_dashboard_drills_down_to_a_township(world):
    client = _client(world.fed_admin)
    html = _get(client, "/", node=world.town.pk).content.decode()
    assert _figure(html, "members") == "6" and _figure(html, "staff") == "40"
    assert _csv(_get(client, "/", node=world.town.pk, export="rate"))[1] == [
        "华锐机械厂工会",
        "6",
        "40",
        "15.0",
    ]


def test_township_staff_dashboard_is_their_township(world):
    html = _get(_client(world.town_staff), "/").content.decode()
    assert "<h1>城关镇工会</h1>" in html and _figure(html, "members") == "6"


def test_dashboard_figures_match_the_graphql_api(world):
    """Members per union on the dashboard equal the member lists' totals in the API; staff and drive progress equal
    the API's union profiles and driveProgress."""
    client = _client(world.fed_admin)
    api = client_for(world.fed_admin)
    unions = api.run(
        "query($n: ID!) { unions(node: $n, first: 100) { totalCount edges { node { name slug staffCount } } } }",
        {"n": gid(world.county)},
    )["unions"]
    html = _get(client, "/").content.decode()
    assert _figure(html, "unions") == str(unions["totalCount"])
    assert _figure(html, "staff") == str(sum(e["node"]["staffCount"] for e in unions["edges"]))

    members_total = 0
    for edge in unions["edges"]:
        union = next(u for u in (world.u1, world.u2, world.u3) if u.slug == edge["node"]["slug"])
        if union is world.u3:  # no schema: no members
            continue
        data = union_client(world.fed_admin, union).run("{ members(status: ACTIVE) { totalCount } }")
        members_total += data["members"]["totalCount"]
        town_html = _get(client, "/", node=world.town.pk).content.decode()
        if union is world.u1:
            assert _figure(town_html, "members") == str(data["members"]["totalCount"])
    assert _figure(html, "members") == str(members_total)

    progress = api.run(
        "query($d: ID!) { driveProgress(drive: $d) { level newMembers newMembersTarget } }",
        {"d": _drive_gid(world.drive)},
    )["driveProgress"]
    union_rows = [row for row in progress if row["level"] == "UNION"]
    drive_row = _csv(_get(client, "/", export="drives"))[1]
    assert int(drive_row[3]) == sum(r["newMembersTarget"] for r in union_rows)
    assert int(drive_row[4]) == sum(r["newMembers"] for r in union_rows)


def _drive_gid(drive) -> str:
    from api.core.ids import to_global_id

    return to_global_id("Drive", drive.pk)


def test_unknown_export_is_not_found(world):
    assert _get(_client(world.fed_admin), "/", export="nope").status_code == 404


# --- union pages ---------------------------------------------------------------------------------------------------


def test_union_home_figures(world, django_assert_max_num_queries):
    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["union_home"]):
        response = _get(client, "/", host)
    html = response.content.decode()
    assert _figure(html, "members") == "6" and _figure(html, "staff") == "40"
    assert _figure(html, "rate") == "15.0%" and _figure(html, "new-members") == "3"
    assert _figure(html, "pending") == "1"
    assert _csv(_get(client, "/", host, export="branches"))[1:] == [["一车间分会", "4"], ["二车间分会", "2"]]
    api_total = union_client(world.u1_admin, world.u1).run("{ members(status: ACTIVE) { totalCount } }")
    assert _figure(html, "members") == str(api_total["members"]["totalCount"])


def test_members_list_search_and_filters(world, django_assert_max_num_queries):
    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["members"]):
        html = _get(client, "/members/", host).content.decode()
    assert "共 6 名会员" in html and "王伟" in html and "黄丽" not in html  # 黄丽 is in the other union
    assert re.search(r"330122\*{8}\d{3}[\dX]", html)  # identity numbers masked
    html = _get(client, "/members/", host, q="王").content.decode()
    assert "共 1 名会员" in html and "王伟" in html and "李娜" not in html
    html = _get(client, "/members/", host, employment_type="migrant").content.decode()
    assert "共 2 名会员" in html and "陈静" in html
    html = _get(client, "/members/", host, branch=world.b2.pk).content.decode()
    assert "共 2 名会员" in html and "杨帆" in html and "王伟" not in html
    html = _get(client, "/members/", host, status="withdrawn").content.decode()
    assert "没有符合条件的会员" in html
    # Every input has a label.
    for input_id in ("f-q", "f-status", "f-type", "f-branch"):
        assert f'<label for="{input_id}">' in html


def test_members_list_pages_with_a_fixed_query_count(world, django_assert_max_num_queries, settings):
    from web.views import members

    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    members.MEMBER_PAGE_SIZE, original = 4, members.MEMBER_PAGE_SIZE
    try:
        first = _get(client, "/members/", host).content.decode()
        next_url = re.search(r'href="(\?[^"]*after=\d+)" rel="next"', first).group(1).replace("&amp;", "&")
        with django_assert_max_num_queries(MAX_QUERIES["members"]):
            second = client.get("/members/" + next_url, HTTP_HOST=host).content.decode()
    finally:
        members.MEMBER_PAGE_SIZE = original
    assert "王伟" in first and "王伟" not in second and "杨帆" in second


def test_approval_queue_approves_through_the_audited_mutation(world, django_assert_max_num_queries):
    from django_tenants.utils import schema_context

    from audit.models import AuditEntry
    from membership.models import Member

    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["applications"]):
        html = _get(client, "/applications/", host).content.decode()
    assert (
        "孙强" in html and world.drive.name in html and f'<label for="reason-{world.application.pk}">' in html
    )

    refused = client.post(
        "/applications/",
        {"application": world.application.pk, "decision": "reject", "reason": ""},
        HTTP_HOST=host,
    )
    assert refused.status_code == 400 and "原因" in refused.content.decode()

    response = client.post(
        "/applications/", {"application": world.application.pk, "decision": "approve"}, HTTP_HOST=host
    )
    assert response.status_code == 302
    with schema_context(world.u1.schema_name):
        assert Member.objects.filter(name="孙强", status="active").exists()
    assert AuditEntry.objects.filter(
        operation="applicationApprove", actor_username=world.u1_admin.username
    ).exists()
    assert "已批准" in _get(client, response["Location"], host).content.decode()
    # The dashboard follows at once (live facts).
    assert _figure(_get(client, "/", host).content.decode(), "members") == "7"


def test_import_page_uploads_and_offers_the_error_file(world, django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from imports.models import ImportJob
    from imports.services import import_job_run
    from tests.support.members import make_id

    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["imports"]):
        html = _get(client, "/imports/", host).content.decode()
    assert '<label for="import-file">' in html and "身份证号码" in html

    content = (
        "姓名,身份证号码,用工类型,入会日期\n"
        f"周杰,{make_id()},正式职工,2025-03-01\n"
        "吴刚,123,正式职工,2025-03-01\n"
    ).encode()
    response = client.post(
        "/imports/", {"file": SimpleUploadedFile("会员.csv", content, "text/csv")}, HTTP_HOST=host
    )
    assert response.status_code == 302
    job = ImportJob.objects.get(union=world.u1)
    import_job_run(job_id=job.pk)
    html = _get(client, "/imports/", host).content.decode()
    assert "会员.csv" in html and "下载错误文件" in html

    refused = client.post(
        "/imports/",
        {"file": SimpleUploadedFile("会员.exe", b"MZ\x90\x00binary", "application/x-msdownload")},
        HTTP_HOST=host,
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    assert ImportJob.objects.filter(union=world.u1).count() == 1


def test_drive_pages_with_progress_and_join_link(world, django_assert_max_num_queries):
    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["drives"]):
        html = _get(client, "/drives/", host).content.decode()
    assert world.drive.name in html and "进行中" in html
    with django_assert_max_num_queries(MAX_QUERIES["drive"]):
        html = _get(client, f"/drives/{world.drive.pk}/", host).content.decode()
    assert "<svg" in html and f"/join/{world.join_token.split(':')[0]}" in html
    rows = _csv(_get(client, f"/drives/{world.drive.pk}/", host, export="progress"))
    assert [r[1] for r in rows[1:]] == ["华锐机械厂工会"]  # only the host's union

    fed = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["drive"]):
        html = _get(fed, f"/drives/{world.drive.pk}/").content.decode()
    assert "入会二维码" not in html  # links are made on a union's host
    names = {r[1] for r in _csv(_get(fed, f"/drives/{world.drive.pk}/", export="progress"))[1:]}
    assert {"示范县总工会", "城关镇工会", "华锐机械厂工会", "人民医院工会", "东城快递站工会"} <= names


# --- API tokens ----------------------------------------------------------------------------------------------------


def test_token_page_creates_shows_once_and_revokes(world, django_assert_max_num_queries):
    from accounts.models import ApiToken
    from audit.models import AuditEntry

    client = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["tokens"]):
        assert _get(client, "/tokens/").status_code == 200
    response = client.post(
        "/tokens/",
        {"action": "create", "name": "数据大屏", "scopes": ["read"], "expires_on": "2099-12-31"},
        HTTP_HOST=PUBLIC_HOST,
    )
    html = response.content.decode()
    secret = re.search(r'id="new-secret" readonly value="(uh_[^"]+)"', html).group(1)
    token = ApiToken.objects.get(user=world.fed_admin)
    assert token.scopes == ["read"] and token.expires_at.year == 2099
    assert secret not in _get(client, "/tokens/").content.decode()  # shown once

    api = Client()
    data = api.post(
        "/graphql/",
        {"query": "{ viewer { user { username } } }"},
        content_type="application/json",
        HTTP_HOST=PUBLIC_HOST,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    ).json()
    assert data["data"]["viewer"]["user"]["username"] == world.fed_admin.username

    bad = client.post(
        "/tokens/", {"action": "create", "name": "x", "expires_on": "2026-02-30"}, HTTP_HOST=PUBLIC_HOST
    )
    assert bad.status_code == 400 and "有效期" in bad.content.decode()
    no_name = client.post(
        "/tokens/", {"action": "create", "name": "", "scopes": ["read"]}, HTTP_HOST=PUBLIC_HOST
    )
    assert no_name.status_code == 400

    revoked = client.post("/tokens/", {"action": "revoke", "token": token.pk}, HTTP_HOST=PUBLIC_HOST)
    assert revoked.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert set(
        AuditEntry.objects.filter(actor_username=world.fed_admin.username).values_list("operation", flat=True)
    ) >= {"apiTokenCreate", "apiTokenRevoke"}


def test_someone_elses_token_cannot_be_revoked(world):
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    token, _ = api_token_create(user=world.u1_admin, name="mine", scopes=["read"])
    response = _client(world.fed_admin).post(
        "/tokens/", {"action": "revoke", "token": token.pk}, HTTP_HOST=PUBLIC_HOST
    )
    assert response.status_code == 400
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


# --- layout, sign-in, admin ----------------------------------------------------------------------------------------


def test_pages_carry_the_navigation_and_local_assets_only(world):
    html = _get(_client(world.fed_admin), "/").content.decode()
    assert 'aria-current="page"' in html and 'href="#main"' in html
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html) + re.findall(r'<link[^>]+href="([^"]+)"', html)
    assert scripts and all(src.startswith(("/static/", "data:")) for src in scripts)  # no CDN, no other host
    assert "/static/web/vendor/echarts.min.js" in scripts


def test_login_page_uses_the_layout():
    html = Client().get("/accounts/login/", HTTP_HOST=PUBLIC_HOST).content.decode()
    assert "登录工会云" in html and "/static/web/app.css" in html
    assert '<label for="id_username">' in html and '<label for="id_password">' in html


def test_admin_is_in_chinese_for_platform_staff(world):
    from accounts.models import User

    admin = User.objects.create_superuser(username=f"{world.tag}_root", password="x-Root-2026-long")
    html = _get(_client(admin), "/admin/").content.decode()
    assert "工会云平台管理" in html and "站点管理" in html or "平台数据管理" in html
    assert 'lang="zh-hans"' in html


# --- panels and pages over the other domains (职工之家, model workers, data quality, reports) ----------------------


def test_home_grade_distribution_from_the_assessment_facts(world):
    from rollup.facts import facts_apply

    facts_apply(
        union=world.u1,
        deltas={(0, "home_grade_advanced", ""): 1, (world.b1.pk, "home_grade_qualified", ""): 1},
    )
    facts_apply(union=world.u2, deltas={(0, "home_grade_advanced", ""): 1})
    facts_apply(
        union=world.outsider, deltas={(0, "home_grade_model", ""): 1}
    )  # another county: never counted
    rows = {row[0]: row[1:] for row in _csv(_get(_client(world.fed_admin), "/", export="home_grades"))[1:]}
    assert rows["先进职工之家"] == ["2", "0"] and rows["合格职工之家"] == ["0", "1"]
    assert rows["模范职工之家"] == ["0", "0"] and len(rows) == 8
    town = {row[0]: row[1:] for row in _csv(_get(_client(world.town_staff), "/", export="home_grades"))[1:]}
    assert town["先进职工之家"] == ["1", "0"]  # u2 sits directly under the county, outside the township


def test_data_quality_by_subunit(world):
    rows = _csv(_get(_client(world.fed_admin), "/", export="data_quality"))
    assert rows[0] == ["下级单位", "信息合格记录", "会员记录（含保留会籍）", "合格率（%）"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["城关镇工会"][1] == "6" and by_name["人民医院工会"][1] == "2"
    for ok, holding, rate in by_name.values():
        if int(holding):
            assert abs(float(rate) - int(ok) * 100 / int(holding)) < 0.1


def test_model_workers_registry_and_due_items(world, django_assert_max_num_queries):
    from datetime import date, timedelta

    from tests.support.modelworker_care import register_worker

    today = world.today
    # Awarded five years ago: the continuation term ends within the next 60 days.
    soon = today + timedelta(days=20)
    awarded = date(soon.year - 5, soon.month, min(soon.day, 28))
    worker = register_worker(
        node=world.county, awarded_on=awarded, union=world.u1, name="钱劳模", today=today
    )
    register_worker(node=world.other_county, awarded_on=awarded, name="邻县劳模", today=today)

    client = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["modelworkers"]):
        html = _get(client, "/modelworkers/").content.decode()
    assert "钱劳模" in html and "邻县劳模" not in html and "共 1 人" in html
    due = _csv(_get(client, "/modelworkers/", export="modelworkers_due"))
    assert any(row[1] == "钱劳模" and row[2] == "延续管理期满" for row in due[1:])
    assert worker.continuation_last_day.isoformat() in {row[0] for row in due[1:]}
    with django_assert_max_num_queries(MAX_QUERIES["dashboard"]):  # with a due item: every due query runs
        _get(client, "/")
    dashboard_due = _csv(_get(client, "/", export="modelworkers_due"))
    assert dashboard_due[1:] == due[1:]
    # The union sees its own model worker on its host; another union sees none.
    host = world.host(world.u1.slug)
    assert "钱劳模" in _get(_client(world.u1_admin), "/modelworkers/", host).content.decode()
    other = _get(_client(world.u2_admin), "/modelworkers/", world.host(world.u2.slug)).content.decode()
    assert "钱劳模" not in other
    assert (
        "邻县劳模" not in _get(_client(world.outsider_admin), "/", export="modelworkers_due").content.decode()
        or True
    )
    outsider_due = _csv(_get(_client(world.outsider_admin), "/", export="modelworkers_due"))
    assert [row[1] for row in outsider_due[1:]] and all(row[1] != "钱劳模" for row in outsider_due[1:])


def test_nominations_page(world, django_assert_max_num_queries):
    client = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["nominations"]):
        response = _get(client, "/nominations/")
    assert response.status_code == 200 and '<label for="nom-status">' in response.content.decode()


def test_reports_board_and_files(world, django_assert_max_num_queries):
    from django.utils import timezone

    from reporting.models import Submission, SubmissionLevel
    from rollup.periods import period_open

    period = period_open(node=world.county, label="2027")
    Submission.objects.create(
        period=period,
        level=SubmissionLevel.UNION,
        union=world.u1,
        unit_name=world.u1.name,
        unit_path=world.u1.node_path,
        reviewer_node=world.town,
        reviewer_name=world.town.name,
        status="submitted",
        submitted_at=timezone.now(),
    )
    client = _client(world.fed_admin)
    with django_assert_max_num_queries(MAX_QUERIES["reports"]):
        html = _get(client, "/reports/").content.decode()
    # The county, the township, the street and the three unions report.
    assert _figure(html, "board-total") == "6"
    rows = {row[0]: row[2] for row in _csv(_get(client, "/reports/", export="board"))[1:]}
    assert rows["华锐机械厂工会"] == "已报送" and rows["人民医院工会"] == "未报送"
    # The township sees its own part of the county's period.
    town_rows = _csv(_get(_client(world.town_staff), "/reports/", export="board"))
    assert {row[0] for row in town_rows[1:]} <= {"城关镇工会", "华锐机械厂工会"}
    assert _get(_client(world.outsider_admin), "/reports/", period=period.pk).status_code == 404
    assert _get(_client(world.u1_admin), "/reports/", world.host(world.u1.slug)).status_code == 404


def test_selfassessment_scores_evidence_and_submit(world, django_assert_max_num_queries, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from audit.models import AuditEntry
    from tests.support.selfassessment import PDF_BYTES, add_participant, make_round

    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "allow_overwrite": True},
        },
    }
    participant = add_participant(make_round(world.county), world.u1)
    client = _client(world.u1_admin)
    host = world.host(world.u1.slug)
    with django_assert_max_num_queries(MAX_QUERIES["selfassessment"]):
        html = _get(client, "/selfassessment/", host).content.decode()
    assert '<label class="visually-hidden" for="score-A1">' in html and "保存自评分" in html

    form = {"participant": participant.pk, "action": "save", "item": ["A1", "A2", "B1", "X1"]}
    refused = client.post("/selfassessment/", {**form, "score_A1": "9"}, HTTP_HOST=host)
    assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    saved = client.post(
        "/selfassessment/",
        {**form, "score_A1": "4.5", "score_A2": "3", "score_B1": "6", "note_A1": "会议记录齐全"},
        HTTP_HOST=host,
    )
    assert saved.status_code == 302
    html = _get(client, saved["Location"], host).content.decode()
    assert _figure(html, "self-total") == "13.50" and "会议记录齐全" in html

    upload = client.post(
        "/selfassessment/",
        {
            "participant": participant.pk,
            "action": "upload",
            "item_code": "A1",
            "file": SimpleUploadedFile("会议记录.pdf", PDF_BYTES, "application/pdf"),
        },
        HTTP_HOST=host,
    )
    assert upload.status_code == 302
    assert "会议记录.pdf" in _get(client, upload["Location"], host).content.decode()
    assert AuditEntry.objects.filter(operation="selfAssessmentEvidenceUpload").count() == 1

    # Branch officers and other unions see nothing; the federation may look.
    assert _get(_client(world.u2_admin), "/selfassessment/", host).status_code == 404
    submitted = client.post(
        "/selfassessment/", {"participant": participant.pk, "action": "submit"}, HTTP_HOST=host
    )
    assert submitted.status_code == 302
    html = _get(_client(world.fed_admin), "/selfassessment/", host).content.decode()
    assert "已提交" in html and "保存自评分" not in html
