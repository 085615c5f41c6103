"""The GraphQL API for drives: create and edit with validation, joining links, joinByLink, the approval queue."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from tests.support.drives import gql, resident_id

CREATE = """mutation($input: DriveCreateInput!) { driveCreate(input: $input) {
  errors { field code message } drive { id name startsOn endsOn targetGroups ownerNodeName ownerUnionName
  targets { unionName branchId branchName newMembersTarget ratePermille: rateTargetPermille } } } }"""
JOIN = """mutation($token: String!, $input: JoinInput!) { joinByLink(token: $token, input: $input) {
  ok errors { field code message } } }"""
QUEUE = """query($status: ApplicationStatus) { applications(status: $status, first: 10) { totalCount
  edges { node { id name idNumberMasked phone status branchName employmentTypeLabel drive { name } } } } }"""
APPROVE = """mutation($id: ID!) { applicationApprove(id: $id) { errors { field code message }
  application { status memberId } } }"""
REJECT = """mutation($id: ID!, $reason: String!) { applicationReject(id: $id, reason: $reason) {
  errors { field code message } application { status reason } } }"""
LINK = """query($d: ID!, $u: ID, $b: ID) { driveJoinLink(drive: $d, union: $u, branch: $b) {
  url token qrSvg expiresOn } }"""


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _gid(type_name, obj) -> str:
    return to_global_id(type_name, getattr(obj, "pk", obj))


def _drive_input(w, **overrides):
    values = {
        "owner": _gid("FederationNode", w.county),
        "name": "农民工入会集中行动",
        "startsOn": w.today.isoformat(),
        "endsOn": w.today.replace(year=w.today.year + 1).isoformat(),
        "targetGroups": ["migrant", "new_form"],
        "targets": [
            {"union": _gid("Union", w.u1), "newMembers": 30, "ratePermille": 850},
            {"union": _gid("Union", w.u1), "branch": _gid("Branch", w.b2), "newMembers": 10},
            {"union": _gid("Union", w.u3), "newMembers": 4},
        ],
    }
    values.update(overrides)
    return values


def test_federation_admin_creates_a_drive_with_targets(world):
    data = gql(_client(world.fed_admin), "testserver", CREATE, {"input": _drive_input(world)})["driveCreate"]
    assert data["errors"] == []
    drive = data["drive"]
    assert (drive["ownerNodeName"], drive["ownerUnionName"], drive["targetGroups"]) == (
        "示范县总工会",
        None,
        ["migrant", "new_form"],
    )
    assert drive["targets"] == [
        {
            "unionName": "东镇机械厂工会",
            "branchId": None,
            "branchName": "",
            "newMembersTarget": 30,
            "ratePermille": 850,
        },
        {
            "unionName": "东镇机械厂工会",
            "branchId": _gid("Branch", world.b2),
            "branchName": "二车间分会",
            "newMembersTarget": 10,
            "ratePermille": None,
        },
        {
            "unionName": "西街快递站工会",
            "branchId": None,
            "branchName": "",
            "newMembersTarget": 4,
            "ratePermille": None,
        },
    ]


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"endsOn": "2020-01-01", "startsOn": "2020-02-01"},
            ("endsOn", "before_start", "结束日期不能早于开始日期。"),
        ),
        ({"targets": [{"union": "U", "newMembers": -1}]}, ("targets", "negative_target", None)),
        (
            {"targets": [{"union": "U", "newMembers": 1, "ratePermille": 1200}]},
            ("targets", "invalid_rate", None),
        ),
        (
            {"targets": [{"union": "U", "newMembers": 1}, {"union": "U", "newMembers": 2}]},
            ("targets", "duplicate", None),
        ),
        ({"targets": [{"union": "OUT", "newMembers": 1}]}, ("targets", "not_found", None)),
        ({"targetGroups": ["astronaut"]}, ("targetGroups", "invalid_choice", None)),
        ({"owner": "OTHER_COUNTY"}, ("owner", "not_found", None)),
        ({"name": " "}, ("name", "required", "请填写活动名称。")),
    ],
)
def test_drive_validation_errors_write_nothing(world, change, expected):
    from drives.models import Drive, DriveTarget

    swaps = {
        "U": _gid("Union", world.u2),
        "OUT": _gid("Union", world.outsider),
        "OTHER_COUNTY": _gid("FederationNode", world.other_county),
    }
    if "targets" in change:
        change = {"targets": [{**t, "union": swaps[t["union"]]} for t in change["targets"]]}
    if "owner" in change:
        change = {"owner": swaps[change["owner"]]}
    before = (Drive.objects.count(), DriveTarget.objects.count())
    data = gql(_client(world.fed_admin), "testserver", CREATE, {"input": _drive_input(world, **change)})[
        "driveCreate"
    ]
    assert data["drive"] is None
    field, code, message = expected
    assert [(e["field"], e["code"]) for e in data["errors"]][:1] == [(field, code)]
    if message:
        assert data["errors"][0]["message"] == message
    assert (Drive.objects.count(), DriveTarget.objects.count()) == before


def test_unit_outside_the_owners_scope_is_refused_even_for_platform_admins(world):
    from accounts.models import RoleGrant, User

    admin = User.objects.create_user(username="drive_platform_admin", password="x")
    RoleGrant.objects.create(user=admin, role="platform_admin")
    targets = [{"union": _gid("Union", world.outsider), "newMembers": 1}]
    data = gql(_client(admin), "testserver", CREATE, {"input": _drive_input(world, targets=targets)})[
        "driveCreate"
    ]
    assert [(e["field"], e["code"]) for e in data["errors"]] == [("targets", "outside_scope")]


def test_union_admin_runs_a_drive_for_its_own_union_only(world):
    host = world.host(world.u1.slug)
    client = _client(world.u1_admin)
    own = _drive_input(world, owner=_gid("Union", world.u1), targets=[{"newMembers": 6}])
    data = gql(client, host, CREATE, {"input": own})["driveCreate"]
    assert data["errors"] == [] and data["drive"]["ownerUnionName"] == "东镇机械厂工会"
    assert data["drive"]["targets"][0]["newMembersTarget"] == 6
    for owner in (_gid("FederationNode", world.county), _gid("Union", world.u2)):
        data = gql(client, host, CREATE, {"input": _drive_input(world, owner=owner, targets=[])})[
            "driveCreate"
        ]
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("owner", "not_found")]
    # The county's drive is visible on the union's host, but only the county edits it.
    update = 'mutation($id: ID!) { driveUpdate(id: $id, input: {name: "改名"}) { errors { field code } } }'
    data = gql(client, host, update, {"id": _gid("Drive", world.drive)})["driveUpdate"]
    assert data["errors"] == [{"field": "id", "code": "not_found"}]


def test_join_link_for_the_union_and_branch(world):
    from drives.links import link_resolve

    client = _client(world.u1_admin)
    variables = {"d": _gid("Drive", world.drive), "b": _gid("Branch", world.b1)}
    link = gql(client, world.host(world.u1.slug), LINK, variables)["driveJoinLink"]
    assert link["url"] == f"https://{world.host(world.u1.slug)}/join/{link['token']}/"
    assert link["qrSvg"].startswith("<svg") and link["expiresOn"] == world.drive.ends_on.isoformat()
    resolved = link_resolve(link["token"], union=world.u1)
    assert (resolved.union_id, resolved.branch_id) == (world.u1.pk, world.b1.pk)
    # From the public host the federation admin names the union.
    fed = gql(
        _client(world.fed_admin),
        "testserver",
        LINK,
        {"d": _gid("Drive", world.drive), "u": _gid("Union", world.u3)},
    )
    assert world.host(world.u3.slug) in fed["driveJoinLink"]["url"]
    # Nobody gets links for a union they do not manage or a drive that does not cover it.
    refused = [
        (world.u2_admin, "testserver", {"d": _gid("Drive", world.drive), "u": _gid("Union", world.u1)}),
        (
            world.outsider_admin,
            "testserver",
            {"d": _gid("Drive", world.drive), "u": _gid("Union", world.outsider)},
        ),
        (
            world.u1_admin,
            world.host(world.u1.slug),
            {"d": _gid("Drive", world.drive), "b": _gid("Branch", 999999)},
        ),
    ]
    for user, host, variables in refused:
        assert gql(_client(user), host, LINK, variables)["driveJoinLink"] is None


def _join_input(**overrides):
    values = {
        "name": "吴十",
        "idNumber": resident_id(),
        "phone": "13600136000",
        "employmentType": "new_form",
        "consent": True,
    }
    values.update(overrides)
    return values


def test_join_by_link_then_queue_then_approve(world, link_for):
    from audit.models import AuditEntry
    from membership.models import Member

    host = world.host(world.u1.slug)
    number = resident_id(born="19791010")
    token = link_for(world.drive, world.u1, world.b1)
    data = gql(_client(), host, JOIN, {"token": token, "input": _join_input(idNumber=number)})["joinByLink"]
    assert data == {"ok": True, "errors": []}
    entry = AuditEntry.objects.filter(operation="joinByLink").latest("id")
    assert number not in json.dumps(entry.changes, ensure_ascii=False) and token not in json.dumps(
        entry.changes
    )
    assert entry.object_type == "Application"

    admin = _client(world.u1_admin)
    queue = gql(admin, host, QUEUE, {"status": "PENDING"})["applications"]
    assert queue["totalCount"] == 1
    node = queue["edges"][0]["node"]
    assert node["name"] == "吴十" and node["idNumberMasked"] == number[:6] + "********" + number[-4:]
    assert (node["branchName"], node["employmentTypeLabel"], node["drive"]["name"]) == (
        "一车间分会",
        "新就业形态劳动者",
        world.drive.name,
    )
    # Other unions' admins, on this host or their own, see no queue.
    assert gql(_client(world.u2_admin), host, QUEUE)["applications"]["totalCount"] == 0
    assert gql(_client(world.u2_admin), world.host(world.u2.slug), QUEUE)["applications"]["totalCount"] == 0
    assert gql(_client(world.fed_admin), "testserver", QUEUE)["applications"]["totalCount"] == 0

    approved = gql(admin, host, APPROVE, {"id": node["id"]})["applicationApprove"]
    assert approved["errors"] == [] and approved["application"]["status"] == "APPROVED"
    with schema_context(world.u1.schema_name):
        member = Member.objects.get()
    assert approved["application"]["memberId"] == _gid("Member", member)
    again = gql(admin, host, APPROVE, {"id": node["id"]})["applicationApprove"]
    assert again["application"] is None
    assert again["errors"] == [
        {"field": "id", "code": "already_decided", "message": "该申请已处理，不能重复审核。"}
    ]
    with schema_context(world.u1.schema_name):
        assert Member.objects.count() == 1
    assert gql(admin, host, QUEUE, {"status": "PENDING"})["applications"]["totalCount"] == 0


def test_join_by_link_field_errors(world, link_for):
    host = world.host(world.u1.slug)
    token = link_for(world.drive, world.u1)
    bad = _join_input(idNumber="11010519900101012X", phone="12345", consent=False)
    data = gql(_client(), host, JOIN, {"token": token, "input": bad})["joinByLink"]
    assert data["ok"] is False
    assert {(e["field"], e["code"]) for e in data["errors"]} == {
        ("idNumber", "invalid_check_character"),
        ("phone", "invalid_phone"),
        ("consent", "required"),
    }
    expired = gql(_client(), host, JOIN, {"token": token[:-4] + "AAAA", "input": _join_input()})["joinByLink"]
    assert expired["errors"][0]["field"] == "token" and expired["errors"][0]["code"] == "invalid_token"
    on_public = gql(_client(), "testserver", JOIN, {"token": token, "input": _join_input()})["joinByLink"]
    assert on_public["errors"][0]["code"] == "invalid_token"
    from recruitment.models import Application

    with schema_context(world.u1.schema_name):
        assert Application.objects.count() == 0


def test_reject_with_reason_and_other_unions_cannot_decide(world, link_for):
    host = world.host(world.u1.slug)
    gql(_client(), host, JOIN, {"token": link_for(world.drive, world.u1), "input": _join_input()})
    admin = _client(world.u1_admin)
    application_id = gql(admin, host, QUEUE)["applications"]["edges"][0]["node"]["id"]
    for user, where in (
        (world.u2_admin, host),
        (world.u2_admin, world.host(world.u2.slug)),
        (world.fed_admin, "testserver"),
    ):
        data = gql(_client(user), where, REJECT, {"id": application_id, "reason": "测试"})[
            "applicationReject"
        ]
        assert data["application"] is None and data["errors"][0]["code"] == "not_found"
    data = gql(admin, host, REJECT, {"id": application_id, "reason": ""})["applicationReject"]
    assert data["errors"] == [{"field": "reason", "code": "required", "message": "请填写驳回原因。"}]
    data = gql(admin, host, REJECT, {"id": application_id, "reason": "非本单位职工"})["applicationReject"]
    assert data == {"errors": [], "application": {"status": "REJECTED", "reason": "非本单位职工"}}


def test_drives_list_follows_the_tree(world):
    from drives.services import drive_create

    drive_create(owner_union=world.u2, name="纺织厂自办入会活动", starts_on=world.today, ends_on=world.today)
    query = "query { drives(first: 10) { totalCount edges { node { name targets { unionName } } } } }"

    def names(user, host):
        edges = gql(_client(user), host, query)["drives"]["edges"]
        return sorted(edge["node"]["name"] for edge in edges)

    county_drive = world.drive.name
    assert names(world.fed_admin, "testserver") == sorted([county_drive, "纺织厂自办入会活动"])
    # A union sees the county's drive that covers it (with its own target only) and its own drives.
    assert names(world.u1_admin, world.host(world.u1.slug)) == [county_drive]
    assert names(world.u2_admin, world.host(world.u2.slug)) == sorted([county_drive, "纺织厂自办入会活动"])
    edges = gql(_client(world.u1_admin), world.host(world.u1.slug), query)["drives"]["edges"]
    assert {t["unionName"] for t in edges[0]["node"]["targets"]} == {"东镇机械厂工会"}
    assert names(world.outsider_admin, "testserver") == []
    assert names(world.u1_admin, world.host(world.u2.slug)) == []
    assert names(None, world.host(world.u1.slug)) == []
