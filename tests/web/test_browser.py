"""The web UI in a real browser: a headless Chromium (the `browser` fixture in conftest.py) driven by Playwright
against a live server. Signs in as a federation admin and as a union admin, opens every page, checks the
dashboard figures against the GraphQL API, works the approval queue, import and tokens, submits the joining form
on a phone-sized screen, and checks labels, keyboard use and contrast. Screenshots go to .data/artifacts/web/."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from .worlds import PASSWORD, build_world

pytestmark = pytest.mark.django_db(transaction=True)

ARTIFACTS = Path(__file__).resolve().parents[2] / ".data" / "artifacts" / "web"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}

# Every form control visible on a page has a label (a <label for>, a wrapping label, or aria-label).
UNLABELLED_JS = """() => Array.from(document.querySelectorAll('input, select, textarea'))
  .filter(el => el.type !== 'hidden' && !el.closest('[hidden]'))
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.outerHTML)"""

# WCAG contrast of text against its (first opaque ancestor's) background, for the elements named by `selector`.
CONTRAST_JS = """(selector) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  return Array.from(document.querySelectorAll(selector)).filter(el => el.offsetParent !== null).map(el => {
    const a = lum(rgb(getComputedStyle(el).color).slice(0, 3)), b = lum(background(el));
    return [el.textContent.trim().slice(0, 20), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  });
}"""


@pytest.fixture
def site(live_server, settings, transactional_db):
    """A world with unique union slugs (schemas outlive a transactional test's flush, so they are dropped here)."""
    from django.db import connection

    settings.SESSION_COOKIE_SECURE = False  # plain http on the live server
    settings.CSRF_COOKIE_SECURE = False
    world = build_world(f"b{uuid.uuid4().hex[:8]}")
    port = live_server.url.rsplit(":", 1)[1]
    world.public_url = f"http://{settings.UNIONHUB_BASE_DOMAIN}:{port}"
    world.union_url = lambda union: f"http://{world.host(union.slug)}:{port}"
    yield world
    with connection.cursor() as cursor:
        for union in (world.u1, world.u2):
            cursor.execute(f'DROP SCHEMA IF EXISTS "{union.schema_name}" CASCADE')


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.js_errors = errors
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def shot(tab, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def check_page(tab, name: str) -> None:
    """Screenshot, then the accessibility basics every page must meet."""
    shot(tab, name)
    assert tab.evaluate(UNLABELLED_JS) == [], f"{name}: inputs without a label"
    for text, ratio in tab.evaluate(
        CONTRAST_JS, "body, h1, .card-label, .button, .mainnav a, th, td, .note, label"
    ):
        assert ratio >= 4.5, f"{name}: contrast {ratio:.2f} for {text!r}"
    assert tab.locator("html").get_attribute("lang") == "zh-hans"


def sign_in(tab, base: str, username: str) -> None:
    tab.goto(f"{base}/accounts/login/")
    check_page(tab, "login")
    # By label, with the keyboard, as a person would.
    tab.get_by_label("用户名").fill(username)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_label("密码").press("Enter")
    tab.wait_for_url(f"{base}/")


def nav(tab, name: str) -> None:
    tab.get_by_role("navigation", name="主导航").get_by_role("link", name=name, exact=True).click()
    tab.wait_for_load_state()


def figure(tab, name: str) -> str:
    return tab.locator(f'[data-figure="{name}"]').inner_text().strip()


def graphql(tab, query: str, variables: dict | None = None) -> dict:
    """POST to /graphql/ from the page itself: the signed-in session and its CSRF cookie, like a dashboard client."""
    body = tab.evaluate(
        """async ([query, variables]) => {
            const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
            const response = await fetch("/graphql/", {method: "POST", credentials: "same-origin",
                headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
                body: JSON.stringify({query, variables})});
            return await response.json();
        }""",
        [query, variables or {}],
    )
    assert "errors" not in body, body
    return body["data"]


def test_federation_admin_dashboard_matches_the_api(site, page):
    from django.test import Client

    from api.core.ids import to_global_id

    sign_in(page, site.public_url, site.fed_admin.username)
    assert page.locator("h1").inner_text() == "示范县总工会"
    # Charts are drawn from local assets; the numbers stay one keyboard press away.
    page.wait_for_selector('.chart[data-drawn="1"] canvas')
    check_page(page, "federation-dashboard")
    toggle = page.locator('[data-panel="members"] .js-table-toggle')
    table = page.locator("#panel-members-table")
    assert table.is_hidden() and toggle.get_attribute("aria-expanded") == "false"
    toggle.focus()
    page.keyboard.press("Enter")
    assert table.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    shot(page, "federation-dashboard-table")
    rows = table.locator("tbody tr").all_inner_texts()
    assert [re.split(r"\s+", row.strip()) for row in rows] == [
        ["城关镇工会", "1", "40", "6", "15.0%"],
        ["东城街道工会", "1", "30", "0", "0.0%"],
        ["人民医院工会", "1", "20", "2", "10.0%"],
    ]

    # The same figures from the GraphQL API.
    unions = graphql(
        page,
        "query($n: ID!) { unions(node: $n, first: 100) { totalCount edges { node { slug staffCount } } } }",
        {"n": to_global_id("FederationNode", site.county.pk)},
    )["unions"]
    assert figure(page, "unions") == str(unions["totalCount"])
    assert figure(page, "staff") == str(sum(e["node"]["staffCount"] for e in unions["edges"]))
    api = Client()
    api.force_login(site.fed_admin)
    members = 0
    for union in (site.u1, site.u2):
        response = api.post(
            "/graphql/",
            {"query": "{ members(status: ACTIVE) { totalCount } }"},
            content_type="application/json",
            HTTP_HOST=site.host(union.slug),
        )
        members += response.json()["data"]["members"]["totalCount"]
    assert figure(page, "members") == str(members) == "8"
    progress = graphql(
        page,
        "query($d: ID!) { driveProgress(drive: $d) { level newMembers newMembersTarget } }",
        {"d": to_global_id("Drive", site.drive.pk)},
    )["driveProgress"]
    target = sum(r["newMembersTarget"] for r in progress if r["level"] == "UNION")
    drive_row = page.locator("#panel-drives-table tbody tr").first
    drive_row_cells = drive_row.locator("td").all_inner_texts()
    assert drive_row_cells[2] == str(target) == "20"

    # CSV export of a panel.
    with page.expect_download() as download:
        page.locator('[data-panel="rate"] a[download]').click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert content.splitlines()[1] == "城关镇工会,6,40,15.0"

    # Drill down, drives, tokens, password change: each page opens, labelled and readable.
    page.get_by_role("link", name="城关镇工会").first.click()
    page.wait_for_selector("h1:has-text('城关镇工会')")
    assert figure(page, "members") == "6"
    nav(page, "会员发展行动")
    check_page(page, "federation-drives")
    page.get_by_role("link", name=site.drive.name).click()
    page.wait_for_selector('.chart[data-drawn="1"] canvas')
    check_page(page, "federation-drive-progress")
    for name, shot_name in (("劳模管理", "federation-modelworkers"), ("劳模推荐", "federation-nominations")):
        nav(page, name)
        check_page(page, shot_name)
    nav(page, "统计报表")
    check_page(page, "federation-reports")
    nav(page, "API令牌")
    check_page(page, "federation-tokens")
    page.get_by_role("link", name="修改密码").click()
    check_page(page, "password-change")
    page.get_by_role("button", name="退出登录").first.click()
    page.wait_for_selector("text=您已安全退出")


def test_union_admin_works_through_the_union_pages(site, page):
    base = site.union_url(site.u1)
    sign_in(page, base, site.u1_admin.username)
    assert page.locator("h1").inner_text() == "华锐机械厂工会"
    page.wait_for_selector('.chart[data-drawn="1"] canvas')
    check_page(page, "union-home")
    assert figure(page, "members") == "6" and figure(page, "pending") == "1"

    nav(page, "会员名册")
    check_page(page, "union-members")
    page.get_by_label("姓名、手机号或证件号").fill("王")
    page.get_by_label("姓名、手机号或证件号").press("Enter")
    page.wait_for_selector("text=共 1 名会员")
    page.get_by_label("用工类型").select_option("migrant")
    page.get_by_label("姓名、手机号或证件号").fill("")
    page.get_by_role("button", name="查询").click()
    page.wait_for_selector("text=共 2 名会员")

    nav(page, "入会审批")
    check_page(page, "union-applications")
    page.get_by_role("button", name=re.compile("批准入会.*孙强")).click()
    page.wait_for_selector("text=已批准")
    nav(page, "工会概览")
    assert figure(page, "members") == "7" and figure(page, "pending") == "0"

    nav(page, "批量导入")
    check_page(page, "union-imports")
    page.get_by_label("会员名册文件").set_input_files(
        files=[
            {
                "name": "会员.csv",
                "mimeType": "text/csv",
                "buffer": "姓名,身份证号码,用工类型,入会日期\n吴刚,123,正式职工,2025-03-01\n".encode(),
            }
        ]
    )
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_selector("text=文件已上传")
    assert page.locator("table.list tbody tr").first.locator("th").inner_text() == "会员.csv"

    nav(page, "会员发展行动")
    page.get_by_role("link", name=site.drive.name).click()
    check_page(page, "union-drive-join-link")
    join_url = page.get_by_label("入会链接", exact=True).input_value()
    assert join_url.startswith(f"{base}/join/")

    nav(page, "职工之家自评")
    page.get_by_label("A1自评分").fill("4.5")
    page.get_by_role("button", name="保存自评分").click()
    page.wait_for_selector("text=自评分已保存")
    assert figure(page, "self-total") == "4.50"
    check_page(page, "union-selfassessment")
    nav(page, "本会劳模")
    check_page(page, "union-modelworkers")

    nav(page, "API令牌")
    page.get_by_label("名称").fill("数据大屏")
    page.get_by_role("button", name="创建令牌").click()
    secret = page.get_by_label("令牌", exact=True).input_value()
    assert secret.startswith("uh_")
    check_page(page, "union-token-created")


def test_joining_form_on_a_phone(site, browser):
    context = browser.new_context(locale="zh-CN", **PHONE)
    tab = context.new_page()
    try:
        tab.goto(f"{site.union_url(site.u1)}/join/{site.join_token}/")
        check_page(tab, "join-phone")
        # Nothing scrolls sideways on a phone.
        assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        tab.get_by_role("button", name="提交入会申请").click()
        tab.wait_for_selector(".errors")
        shot(tab, "join-phone-errors")
        assert "姓名" in tab.locator(".errors").first.inner_text() or tab.locator(".errors").count() >= 3

        from tests.support.members import make_id

        tab.get_by_label("姓名", exact=True).fill("周敏")
        tab.get_by_label("身份证号码", exact=True).fill(make_id(female=True))
        tab.get_by_label("手机号码", exact=True).fill("13900139000")
        tab.get_by_label("用工类型", exact=True).select_option("new_form")
        tab.locator('input[name="consent"]').check()
        tab.get_by_role("button", name="提交入会申请").tap()
        tab.wait_for_selector("text=您的入会申请已提交至华锐机械厂工会")
        shot(tab, "join-phone-done")
    finally:
        context.close()

    from django_tenants.utils import schema_context

    from recruitment.models import Application

    with schema_context(site.u1.schema_name):
        assert Application.objects.filter(name="周敏", status="pending").exists()


def test_keyboard_reaches_the_skip_link_and_focus_is_visible(site, page):
    sign_in(page, site.public_url, site.fed_admin.username)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style not in ("none", "")
    shot(page, "skip-link-focus")
    # Tabbing onwards reaches the main navigation.
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.textContent.trim()"))
    assert {"工作台", "会员发展行动", "API令牌"} <= reached
