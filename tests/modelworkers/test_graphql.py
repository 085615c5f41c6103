"""The model-worker API: the whole way from batch to award to revocation, who sees what, typed errors, and query
counts that do not grow with the page."""

from __future__ import annotations

import base64
import json
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from api.core.ids import to_tenant_global_id
from tests.support.files import PDF
from tests.support.members import make_id

PUBLIC_HOST = "testserver"

WORKER_FIELDS = """id name sex awardingNodeName employingUnionId employerName level levelLabel title titleLabel
    category categoryLabel batchId batchName awardedOn continuationLastDay status statusLabel statusChangedOn
    history { fromStatus toStatus effectiveOn reason }"""
BATCH_FIELDS = """id name session year level places noticeDays status awardingNodeName
    quotaRules { code label categories ofCategories bound permille }
    quotaStatus { places awarded projected projectedResults { code base count limit ok message } }"""
NOMINATION_FIELDS = """id batchName unionName memberId name employerName title category deeds congressDate
    congressAttendance congressVotesFor status statusLabel rejectReason noticeId workerId
    attachments { label fileName contentType size downloadUrl }"""

CREATE_BATCH = f"""mutation($input: AwardBatchCreateInput!) {{ awardBatchCreate(input: $input) {{
    errors {{ field code message }} batch {{ {BATCH_FIELDS} }} }} }}"""
SUBMIT = f"""mutation($batch: ID!, $input: NominationSubmitInput!) {{ nominationSubmit(batch: $batch, input: $input) {{
    errors {{ field code message }} warnings nomination {{ {NOMINATION_FIELDS} }} }} }}"""
ACCEPT = """mutation($id: ID!) { nominationAccept(id: $id) { errors { field code message } nomination { status } } }"""
PUBLISH = """mutation($batch: ID!, $input: PublicNoticePublishInput!) { publicNoticePublish(batch: $batch,
    input: $input) { errors { field code message } notice { id title startsOn endsOn
    entries { name employerName title category status } } } }"""
OBJECT = """mutation($nomination: ID!, $input: ObjectionRecordInput!) { objectionRecord(nomination: $nomination,
    input: $input) { errors { field code message } objection { id nomineeName status } } }"""
RESOLVE = """mutation($id: ID!, $upheld: Boolean!, $resolution: String!) { objectionResolve(id: $id,
    upheld: $upheld, resolution: $resolution) { errors { field code message } objection { status resolution } } }"""
APPROVE = f"""mutation($id: ID!, $doc: String) {{ publicNoticeApprove(id: $id, approvalDocument: $doc) {{
    errors {{ field code message }} notice {{ approvedOn approvalDocument }} workers {{ {WORKER_FIELDS} }} }} }}"""
PROPOSE = """mutation($worker: ID!, $input: RevocationProposeInput!) { revocationPropose(worker: $worker,
    input: $input) { errors { field code message } revocation { id grounds groundLabels status
    documents { fileName } } } }"""
REVOKE = """mutation($id: ID!, $doc: String!) { revocationApprove(id: $id, approvalDocument: $doc) {
    errors { field code message } revocation { status decidedOn } } }"""
WORKERS = f"""query($status: ModelWorkerStatus, $search: String) {{ modelWorkers(status: $status, search: $search,
    first: 50) {{ totalCount edges {{ node {{ {WORKER_FIELDS} }} }} }} }}"""
BATCHES = f"query {{ awardBatches(first: 50) {{ totalCount edges {{ node {{ {BATCH_FIELDS} }} }} }} }}"
NOMINATIONS = (
    f"query {{ nominations(first: 50) {{ totalCount edges {{ node {{ {NOMINATION_FIELDS} }} }} }} }}"
)
NOTICES = """query { publicNotices(first: 50) { totalCount edges { node { id title entries { name } } } } }"""
OBJECTIONS = "query { objections(first: 50) { totalCount edges { node { id content nomineeName } } } }"
REVOCATIONS = "query { revocations(first: 50) { totalCount edges { node { id note workerName } } } }"


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
    return value


def errors(data):
    return [(e["field"], e["code"]) for e in payload(data)["errors"]]


