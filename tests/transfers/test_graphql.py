"""Transfers through GraphQL on the unions' hosts: the full path, typed errors, and who may see or act."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from tests.support.members import make_id

PUBLIC_HOST = "testserver"

TRANSFER_FIELDS = """
    id status direction requestedBySide originUnionName destinationUnionName name idNumberMasked
    employmentType member destinationBranch rejectReason rejectedBySide releasedAt decidedAt transferDate
"""
REQUEST = f"""mutation($input: TransferRequestInput!) {{
    transferRequest(input: $input) {{ errors {{ field code message }} transfer {{ {TRANSFER_FIELDS} }} }} }}"""
RELEASE = f"""mutation($id: ID!) {{
    transferRelease(id: $id) {{ errors {{ field code message }} transfer {{ {TRANSFER_FIELDS} }} }} }}"""
ACCEPT = f"""mutation($id: ID!, $branch: ID) {{
    transferAccept(id: $id, branch: $branch) {{ errors {{ field code message }} transfer {{ {TRANSFER_FIELDS} }} }} }}"""
REJECT = f"""mutation($id: ID!, $reason: String!) {{
    transferReject(id: $id, reason: $reason) {{ errors {{ field code message }} transfer {{ {TRANSFER_FIELDS} }} }} }}"""
CANCEL = f"""mutation($id: ID!) {{
    transferCancel(id: $id) {{ errors {{ field code message }} transfer {{ {TRANSFER_FIELDS} }} }} }}"""
LIST = f"""query($direction: TransferDirection, $status: TransferStatus) {{
    transfers(direction: $direction, status: $status) {{ totalCount edges {{ node {{ {TRANSFER_FIELDS} }} }} }} }}"""
NODE = "query($id: ID!) { node(id: $id) { ... on TransferRequest { id status name originUnionName } } }"


def host(union):
    from federations.services import union_host

    return union_host(union.slug)


def gql(user, on_host, query, **variables):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_HOST=on_host,
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


def payload(data):
    (value,) = data.values()
    return value


def ok(data):
    value = payload(data)
    assert value["errors"] == [], value["errors"]
    return value["transfer"]


def error_codes(data):
    return [(e["field"], e["code"]) for e in payload(data)["errors"]]


def listed(user, union, **filters):
    return [edge["node"]["id"] for edge in gql(user, host(union), LIST, **filters)["transfers"]["edges"]]


def test_request_release_accept_through_the_api(world, join):
    from audit.models import AuditEntry
    from membership.models import Member
    from people.identity import id_hash
    from people.models import PersonMembership

    number = make_id()
    origin_member = join(world.origin, id_number=number, name="陈红", employment_type="agency")
    branch_id = to_global_id("Branch", f"{world.destination.pk}:{world.dest_branch.pk}")

    asked = ok(
        gql(
            world.dest_admin,
            host(world.destination),
            REQUEST,
            input={
                "personIdNumber": number,
                "name": "陈红",
                "branch": branch_id,
                "note": "本人申请转入",
            },
        )
    )
    assert (asked["status"], asked["direction"], asked["requestedBySide"]) == (
        "REQUESTED",
        "IN",
        "DESTINATION",
    )
    # Until the origin releases the person, the destination is not told which union they belong to.
    assert asked["originUnionName"] is None and asked["employmentType"] == "agency"
    assert asked["idNumberMasked"].count("*") == 8 and number not in json.dumps(asked)
    assert asked["destinationBranch"] == branch_id and asked["member"] is None

    # The origin sees it going out, with its own member's id; the destination sees it coming in.
    assert listed(world.origin_admin, world.origin, direction="OUT") == [asked["id"]]
    assert listed(world.origin_admin, world.origin, direction="IN") == []
    assert listed(world.dest_admin, world.destination, direction="IN", status="REQUESTED") == [asked["id"]]
    seen_by_origin = gql(world.origin_admin, host(world.origin), LIST)["transfers"]["edges"][0]["node"]
    assert seen_by_origin["member"] == to_global_id("Member", f"{world.origin.pk}:{origin_member.pk}")
    assert seen_by_origin["direction"] == "OUT" and seen_by_origin["destinationBranch"] is None

    # Wrong side, wrong turn: typed errors.
    assert error_codes(gql(world.dest_admin, host(world.destination), RELEASE, id=asked["id"])) == [
        ("id", "wrong_side")
    ]
    assert error_codes(gql(world.dest_admin, host(world.destination), ACCEPT, id=asked["id"])) == [
        ("id", "not_released")
    ]

    released = ok(gql(world.origin_admin, host(world.origin), RELEASE, id=asked["id"]))
    assert released["status"] == "RELEASED" and released["releasedAt"]
    seen = gql(world.dest_admin, host(world.destination), NODE, id=asked["id"])["node"]
    assert seen["originUnionName"] == world.origin.name
    assert error_codes(gql(world.origin_admin, host(world.origin), ACCEPT, id=asked["id"])) == [
        ("id", "wrong_side")
    ]

    accepted = ok(gql(world.dest_admin, host(world.destination), ACCEPT, id=asked["id"]))
    assert accepted["status"] == "ACCEPTED" and accepted["transferDate"]
    with schema_context(world.destination.schema_name):
        arrived = Member.objects.get(id_hash=id_hash(number))
        assert arrived.branch_id == world.dest_branch.pk
    assert accepted["member"] == to_global_id("Member", f"{world.destination.pk}:{arrived.pk}")
    assert PersonMembership.objects.get(id_hash=id_hash(number)).union_id == world.destination.pk

    again = gql(world.dest_admin, host(world.destination), ACCEPT, id=asked["id"])
    assert error_codes(again) == [("id", "already_decided")]
    assert payload(again)["errors"][0]["message"].startswith("该转接申请已处理完毕")

    operations = list(
        AuditEntry.objects.filter(object_type="TransferRequest")
        .order_by("id")
        .values_list("operation", "union_id")
    )
    assert operations == [
        ("transferRequest", world.destination.pk),
        ("transferRelease", world.origin.pk),
        ("transferAccept", world.destination.pk),
    ]
    entry = AuditEntry.objects.get(operation="transferRequest")
    assert number not in json.dumps(entry.changes, ensure_ascii=False)


def test_origin_sends_then_destination_rejects_and_requester_cancels(world, join):
    sent = ok(
        gql(
            world.origin_admin,
            host(world.origin),
            REQUEST,
            input={
                "member": to_global_id("Member", f"{world.origin.pk}:{join(world.origin).pk}"),
                "destinationUnion": to_global_id("Union", world.destination.pk),
            },
        )
    )
    assert (sent["status"], sent["requestedBySide"]) == ("RELEASED", "ORIGIN")
    assert error_codes(gql(world.dest_admin, host(world.destination), CANCEL, id=sent["id"])) == [
        ("id", "not_requester")
    ]
    assert error_codes(gql(world.dest_admin, host(world.destination), REJECT, id=sent["id"], reason=" ")) == [
        ("reason", "required")
    ]
    rejected = ok(gql(world.dest_officer, host(world.destination), REJECT, id=sent["id"], reason="编制已满"))
    assert (rejected["status"], rejected["rejectedBySide"], rejected["rejectReason"]) == (
        "REJECTED",
        "DESTINATION",
        "编制已满",
    )

    second = ok(
        gql(
            world.origin_admin,
            host(world.origin),
            REQUEST,
            input={
                "member": to_global_id("Member", f"{world.origin.pk}:{join(world.origin).pk}"),
                "destinationUnion": to_global_id("Union", world.destination.pk),
            },
        )
    )
    assert ok(gql(world.origin_admin, host(world.origin), CANCEL, id=second["id"]))["status"] == "CANCELLED"


def test_bad_input_is_a_field_error_and_writes_nothing(world, join):
    from transfers.models import TransferRequest

    member = join(world.origin)
    cases = [
        ({"personIdNumber": "110105199002301234", "name": "某"}, ("personIdNumber", "invalid_birth_date")),
        ({"personIdNumber": make_id(), "name": "某"}, ("personIdNumber", "not_active_elsewhere")),
        ({"name": "某"}, ("personIdNumber", "required")),
        (
            {"member": to_global_id("Member", f"{world.origin.pk}:{member.pk}")},
            ("destinationUnion", "required"),
        ),
        (
            {
                "member": to_global_id("Member", f"{world.origin.pk}:{member.pk}"),
                "destinationUnion": to_global_id("Union", 999999),
            },
            ("destinationUnion", "not_found"),
        ),
        (
            {
                "member": to_global_id("Member", f"{world.origin.pk}:{member.pk}"),
                "destinationUnion": to_global_id("Union", world.origin.pk),
            },
            ("destinationUnion", "same_union"),
        ),
        (
            # The plain "Member:<pk>" form names no union: refused like any id of another union.
            {
                "member": to_global_id("Member", member.pk),
                "destinationUnion": to_global_id("Union", world.stranger.pk),
            },
            ("member", "not_found"),
        ),
        (
            {
                "member": to_global_id("Union", member.pk),
                "destinationUnion": to_global_id("Union", world.stranger.pk),
            },
            ("member", "not_found"),
        ),
    ]
    for input_, expected in cases:
        assert error_codes(gql(world.origin_admin, host(world.origin), REQUEST, input=input_)) == [
            expected
        ], input_
    # A member id of this union's numbering, asked on another union's host, is that union's member (if any): the
    # destination's admin cannot send the origin's member away.
    assert error_codes(
        gql(
            world.dest_admin,
            host(world.destination),
            REQUEST,
            input={
                "member": to_global_id("Member", f"{world.origin.pk}:{member.pk}"),
                "destinationUnion": to_global_id("Union", world.stranger.pk),
            },
        )
    ) == [("member", "not_found")]
    assert TransferRequest.objects.count() == 0


@pytest.fixture
def open_transfer(world, join):
    """A released transfer origin -> destination (the destination asked, the origin released)."""
    from transfers.services import transfer_release, transfer_request_from_conflict

    number = make_id()
    join(world.origin, id_number=number, name="林秀英")
    transfer = transfer_request_from_conflict(
        destination_union=world.destination, id_number=number, name="林秀英"
    )
    transfer_release(transfer=transfer)
    return to_global_id("TransferRequest", transfer.pk), transfer


def test_outsiders_neither_see_nor_act(world, open_transfer):
    from transfers.models import TransferRequest

    transfer_id, transfer = open_transfer
    outsiders = [
        (world.stranger_admin, [world.stranger, world.origin, world.destination]),
        (world.far_fed_admin, [world.stranger, world.origin, world.destination]),
        (world.no_role, [world.origin, world.destination]),
        (world.dest_branch_officer, [world.destination]),
        (world.town_admin, [world.destination]),
        (None, [world.origin, world.destination]),
    ]
    for user, unions in outsiders:
        hosts = [PUBLIC_HOST, *(host(union) for union in unions)]
        for on_host in hosts:
            who = f"{getattr(user, 'username', 'anonymous')} on {on_host}"
            body = json.dumps(gql(user, on_host, LIST), ensure_ascii=False)
            assert "林秀英" not in body and transfer_id not in body, who
            assert gql(user, on_host, NODE, id=transfer_id)["node"] is None, who
            for query, extra in ((RELEASE, {}), (ACCEPT, {}), (REJECT, {"reason": "无"}), (CANCEL, {})):
                value = payload(gql(user, on_host, query, id=transfer_id, **extra))
                assert value["transfer"] is None and value["errors"], who
                assert value["errors"][0]["code"] in {"not_found", "permission_denied"}, (who, value)
    assert TransferRequest.objects.get(pk=transfer.pk).status == "released"
    # The union's own officers and the federation above both do see it, on the unions' hosts only.
    assert listed(world.dest_officer, world.destination) == [transfer_id]
    assert gql(world.fed_admin, host(world.origin), NODE, id=transfer_id)["node"]["name"] == "林秀英"
    assert gql(world.fed_admin, PUBLIC_HOST, LIST)["transfers"]["totalCount"] == 0


def test_federation_admin_above_both_acts_for_either_side(world, join, open_transfer):
    transfer_id, _ = open_transfer
    assert error_codes(gql(world.fed_staff, host(world.destination), ACCEPT, id=transfer_id)) == [
        ("id", "not_found")
    ]
    accepted = ok(gql(world.fed_admin, host(world.destination), ACCEPT, id=transfer_id))
    assert accepted["status"] == "ACCEPTED"
    # ... and for the origin: sending a member away.
    sent = ok(
        gql(
            world.fed_admin,
            host(world.origin),
            REQUEST,
            input={
                "member": to_global_id("Member", f"{world.origin.pk}:{join(world.origin).pk}"),
                "destinationUnion": to_global_id("Union", world.stranger.pk),
            },
        )
    )
    assert sent["destinationUnionName"] == world.stranger.name
    # On the public host there is no side to act for.
    assert error_codes(gql(world.fed_admin, PUBLIC_HOST, CANCEL, id=sent["id"])) == [("id", "not_found")]
    assert error_codes(gql(world.fed_admin, PUBLIC_HOST, REQUEST, input={"name": "某"})) == [
        (None, "union_host_required")
    ]


def test_a_page_of_transfers_runs_a_fixed_number_of_queries(world, join):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transfers.services import transfer_request_send

    client = Client()
    client.force_login(world.dest_admin)

    def list_queries(expected_count):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(
                "/graphql/",
                data=json.dumps({"query": LIST, "variables": {}}),
                content_type="application/json",
                HTTP_HOST=host(world.destination),
            )
        assert response.json()["data"]["transfers"]["totalCount"] == expected_count
        return [q["sql"] for q in captured.captured_queries if "transfers_transferrequest" in q["sql"]], len(
            captured.captured_queries
        )

    def send():
        transfer_request_send(
            origin_union=world.origin, member_id=join(world.origin).pk, destination_union=world.destination
        )

    list_queries(0)  # warm the host lookup cache
    send()
    one_transfer, total_for_one = list_queries(1)
    for _ in range(4):
        send()
    five_transfers, total_for_five = list_queries(5)
    # The page (with both unions' names joined in) and the count: two queries, however many rows.
    assert len(one_transfer) == len(five_transfers) == 2
    assert total_for_one == total_for_five
    first = gql(
        world.dest_admin,
        host(world.destination),
        "query { transfers(first: 2) { edges { node { id } } pageInfo { endCursor hasNextPage } } }",
    )["transfers"]
    rest = gql(
        world.dest_admin,
        host(world.destination),
        "query($after: String) { transfers(first: 10, after: $after) { edges { node { id } } } }",
        after=first["pageInfo"]["endCursor"],
    )["transfers"]
    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert first["pageInfo"]["hasNextPage"] and len(ids) == len(set(ids)) == 5
    pks = [int(__import__("graphql_relay").from_global_id(i)[1]) for i in ids]
    assert pks == sorted(pks, reverse=True)  # newest first
