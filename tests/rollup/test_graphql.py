"""The GraphQL API of the roll-up: catalogue, rollup, checks, periods (open/close/amend), access by subtree."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from graphql_relay import to_global_id

from membership import services as members
from tests.support.members import make_id, member_kwargs

ROLLUP = """query($n: ID!, $p: String!, $i: [String!], $s: ID) { rollup(node: $n, period: $p, indicators: $i,
  snapshot: $s) { period indicators flowPeriod snapshot { version }
  root { name values } units { key parentKey depth kind unitId name values } } }"""
CHECKS = (
    """query($n: ID!, $p: String!) { logicChecks(node: $n, period: $p) { unitKind unitName rule message } }"""
)
OPEN = """mutation($n: ID!, $l: String!) { reportingPeriodOpen(node: $n, label: $l) { errors { field code message }
  period { id label kind status } } }"""
CLOSE = """mutation($id: ID!) { reportingPeriodClose(id: $id) { errors { field code message }
  period { status closeProgress { total done finished } currentSnapshot { version } } } }"""
AMEND = """mutation($p: ID!, $r: String!) { snapshotAmend(period: $p, reason: $r) { errors { field code message }
  snapshot { id version reason isCurrent } } }"""
PERIODS = """query($n: ID!) { reportingPeriods(node: $n) { label status closeProgress { total done }
  snapshots { version isCurrent } currentSnapshot { version } differences { unionName indicator liveValue recountValue } } }"""


def post(client, query, variables, host="testserver"):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code == 200, response.content[:500]
    return response.json()


def gid(type_name, obj):
    return to_global_id(type_name, obj.pk)


@pytest.fixture
def world(county, township, street, make_union):
    from accounts.models import RoleGrant, User

    a = make_union(township, name="甲厂工会", staff_count=10, female_staff_count=5)
    b = make_union(street, name="乙厂工会", staff_count=20, female_staff_count=5)
    for union, n in ((a, 3), (b, 2)):
        for _ in range(n):
            members.member_create(union=union, **member_kwargs(id_number=make_id()))
    users = {}
    for name, role, scope in (
        ("county", "federation_admin", {"node": county}),
        ("town", "federation_staff", {"node": township}),
        ("union_a", "union_admin", {"union": a}),
    ):
        users[name] = User.objects.create_user(username=f"rollup_{name}", password="x")
        RoleGrant.objects.create(user=users[name], role=role, **scope)

    def client(name):
        c = Client()
        c.force_login(users[name])
        return c

    return {"county": county, "township": township, "a": a, "b": b, "client": client}


def values(rollup):
    """The root's figures by code (every unit's values list follows rollup.indicators)."""
    return dict(zip(rollup["indicators"], rollup["root"]["values"], strict=True))


def test_rollup_tree_for_the_county(world):
    body = post(
        world["client"]("county"),
        ROLLUP,
        {"n": gid("FederationNode", world["county"]), "p": "2026", "i": ["members", "join_rate"]},
    )
    data = body["data"]["rollup"]
    assert values(data) == {"members": "5", "join_rate": "16.67"}
    assert [(u["depth"], u["kind"], u["name"]) for u in data["units"]] == [
        (0, "NODE", "示范县总工会"),
        (1, "NODE", "城关镇工会"),
        (2, "UNION", "甲厂工会"),
        (1, "NODE", "东城街道工会"),
        (2, "UNION", "乙厂工会"),
    ]
    assert data["flowPeriod"] == "2026" and data["snapshot"] is None


ROLLUP_DEPTH = """query($n: ID!, $d: Int) { rollup(node: $n, period: "2026", indicators: ["members", "join_rate"],
  depth: $d) { root { values } units { depth kind name values } } }"""


def test_depth_returns_the_top_levels_with_whole_subtree_totals(world):
    county_id = gid("FederationNode", world["county"])
    client = world["client"]("county")
    data = post(client, ROLLUP_DEPTH, {"n": county_id, "d": 1})["data"]["rollup"]
    # The townships only, each with the figures of all its unions.
    assert [(u["depth"], u["name"], u["values"]) for u in data["units"]] == [
        (0, "示范县总工会", ["5", "16.67"]),
        (1, "城关镇工会", ["3", "30.00"]),
        (1, "东城街道工会", ["2", "10.00"]),
    ]
    data = post(client, ROLLUP_DEPTH, {"n": county_id, "d": 0})["data"]["rollup"]
    assert [u["name"] for u in data["units"]] == ["示范县总工会"] and data["root"]["values"] == ["5", "16.67"]
    # Deeper than the tree: the whole tree, as without a depth.
    whole = post(client, ROLLUP_DEPTH, {"n": county_id, "d": None})["data"]["rollup"]
    assert post(client, ROLLUP_DEPTH, {"n": county_id, "d": 1000})["data"]["rollup"] == whole
    assert len(whole["units"]) == 5


def test_negative_depth_is_a_chinese_error(world):
    body = post(
        world["client"]("county"), ROLLUP_DEPTH, {"n": gid("FederationNode", world["county"]), "d": -1}
    )
    assert body["data"]["rollup"] is None
    assert body["errors"][0]["extensions"] == {"code": "invalid", "field": "depth"}
    assert body["errors"][0]["message"] == "层级深度应为不小于 0 的整数。"


def test_access_is_by_subtree(world):
    county_id = gid("FederationNode", world["county"])
    town = world["client"]("town")
    assert post(town, ROLLUP, {"n": county_id, "p": "2026"})["data"]["rollup"] is None
    data = post(town, ROLLUP, {"n": gid("FederationNode", world["township"]), "p": "2026", "i": ["members"]})
    assert [u["name"] for u in data["data"]["rollup"]["units"]] == ["城关镇工会", "甲厂工会"]
    assert post(town, ROLLUP, {"n": gid("Union", world["b"]), "p": "2026"})["data"]["rollup"] is None
    union_admin = world["client"]("union_a")
    data = post(union_admin, ROLLUP, {"n": gid("Union", world["a"]), "p": "2026", "i": ["members"]})
    assert values(data["data"]["rollup"]) == {"members": "3"}
    assert post(union_admin, ROLLUP, {"n": gid("Union", world["b"]), "p": "2026"})["data"]["rollup"] is None
    assert post(union_admin, CHECKS, {"n": county_id, "p": "2026"})["data"]["logicChecks"] == []
    # Federation staff may look, not close.
    assert (
        post(town, OPEN, {"n": gid("FederationNode", world["township"]), "l": "2026"})["data"][
            "reportingPeriodOpen"
        ]["errors"][0]["code"]
        == "not_found"
    )


def test_bad_period_or_indicator_is_a_chinese_error(world):
    county_id = gid("FederationNode", world["county"])
    body = post(world["client"]("county"), ROLLUP, {"n": county_id, "p": "2026Q9"})
    assert body["errors"][0]["extensions"] == {"code": "invalid", "field": "period"}
    assert "报告期" in body["errors"][0]["message"]
    body = post(world["client"]("county"), ROLLUP, {"n": county_id, "p": "2026", "i": ["nope"]})
    assert body["errors"][0]["extensions"]["field"] == "indicators"
    # Each unknown code is quoted, so an empty one (found by schemathesis) still shows in the message.
    body = post(
        world["client"]("county"), ROLLUP, {"n": county_id, "p": "2026", "i": ["members", "", "nope"]}
    )
    assert body["errors"][0]["message"] == "未知的统计指标：“”、“nope”"


def test_catalogue(world):
    data = post(
        world["client"]("town"),
        "{ indicators { code name unit aggregation numerator denominator scale } }",
        {},
    )
    by_code = {i["code"]: i for i in data["data"]["indicators"]}
    assert by_code["join_rate"] == {
        "code": "join_rate",
        "name": "入会率",
        "unit": "%",
        "aggregation": "RATIO",
        "numerator": "members",
        "denominator": ["staff"],
        "scale": "100",
    }
    assert {
        "unions_workers_congress",
        "unions_affairs_disclosure",
        "data_quality",
        "home_grade_star5",
        "mw_status_managed",
        "mw_benefits_fen",
        "unions_own_foreign",
        "migrant_members",
    } <= set(by_code)


def test_open_close_amend(world, django_capture_on_commit_callbacks, eager):
    county = world["client"]("county")
    node = gid("FederationNode", world["county"])
    opened = post(county, OPEN, {"n": node, "l": "2026"})["data"]["reportingPeriodOpen"]
    assert opened["errors"] == [] and opened["period"]["kind"] == "YEAR"
    duplicate = post(county, OPEN, {"n": node, "l": "2026"})["data"]["reportingPeriodOpen"]
    assert duplicate["errors"][0]["field"] == "label"
    bad = post(county, OPEN, {"n": node, "l": "二〇二六"})["data"]["reportingPeriodOpen"]
    assert bad["errors"][0]["field"] == "period" and bad["period"] is None

    period_id = opened["period"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        closed = post(county, CLOSE, {"id": period_id})["data"]["reportingPeriodClose"]
    assert closed["errors"] == []
    listed = post(county, PERIODS, {"n": node})["data"]["reportingPeriods"]
    assert listed == [
        {
            "label": "2026",
            "status": "CLOSED",
            "closeProgress": {"total": 2, "done": 2},
            "snapshots": [{"version": 1, "isCurrent": True}],
            "currentSnapshot": {"version": 1},
            "differences": [],
        }
    ]
    again = post(county, CLOSE, {"id": period_id})["data"]["reportingPeriodClose"]
    assert again["errors"][0]["code"] == "already_closed"

    no_reason = post(county, AMEND, {"p": period_id, "r": " "})["data"]["snapshotAmend"]
    assert no_reason["errors"][0]["field"] == "reason" and no_reason["snapshot"] is None
    amended = post(county, AMEND, {"p": period_id, "r": "补录"})["data"]["snapshotAmend"]
    assert amended["errors"] == [] and amended["snapshot"]["version"] == 2

    # Frozen figures through rollup(snapshot:), for the county and for a union inside it.
    frozen = post(county, ROLLUP, {"n": node, "p": "2026", "i": ["members"], "s": amended["snapshot"]["id"]})
    assert frozen["data"]["rollup"]["snapshot"] == {"version": 2}
    assert values(frozen["data"]["rollup"]) == {"members": "5"}
    union_view = post(
        world["client"]("union_a"),
        ROLLUP,
        {"n": gid("Union", world["a"]), "p": "2026", "i": ["members"], "s": amended["snapshot"]["id"]},
    )
    assert values(union_view["data"]["rollup"]) == {"members": "3"}


def test_periods_list_query_count_does_not_grow_with_periods(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rollup.periods import period_open

    county = world["client"]("county")
    node = gid("FederationNode", world["county"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            data = post(county, PERIODS, {"n": node})
        return len(queries), len(data["data"]["reportingPeriods"])

    period_open(node=world["county"], label="2025-10")
    count()  # warm caches
    one = count()
    for label in ("2025-11", "2025-12", "2026Q1", "2026"):
        period_open(node=world["county"], label=label)
    five = count()
    assert (one[1], five[1]) == (1, 5)
    assert five[0] == one[0]


def test_union_profile_statistics_fields_feed_the_rollup(world):
    update = """mutation($id: ID!, $input: UnionProfileInput!) { unionUpdateProfile(id: $id, input: $input) {
      errors { field code } union { hasWorkersCongress hasAffairsDisclosure fulltimeOfficerCount } } }"""
    county = world["client"]("county")
    data = post(
        county,
        update,
        {
            "id": gid("Union", world["a"]),
            "input": {"hasWorkersCongress": True, "hasAffairsDisclosure": True, "fulltimeOfficerCount": 2},
        },
    )
    assert data["data"]["unionUpdateProfile"] == {
        "errors": [],
        "union": {"hasWorkersCongress": True, "hasAffairsDisclosure": True, "fulltimeOfficerCount": 2},
    }
    bad = post(county, update, {"id": gid("Union", world["a"]), "input": {"fulltimeOfficerCount": -1}})
    assert bad["data"]["unionUpdateProfile"]["errors"][0]["field"] == "fulltimeOfficerCount"
    body = post(
        county,
        ROLLUP,
        {
            "n": gid("FederationNode", world["county"]),
            "p": "2026",
            "i": ["unions_workers_congress", "unions_affairs_disclosure", "union_officers_fulltime"],
        },
    )
    assert values(body["data"]["rollup"]) == {
        "unions_workers_congress": "1",
        "unions_affairs_disclosure": "1",
        "union_officers_fulltime": "2",
    }