def names(data):
    (value,) = data.values()
    return sorted(edge["node"].get("name") or edge["node"].get("title") for edge in value["edges"])


def batch_input(world, **overrides):
    values = {
        "awardingNode": to_global_id("FederationNode", world.county.pk),
        "name": "劳模县第九届劳动模范评选",
        "session": 9,
        "year": 2026,
        "places": 4,
    }
    values.update(overrides)
    return values


def nomination_input(member_gid, **overrides):
    values = {
        "member": member_gid,
        "title": "MODEL_WORKER",
        "category": "FRONTLINE",
        "deeds": "带领班组完成技术攻关。",
        "congressDate": "2026-09-20",
        "congressAttendance": 60,
        "congressVotesFor": 55,
    }
    values.update(overrides)
    return values


def test_from_batch_to_award_to_revocation_through_the_api(world, join, local_storage):
    batch = ok(gql(world.fed_admin, PUBLIC_HOST, CREATE_BATCH, input=batch_input(world)))["batch"]
    assert batch["level"] == "COUNTY" and len(batch["quotaRules"]) == 5

    factory_member = join(world.factory, name="钳工张")
    hospital_number = make_id(female=True)
    join(world.hospital, name="护士李", id_number=hospital_number)
    first = ok(
        gql(
            world.factory_admin,
            host(world.factory),
            SUBMIT,
            batch=batch["id"],
            input=nomination_input(
                to_tenant_global_id("Member", world.factory.pk, factory_member.pk),
                attachments=[
                    {
                        "attachmentName": "职代会决议.pdf",
                        "attachmentBase64": base64.b64encode(PDF).decode(),
                        "attachmentLabel": "职代会决议",
                    }
                ],
            ),
        )
    )
    assert first["nomination"]["name"] == "钳工张"
    assert first["nomination"]["attachments"][0]["fileName"] == "职代会决议.pdf"
    assert any("农民" in warning for warning in first["warnings"])
    second = ok(
        gql(
            world.hospital_admin,
            host(world.hospital),
            SUBMIT,
            batch=batch["id"],
            input=nomination_input(None, memberIdNumber=hospital_number, category="FARMER"),
        )
    )
    assert second["warnings"] == []  # 1 front-line + 1 farmer of 2: every quota holds

    for nomination in (first, second):
        ok(gql(world.fed_admin, PUBLIC_HOST, ACCEPT, id=nomination["nomination"]["id"]))
    notice = ok(
        gql(world.fed_admin, PUBLIC_HOST, PUBLISH, batch=batch["id"], input={"startsOn": "2026-11-01"})
    )["notice"]
    assert (notice["endsOn"], sorted(e["name"] for e in notice["entries"])) == (
        "2026-11-07",
        ["护士李", "钳工张"],
    )

    objection = ok(
        gql(
            world.fed_admin,
            PUBLIC_HOST,
            OBJECT,
            nomination=first["nomination"]["id"],
            input={"content": "事迹有夸大。", "receivedOn": "2026-11-02", "objector": "匿名"},
        )
    )["objection"]
    approve = gql(world.fed_admin, PUBLIC_HOST, APPROVE, id=notice["id"], doc="劳模县〔2026〕9号")
    assert errors(approve) == [("id", "objections_open")]
    ok(
        gql(
            world.fed_admin, PUBLIC_HOST, RESOLVE, id=objection["id"], upheld=False, resolution="经核查属实。"
        )
    )
    approved = ok(gql(world.fed_admin, PUBLIC_HOST, APPROVE, id=notice["id"], doc="劳模县〔2026〕9号"))
    workers = {w["name"]: w for w in approved["workers"]}
    assert (
        workers["钳工张"]["status"] == "MANAGED" and workers["钳工张"]["history"][0]["toStatus"] == "MANAGED"
    )

    # Revocation: no grounds is refused; with grounds and a document it is proposed, then approved.
    worker_id = workers["钳工张"]["id"]
    assert errors(gql(world.fed_admin, PUBLIC_HOST, PROPOSE, worker=worker_id, input={"grounds": []})) == [
        ("grounds", "required")
    ]
    proposal = ok(
        gql(
            world.fed_admin,
            PUBLIC_HOST,
            PROPOSE,
            worker=worker_id,
            input={
                "grounds": ["CRIMINAL_PENALTY"],
                "note": "受到刑事处罚",
                "documents": [
                    {"attachmentName": "判决书.pdf", "attachmentBase64": base64.b64encode(PDF).decode()}
                ],
            },
        )
    )["revocation"]
    assert proposal["groundLabels"] == ["受到刑事处罚"] and proposal["documents"] == [
        {"fileName": "判决书.pdf"}
    ]
    # Federation staff may see but not decide (node.manage).
    assert errors(gql(world.fed_staff, PUBLIC_HOST, REVOKE, id=proposal["id"], doc="x")) == [
        ("id", "not_found")
    ]
    revoked = ok(gql(world.fed_admin, PUBLIC_HOST, REVOKE, id=proposal["id"], doc="县委〔2026〕1号"))
    assert revoked["revocation"]["status"] == "APPROVED"
    listed = gql(world.fed_admin, PUBLIC_HOST, WORKERS, status="REVOKED")["modelWorkers"]
    assert [edge["node"]["name"] for edge in listed["edges"]] == ["钳工张"]


