"""Members over GraphQL on a union's host: masking, reveal audit, search, branch officers, query counts."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from accounts.models import Role
from api.core.ids import to_tenant_global_id
from membership import services
from tests.support.graphql import client_for, grant, make_user, union_client
from tests.support.members import make_id, member_kwargs

MEMBERS = "{ members(first: 50) { edges { node { name status branch { name } } } } }"
MEMBER_FIELDS = """id name sex sexLabel birthDate employmentType employmentTypeLabel idNumberMasked status statusLabel
    statusReasonLabel branch { name } statusHistory { fromStatus toStatus reasonLabel }"""


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    from federations.middleware import forget_host

    forget_host()
    yield
    forget_host()


@pytest.fixture
def world(union):
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        surgery = branch_create(name="外科分会")
        bones = branch_create(name="骨科工会小组", kind="group", parent=surgery)
        medicine = branch_create(name="内科分会")
    admin = make_user(full_name="工会主席")
    grant(admin, Role.UNION_ADMIN, union=union)
    officer = make_user(full_name="外科分会主席")
    grant(officer, Role.BRANCH_OFFICER, union=union, branch_id=surgery.pk)
    return {
        "union": union,
        "admin": admin,
        "officer": officer,
        "surgery": surgery,
        "bones": bones,
        "medicine": medicine,
    }


def gid(type_name, obj, union) -> str:
    return to_tenant_global_id(type_name, union.pk, obj.pk)


def test_create_and_read_a_member_with_the_number_masked(world):
    api = union_client(world["admin"], world["union"])
    number = make_id(female=True)
    data = api.run(
        """mutation($input: MemberCreateInput!) { memberCreate(input: $input) {
            errors { field code message } member { """
        + MEMBER_FIELDS
        + " } } }",
        {
            "input": {
                "name": "李秀英",
                "idNumber": number,
                "employmentType": "migrant",
                "joinDate": "2024-05-01",
                "phone": "13912345678",
                "branch": gid("Branch", world["bones"], world["union"]),
            }
        },
    )["memberCreate"]
    assert data["errors"] == []
    member = data["member"]
    assert member["idNumberMasked"] == number[:6] + "********" + number[-4:]
    assert (member["sex"], member["sexLabel"]) == ("FEMALE", "女")
    assert member["employmentTypeLabel"] == "农民工" and member["statusLabel"] == "正常"
    assert member["branch"] == {"name": "骨科工会小组"}
    assert member["statusHistory"] == [{"fromStatus": None, "toStatus": "ACTIVE", "reasonLabel": "入会"}]
    body = json.dumps(api.raw("{ members { edges { node { " + MEMBER_FIELDS + " } } } }"), ensure_ascii=False)
    assert "李秀英" in body and number not in body

    branches = api.run("{ branches { name depth memberCount parent { name } } }")["branches"]
    assert branches == [
        {"name": "外科分会", "depth": 0, "memberCount": 1, "parent": None},
        {"name": "骨科工会小组", "depth": 1, "memberCount": 1, "parent": {"name": "外科分会"}},
        {"name": "内科分会", "depth": 0, "memberCount": 0, "parent": None},
    ]


def test_bad_input_is_a_field_error(world):
    # A person active in another union becomes a transfer request: tests/membership/test_cross_union.py.
    api = union_client(world["admin"], world["union"])
    mutation = """mutation($input: MemberCreateInput!) { memberCreate(input: $input) {
        errors { field code message } member { id } } }"""
    base = {"name": "王五", "employmentType": "regular", "joinDate": "2024-05-01"}
    result = api.run(mutation, {"input": {**base, "idNumber": "110105194912310021", "phone": "12345"}})
    assert {(e["field"], e["code"]) for e in result["memberCreate"]["errors"]} == {
        ("idNumber", "invalid_check_character"),
        ("phone", "invalid_phone"),
    }
    with schema_context(world["union"].schema_name):
        from membership.models import Member

        assert Member.objects.count() == 0


def test_reveal_returns_the_number_and_audits_without_it(world):
    from audit.models import AuditEntry

    number = make_id()
    member = services.member_create(union=world["union"], **member_kwargs(id_number=number))
    api = union_client(world["admin"], world["union"])
    result = api.run(
        "mutation($id: ID!) { memberRevealIdNumber(id: $id) { errors { code } idNumber } }",
        {"id": gid("Member", member, world["union"])},
    )["memberRevealIdNumber"]
    assert result == {"errors": [], "idNumber": number}
    entry = AuditEntry.objects.get(operation="memberRevealIdNumber")
    assert entry.object_type == "Member" and entry.object_id == str(member.pk)
    assert entry.actor_id == world["admin"].pk and entry.union_id == world["union"].pk
    assert number not in json.dumps(entry.changes) and number[-4:] not in json.dumps(entry.changes)

    # Branch officers may look but not reveal.
    officer_api = union_client(world["officer"], world["union"])
    result = officer_api.run(
        "mutation($id: ID!) { memberRevealIdNumber(id: $id) { errors { code } idNumber } }",
        {"id": gid("Member", member, world["union"])},
    )["memberRevealIdNumber"]
    assert result["idNumber"] is None and result["errors"][0]["code"] == "not_found"


def test_create_audit_masks_the_number_and_phone(world):
    from audit.models import AuditEntry

    number = make_id()
    api = union_client(world["admin"], world["union"])
    api.run(
        """mutation($input: MemberCreateInput!) { memberCreate(input: $input) { errors { code } } }""",
        {
            "input": {
                "name": "赵六",
                "idNumber": number,
                "employmentType": "regular",
                "joinDate": "2024-05-01",
                "phone": "13912345678",
            }
        },
    )
    changes = json.dumps(AuditEntry.objects.get(operation="memberCreate").changes)
    assert number not in changes and "13912345678" not in changes


def test_branch_officer_sees_only_their_branch_and_below(world):
    union = world["union"]
    services.member_create(union=union, **member_kwargs(name="外科甲", branch=world["surgery"]))
    services.member_create(union=union, **member_kwargs(name="骨科乙", branch=world["bones"]))
    outside = services.member_create(union=union, **member_kwargs(name="内科丙", branch=world["medicine"]))
    services.member_create(union=union, **member_kwargs(name="机关丁"))

    officer = union_client(world["officer"], union)
    names = {e["node"]["name"] for e in officer.run(MEMBERS)["members"]["edges"]}
    assert names == {"外科甲", "骨科乙"}
    query = "query($id: ID!) { member(id: $id) { name } node(id: $id) { id } }"
    assert officer.run(query, {"id": gid("Member", outside, world["union"])}) == {
        "member": None,
        "node": None,
    }
    admin_names = {
        e["node"]["name"] for e in union_client(world["admin"], union).run(MEMBERS)["members"]["edges"]
    }
    assert admin_names == {"外科甲", "骨科乙", "内科丙", "机关丁"}

    # No member.manage for branch officers.
    result = officer.run(
        """mutation($id: ID!) { memberChangeStatus(id: $id, toStatus: "retained", reason: "retired",
            effectiveOn: "2025-01-01") { errors { code } member { status } } }""",
        {"id": gid("Member", outside, world["union"])},
    )["memberChangeStatus"]
    assert result["member"] is None and result["errors"][0]["code"] in {"not_found", "permission_denied"}


def test_search_and_filters(world):
    union = world["union"]
    number = make_id()
    target = services.member_create(
        union=union,
        **member_kwargs(
            name="欧阳明",
            id_number=number,
            phone="13700001111",
            employment_type="agency",
            branch=world["bones"],
        ),
    )
    services.member_create(union=union, **member_kwargs(name="明欧阳", phone="13700002222"))
    api = union_client(world["admin"], union)

    def found(**args) -> set[str]:
        query = """query($search: String, $branch: ID, $employmentType: EmploymentType, $status: MemberStatus) {
            members(search: $search, branch: $branch, employmentType: $employmentType, status: $status) {
            totalCount edges { node { name } } } }"""
        data = api.run(query, args)["members"]
        assert data["totalCount"] == len(data["edges"])
        return {e["node"]["name"] for e in data["edges"]}

    assert found(search="欧阳") == {"欧阳明"}
    assert found(search="13700001111") == {"欧阳明"}
    assert found(search=target.id_number_masked) == {"欧阳明"}
    assert found(search=number[-4:].lower()) == {"欧阳明"}
    assert found(search=number) == {"欧阳明"}
    assert found(branch=gid("Branch", world["surgery"], world["union"])) == {
        "欧阳明"
    }  # sub-branches included
    assert found(employmentType="AGENCY") == {"欧阳明"}
    assert found(status="RETAINED") == set()


def test_members_answer_on_the_union_host_only(world):
    services.member_create(union=world["union"], **member_kwargs(name="公共主机不可见"))
    from accounts.models import RoleGrant

    RoleGrant.objects.create(user=world["admin"], role=Role.PLATFORM_ADMIN)
    data = client_for(world["admin"]).run("{ members { totalCount } branches { name } }")
    assert data == {"members": {"totalCount": 0}, "branches": []}
    nobody = union_client(make_user(), world["union"]).run("{ members { totalCount } branches { name } }")
    assert nobody == {"members": {"totalCount": 0}, "branches": []}


def _count(api) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        data = api.run(MEMBERS)
    statements = [q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")]
    return len(statements), len(data["members"]["edges"])


def test_member_list_runs_a_fixed_number_of_queries(world):
    union = world["union"]
    branches = [world["surgery"], world["bones"], world["medicine"], None]
    for i in range(5):
        services.member_create(union=union, **member_kwargs(name=f"会员{i}", branch=branches[i % 4]))
    api = union_client(world["admin"], union)
    api.run("{ branches { name } }")  # warms the host-name cache
    few, rows = _count(api)
    assert rows == 5
    for i in range(5, 50):
        services.member_create(union=union, **member_kwargs(name=f"会员{i}", branch=branches[i % 4]))
    many, rows = _count(api)
    assert rows == 50
    assert many == few
    # session, user, role grants, the page, the branch tree.
    assert many <= 5


def test_change_status_dues_and_branch_mutations(world):
    union = world["union"]
    member = services.member_create(union=union, **member_kwargs(join_date="2024-01-10"))
    api = union_client(world["admin"], union)
    result = api.run(
        """mutation($id: ID!) { memberChangeStatus(id: $id, toStatus: "deceased", reason: "voluntary",
            effectiveOn: "2024-02-01") { errors { field code } } }""",
        {"id": gid("Member", member, world["union"])},
    )["memberChangeStatus"]
    assert result["errors"] == [{"field": "reason", "code": "invalid_reason"}]
    result = api.run(
        """mutation($id: ID!) { duesRecord(member: $id, month: "2024-02", amount: "12.50", paidOn: "2024-02-05") {
            errors { field code } member { duesPaidThrough } duesPayment { month amount } } }""",
        {"id": gid("Member", member, world["union"])},
    )["duesRecord"]
    assert result == {
        "errors": [],
        "member": {"duesPaidThrough": "2024-02-29"},
        "duesPayment": {"month": "2024-02-01", "amount": "12.50"},
    }
    created = api.run(
        """mutation($parent: ID) { branchCreate(input: {name: "护理分会", parent: $parent}) {
            errors { field code } branch { id name parent { name } } } }""",
        {"parent": gid("Branch", world["medicine"], world["union"])},
    )["branchCreate"]
    assert created["errors"] == [] and created["branch"]["parent"] == {"name": "内科分会"}
    refused = api.run(
        """mutation($id: ID!) { branchDelete(id: $id) { errors { field code } deletedId } }""",
        {"id": gid("Branch", world["medicine"], world["union"])},
    )["branchDelete"]
    assert refused["errors"] == [{"field": "id", "code": "has_children"}]
    deleted = api.run(
        """mutation($id: ID!) { branchDelete(id: $id) { errors { field code } deletedId } }""",
        {"id": created["branch"]["id"]},
    )["branchDelete"]
    assert deleted["errors"] == []
    cycle = api.run(
        """mutation($id: ID!, $parent: ID) { branchUpdate(id: $id, input: {parent: $parent}) {
            errors { field code } } }""",
        {
            "id": gid("Branch", world["surgery"], world["union"]),
            "parent": gid("Branch", world["bones"], world["union"]),
        },
    )["branchUpdate"]
    assert {e["code"] for e in cycle["errors"]} == {"group_has_no_children", "cycle"}


def test_ids_carry_their_union_so_another_unions_member_is_not_found(world, other_union):
    """Member 1 exists in both schemas; the id of the other union's member 1 must not open ours."""
    services.member_create(union=world["union"], **member_kwargs(name="本会会员"))
    theirs = services.member_create(union=other_union, **member_kwargs(name="他会会员"))
    api = union_client(world["admin"], world["union"])
    ours = api.run("{ members { edges { node { id name } } } }")["members"]["edges"][0]["node"]
    assert ours["id"] == gid("Member", theirs, world["union"])  # same pk, our union
    query = "query($id: ID!) { member(id: $id) { name } }"
    assert api.run(query, {"id": ours["id"]}) == {"member": {"name": "本会会员"}}
    assert api.run(query, {"id": gid("Member", theirs, other_union)}) == {"member": None}
    assert api.run(query, {"id": to_global_id("Member", theirs.pk)}) == {"member": None}


def test_membership_procedures_through_the_api_talk_proposal_and_expulsion(world):
    from datetime import timedelta

    from django.utils import timezone

    from membership.withdrawal import withdrawal_propose_run

    union = world["union"]
    api = union_client(world["admin"], union)
    today = timezone.localdate()
    member = services.member_create(union=union, **member_kwargs(join_date="2020-01-01"))
    talked = api.run(
        """mutation($m: ID!, $on: Date!) { memberTalkRecord(member: $m, talkedOn: $on, officerName: "工会主席")
        { errors { field code } talk { officerName } } }""",
        {"m": gid("Member", member, union), "on": (today - timedelta(days=40)).isoformat()},
    )["memberTalkRecord"]
    assert talked == {"errors": [], "talk": {"officerName": "工会主席"}}
    assert withdrawal_propose_run(union=union, today=today) == 1
    listed = api.run("{ withdrawalProposals(status: PENDING) { id status talk { officerName } } }")
    proposal = listed["withdrawalProposals"][0]
    refused = api.run(
        """mutation($p: ID!) { withdrawalProposalDecide(proposal: $p, confirm: true, noParticipation: false)
        { errors { field code } } }""",
        {"p": proposal["id"]},
    )["withdrawalProposalDecide"]
    assert refused["errors"] == [{"field": "noParticipation", "code": "required"}]
    decided = api.run(
        """mutation($p: ID!) { withdrawalProposalDecide(proposal: $p, confirm: true, noParticipation: true)
        { errors { code } proposal { status member { status statusLabel statusReasonLabel } } } }""",
        {"p": proposal["id"]},
    )["withdrawalProposalDecide"]
    assert decided["errors"] == [] and decided["proposal"]["status"] == "CONFIRMED"
    assert decided["proposal"]["member"]["statusReasonLabel"].endswith("视为自动退会")

    accused = services.member_create(union=union, **member_kwargs(join_date="2020-01-01"))
    opened = api.run(
        """mutation($m: ID!, $on: Date!) { expulsionOpen(member: $m, grounds: "criminal", facts: "受到刑事处罚",
        groupViewOn: $on, groupView: "同意开除") { errors { code } case { id step groundsLabel } } }""",
        {"m": gid("Member", accused, union), "on": today.isoformat()},
    )["expulsionOpen"]
    assert opened["errors"] == [] and opened["case"]["step"] == "GROUP_VIEW"
    assert opened["case"]["groundsLabel"] == "严重违法犯罪并受到刑事处罚"
    case_id = opened["case"]["id"]
    decided = api.run(
        """mutation($c: ID!, $on: Date!) { expulsionDecide(case: $c, decidedOn: $on, decisionNumber: "工会〔2026〕1号")
        { errors { code } case { step member { statusLabel } } } }""",
        {"c": case_id, "on": today.isoformat()},
    )["expulsionDecide"]
    assert decided == {
        "errors": [],
        "case": {"step": "COMMITTEE_DECISION", "member": {"statusLabel": "开除会籍"}},
    }
    filed = api.run(
        """mutation($c: ID!, $on: Date!) { expulsionFile(case: $c, filedOn: $on) { errors { code } case { step } } }""",
        {"c": case_id, "on": today.isoformat()},
    )["expulsionFile"]
    assert filed == {"errors": [], "case": {"step": "FILED"}}
    # A branch officer outside the member's branch cannot see the case.
    officer = union_client(world["officer"], union)
    assert officer.run("{ expulsionCases { id } }")["expulsionCases"] == []