@pytest.fixture
def awarded(world, join, register):
    """Workers at the factory and the hospital, a batch with a nomination from each union, a notice, an
    objection and a revocation proposal."""
    from modelworkers.awards.batches import batch_create
    from modelworkers.awards.nominations import nomination_accept, nomination_submit
    from modelworkers.awards.notices import notice_publish, objection_record
    from modelworkers.services import revocation_propose

    register(name="工厂劳模", employing_union=world.factory)
    hospital_worker = register(name="医院劳模", employing_union=world.hospital, category="public_institution")
    batch = batch_create(
        awarding_node=world.county, name="劳模县第十届评选", session=10, year=2026, places=10, rules=[]
    )
    for union, name in ((world.factory, "工厂被推荐人"), (world.hospital, "医院被推荐人")):
        member = join(union, name=name)
        nomination, _ = nomination_submit(
            batch=batch,
            union=union,
            member_id=member.pk,
            title="model_worker",
            category="frontline",
            deeds="事迹",
            congress_date=date(2026, 9, 1),
            congress_attendance=10,
            congress_votes_for=9,
        )
        nomination_accept(nomination=nomination)
    notice = notice_publish(batch=batch, starts_on=date(2026, 11, 1))
    objection_record(
        notice=notice, nomination=nomination, content="医院异议内容", received_on=date(2026, 11, 2)
    )
    revocation_propose(worker=hospital_worker, grounds=["fraud"], note="医院劳模撤销说明")
    return batch


@pytest.mark.parametrize(
    ("user_attr", "on", "workers", "nominations", "objections"),
    [
        ("fed_admin", "public", ["医院劳模", "工厂劳模"], ["医院被推荐人", "工厂被推荐人"], 1),
        ("fed_staff", "public", ["医院劳模", "工厂劳模"], ["医院被推荐人", "工厂被推荐人"], 1),
        # The township sees its own unions' workers and nominations, and the awarding county's batches; the
        # objections and revocations stay with the awarding federation.
        ("town_staff", "public", ["工厂劳模"], ["工厂被推荐人"], 0),
        ("factory_admin", "factory", ["工厂劳模"], ["工厂被推荐人"], 0),
        ("factory_admin", "public", ["工厂劳模"], ["工厂被推荐人"], 0),
        ("hospital_admin", "hospital", ["医院劳模"], ["医院被推荐人"], 0),
        ("factory_admin", "hospital", [], [], 0),
        ("far_admin", "public", [], [], 0),
        ("stranger_admin", "stranger", [], [], 0),
        ("no_role", "public", [], [], 0),
    ],
)
def test_who_sees_what(world, awarded, user_attr, on, workers, nominations, objections):
    user = getattr(world, user_attr)
    on_host = PUBLIC_HOST if on == "public" else host(getattr(world, on))
    assert names(gql(user, on_host, WORKERS)) == sorted(workers)
    assert names(gql(user, on_host, NOMINATIONS)) == sorted(nominations)
    assert payload(gql(user, on_host, OBJECTIONS))["totalCount"] == objections
    assert payload(gql(user, on_host, REVOCATIONS))["totalCount"] == objections
    sees_county = bool(workers) and user_attr != "no_role"
    assert payload(gql(user, on_host, BATCHES))["totalCount"] == (1 if sees_county else 0)
    assert payload(gql(user, on_host, NOTICES))["totalCount"] == (1 if sees_county else 0)


def test_nominating_needs_the_unions_own_host_and_an_active_member(world, join):
    from modelworkers.awards.batches import batch_create

    batch = batch_create(awarding_node=world.county, name="批次", session=11, year=2026, places=5)
    batch_gid = to_global_id("AwardBatch", batch.pk)
    member = join(world.factory, name="甲")
    member_gid = to_tenant_global_id("Member", world.factory.pk, member.pk)
    # On the public host there is no union to nominate for.
    data = gql(world.factory_admin, PUBLIC_HOST, SUBMIT, batch=batch_gid, input=nomination_input(member_gid))
    assert errors(data) == [(None, "not_found")]
    # Another union's host: its admin cannot name the factory's member.
    data = gql(
        world.hospital_admin,
        host(world.hospital),
        SUBMIT,
        batch=batch_gid,
        input=nomination_input(member_gid),
    )
    assert errors(data) == [("member", "not_found")]
    # A union outside the county cannot see the batch.
    data = gql(
        world.stranger_admin, host(world.stranger), SUBMIT, batch=batch_gid, input=nomination_input(None)
    )
    assert errors(data) == [("batch", "not_found")]
    # By identity number: a person who is not an active member here is refused.
    data = gql(
        world.factory_admin,
        host(world.factory),
        SUBMIT,
        batch=batch_gid,
        input=nomination_input(None, memberIdNumber="110105198001017779"),
    )
    assert errors(data) == [("memberIdNumber", "not_active_member")]
    # Federation staff cannot nominate on a union's host either (union.manage).
    data = gql(
        world.fed_staff, host(world.factory), SUBMIT, batch=batch_gid, input=nomination_input(member_gid)
    )
    assert errors(data) == [(None, "not_found")]
    from modelworkers.models import Nomination

    assert not Nomination.objects.exists()


def test_union_host_sees_notices_but_not_objections(world, awarded):
    data = gql(world.factory_admin, host(world.factory), NOTICES)
    assert [e["node"]["title"] for e in payload(data)["edges"]] == ["劳模县第十届评选拟表彰人选公示"]
    assert payload(gql(world.factory_admin, host(world.factory), OBJECTIONS))["totalCount"] == 0


def _count(user, on_host, query):
    """Statements of one request by a signed-in user (django-tenants' SET search_path not counted)."""
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            "/graphql/", data=json.dumps({"query": query}), content_type="application/json", HTTP_HOST=on_host
        )
    assert "errors" not in response.json()
    return len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")])


def test_list_queries_do_not_grow_with_the_page(world, join, register, local_storage):
    from modelworkers.awards.batches import batch_create
    from modelworkers.awards.common import AttachmentSpec
    from modelworkers.awards.nominations import nomination_submit

    def add(n, session):
        batch = batch_create(
            awarding_node=world.county, name=f"批次{session}", session=session, year=2026, places=50
        )
        for i in range(n):
            register(name=f"劳模{session}-{i}", employing_union=world.factory if i % 2 else world.hospital)
            union = world.factory if i % 2 else world.hospital
            member = join(union, name=f"被推荐{session}-{i}")
            nomination_submit(
                batch=batch,
                union=union,
                member_id=member.pk,
                title="model_worker",
                category="frontline",
                deeds="事迹",
                congress_date=date(2026, 9, 1),
                congress_attendance=10,
                congress_votes_for=9,
                attachments=[AttachmentSpec(filename=f"附件{i}.pdf", content=PDF)],
            )

    add(2, 20)
    small = {q: _count(world.fed_admin, PUBLIC_HOST, q) for q in (WORKERS, BATCHES, NOMINATIONS, NOTICES)}
    add(8, 21)
    add(3, 22)
    large = {q: _count(world.fed_admin, PUBLIC_HOST, q) for q in (WORKERS, BATCHES, NOMINATIONS, NOTICES)}
    assert large == small
    assert max(large.values()) <= 10, large
