"""The self-assessment and appraisal API on a union's host: thin over the services, scoped to the host union,
aggregates only, constant query counts."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from selfassessment.links import appraisal_token
from tests.support.selfassessment import PDF_BYTES, PNG_BYTES, add_participant, gql, make_round

SELF_ASSESSMENTS = """
{ selfAssessments { participant roundName standardName branchId branchName status editable selfTotal
    items { code section maxPoints method evidenceRequired bonus score note
            evidence { id fileName size downloadUrl } } } }
"""
SAVE = """
mutation($p: ID!, $items: [SelfScoreInput!]!) {
  selfAssessmentSave(participant: $p, items: $items) {
    errors { field code message } selfAssessment { selfTotal items { code score note } } } }
"""
UPLOAD = """
mutation($p: ID!, $code: String!, $name: String!, $b64: String) {
  selfAssessmentEvidenceUpload(participant: $p, itemCode: $code, evidenceName: $name, evidenceBase64: $b64) {
    errors { field code message } evidence { id itemCode fileName contentType downloadUrl } } }
"""
SUBMIT = """
mutation($p: ID!) { selfAssessmentSubmit(participant: $p) {
  errors { field code message } selfAssessment { status editable submittedAt } } }
"""
OPEN = """
mutation($p: ID!) { appraisalOpen(participant: $p) {
  errors { field code message } appraisalLink { url token qrSvg closesAt } appraisalResults { invited } } }
"""
ANSWER = """
mutation($t: String!, $input: AppraisalInput!) { appraisalSubmit(appraisalToken: $t, input: $input) {
  ok errors { field code message } } }
"""
RESULTS = """
query($p: ID!) { appraisalResults(participant: $p) {
  opened invited responses minResponses breakdownWithheld withheldReason
  satisfied basic dissatisfied satisfactionPermille participationPermille
  areas { area label average } } }
"""
FEDERATION_PARTICIPANT = """
query($p: ID!) { roundParticipant(id: $p) {
  appraisalInvited appraisalResponses appraisalSatisfied appraisalBreakdownWithheld } }
"""


def _gid(participant):
    return to_global_id("RoundParticipant", participant.pk)


def _client(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _answer_input(person, overall="SATISFIED", **ratings):
    values = {"Organisation": 5, "Rights": 4, "Democracy": 4, "Services": 3, "Activities": 5}
    values.update(ratings)
    return {
        "respondentName": person.name,
        "respondentIdNumber": person.id_number,
        "overall": overall,
        **{f"rating{area}": value for area, value in values.items()},
    }


def test_admin_fills_uploads_and_submits_through_the_api(world):
    client = _client(world.admin)
    p = _gid(world.home)
    saved = gql(
        client,
        world.host,
        SAVE,
        {
            "p": p,
            "items": [
                {"itemCode": "A1", "score": "4.5", "note": "领导小组"},
                {"itemCode": "A2", "score": "3"},
                {"itemCode": "B1", "score": "6"},
            ],
        },
    )["selfAssessmentSave"]
    assert saved["errors"] == [] and saved["selfAssessment"]["selfTotal"] == "13.50"

    uploaded = gql(
        client, world.host, UPLOAD, {"p": p, "code": "A1", "name": "会议纪要.pdf", "b64": _b64(PDF_BYTES)}
    )
    evidence = uploaded["selfAssessmentEvidenceUpload"]["evidence"]
    assert evidence["fileName"] == "会议纪要.pdf" and evidence["contentType"] == "application/pdf"
    download = client.get(evidence["downloadUrl"], HTTP_HOST=world.host)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_BYTES

    submitted = gql(client, world.host, SUBMIT, {"p": p})["selfAssessmentSubmit"]
    assert submitted["errors"] == []
    assert (
        submitted["selfAssessment"]["status"] == "SUBMITTED"
        and submitted["selfAssessment"]["editable"] is False
    )
    world.home.refresh_from_db()
    assert world.home.self_scores == {"A1": "4.50", "A2": "3.00", "B1": "6.00"}

    again = gql(client, world.host, SAVE, {"p": p, "items": [{"itemCode": "B1", "score": "1"}]})
    assert again["selfAssessmentSave"]["errors"][0]["code"] == "already_submitted"


def test_evidence_as_multipart(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(world.admin)
    response = client.post(
        "/graphql/",
        data={
            "query": UPLOAD,
            "variables": json.dumps({"p": _gid(world.home), "code": "A1", "name": "现场照片.png"}),
            "file": SimpleUploadedFile("现场照片.png", PNG_BYTES, content_type="image/png"),
        },
        HTTP_HOST=world.host,
    )
    payload = response.json()["data"]["selfAssessmentEvidenceUpload"]
    assert payload["errors"] == [] and payload["evidence"]["contentType"] == "image/png"


def test_bad_input_names_the_field_and_writes_nothing(world):
    from selfassessment.models import Evidence, SelfScore

    client = _client(world.admin)
    p = _gid(world.home)
    result = gql(
        client,
        world.host,
        SAVE,
        {
            "p": p,
            "items": [
                {"itemCode": "B1", "score": "2"},
                {"itemCode": "A1", "score": "7"},
            ],
        },
    )["selfAssessmentSave"]
    assert result["selfAssessment"] is None
    assert result["errors"] == [
        {
            "field": "items.1.score",
            "code": "max_value",
            "message": "条目 A1 的得分不能超过该条目分值 5.00 分。",
        }
    ]
    forged = gql(
        client, world.host, UPLOAD, {"p": p, "code": "A1", "name": "照片.jpg", "b64": _b64(PDF_BYTES)}
    )
    (error,) = forged["selfAssessmentEvidenceUpload"]["errors"]
    assert error["field"] == "file" and error["code"] == "file_type_mismatch" and "PDF" in error["message"]
    with schema_context(world.union.schema_name):
        assert not SelfScore.objects.exists() and not Evidence.objects.exists()


def test_roles_edit_submit_and_view(world):
    p = _gid(world.home)
    officer = _client(world.officer)
    saved = gql(officer, world.host, SAVE, {"p": p, "items": [{"itemCode": "B1", "score": "2"}]})
    assert saved["selfAssessmentSave"]["errors"] == []
    refused = gql(officer, world.host, SUBMIT, {"p": p})["selfAssessmentSubmit"]
    assert refused["errors"][0]["code"] == "not_found"  # only the union admin submits

    branch_officer = _client(world.branch_officer)
    assert gql(branch_officer, world.host, SELF_ASSESSMENTS)["selfAssessments"] == []
    refused = gql(branch_officer, world.host, SAVE, {"p": p, "items": [{"itemCode": "B1", "score": "1"}]})
    assert refused["selfAssessmentSave"]["errors"][0]["code"] == "not_found"

    fed = gql(_client(world.fed_admin), world.host, SELF_ASSESSMENTS)["selfAssessments"]
    assert [a["branchName"] for a in fed] == ["", "一车间分会"]


def test_another_union_cannot_see_or_touch_this_self_assessment(world):
    from selfassessment.models import SelfScore

    p = _gid(world.home)
    gql(
        _client(world.admin),
        world.host,
        SAVE,
        {"p": p, "items": [{"itemCode": "A1", "score": "4", "note": "机密"}]},
    )
    outsider = _client(world.other_admin)
    for host in (world.other_host, world.host, "testserver"):
        assert gql(outsider, host, SELF_ASSESSMENTS)["selfAssessments"] in ([], None) or all(
            a["participant"] != p for a in gql(outsider, host, SELF_ASSESSMENTS)["selfAssessments"]
        )
        single = gql(
            outsider, host, "query($p: ID!) { selfAssessment(participant: $p) { note: roundName } }", {"p": p}
        )
        assert single["selfAssessment"] is None
        assert gql(outsider, host, RESULTS, {"p": p})["appraisalResults"] is None
        wrote = gql(outsider, host, SAVE, {"p": p, "items": [{"itemCode": "A1", "score": "1"}]})
        assert wrote["selfAssessmentSave"]["errors"][0]["code"] == "not_found"
    own = gql(outsider, world.other_host, SELF_ASSESSMENTS)["selfAssessments"]
    assert [a["participant"] for a in own] == [_gid(world.other_home)]
    assert all(i["note"] == "" for i in own[0]["items"])
    with schema_context(world.union.schema_name):
        assert SelfScore.objects.get().score == 4


def test_appraisal_open_link_answer_and_aggregates(world, settings):
    from audit.models import AuditEntry

    admin = _client(world.admin)
    p = _gid(world.home)
    assert gql(admin, world.host, "query($p: ID!) { appraisalLink(participant: $p) { url } }", {"p": p}) == {
        "appraisalLink": None
    }
    opened = gql(admin, world.host, OPEN, {"p": p})["appraisalOpen"]
    assert opened["errors"] == [] and opened["appraisalResults"] == {"invited": 4}
    link = opened["appraisalLink"]
    assert link["url"] == f"https://{world.host}/appraisal/{link['token']}/"
    assert link["qrSvg"].startswith("<svg")

    anonymous = _client()
    first = gql(
        anonymous, world.host, ANSWER, {"t": link["token"], "input": _answer_input(world.people["wang"])}
    )
    assert first["appraisalSubmit"] == {"ok": True, "errors": []}
    gql(
        anonymous,
        world.host,
        ANSWER,
        {"t": link["token"], "input": _answer_input(world.people["li"], "BASIC")},
    )
    gql(
        anonymous,
        world.host,
        ANSWER,
        {
            "t": link["token"],
            "input": _answer_input(world.people["zhao"], "DISSATISFIED", Rights=1),
        },
    )
    second = gql(
        anonymous, world.host, ANSWER, {"t": link["token"], "input": _answer_input(world.people["wang"])}
    )
    assert second["appraisalSubmit"]["ok"] is False
    assert second["appraisalSubmit"]["errors"][0]["field"] == "respondentIdNumber"
    assert second["appraisalSubmit"]["errors"][0]["code"] == "already_responded"
    bad = gql(
        anonymous,
        world.host,
        ANSWER,
        {"t": link["token"], "input": _answer_input(world.people["sun"], Rights=9)},
    )
    assert bad["appraisalSubmit"]["errors"][0]["field"] == "ratingRights"

    # 3 responses, fewer than the minimum (5 by default): counts only, for the union and the federation alike
    fed_admin = _client(world.fed_admin)
    for viewer in (admin, _client(world.officer), fed_admin):
        results = gql(viewer, world.host, RESULTS, {"p": p})["appraisalResults"]
        assert {k: v for k, v in results.items() if k not in ("areas", "withheldReason")} == {
            "opened": True,
            "invited": 4,
            "responses": 3,
            "minResponses": 5,
            "breakdownWithheld": True,
            "satisfied": None,
            "basic": None,
            "dissatisfied": None,
            "satisfactionPermille": None,
            "participationPermille": 750,
        }
        assert "5" in results["withheldReason"] and "回复少于" in results["withheldReason"]
        assert {a["average"] for a in results["areas"]} == {None}
    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 4
    assert gql(admin, world.host, RESULTS, {"p": p})["appraisalResults"]["satisfied"] is None

    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 3  # reached: the breakdown appears
    results = gql(fed_admin, world.host, RESULTS, {"p": p})["appraisalResults"]
    assert {k: v for k, v in results.items() if k != "areas"} == {
        "opened": True,
        "invited": 4,
        "responses": 3,
        "minResponses": 3,
        "breakdownWithheld": False,
        "withheldReason": None,
        "satisfied": 1,
        "basic": 1,
        "dissatisfied": 1,
        "satisfactionPermille": 667,
        "participationPermille": 750,
    }
    assert {a["area"]: a["average"] for a in results["areas"]}["rights"] == "3.00"

    entries = AuditEntry.objects.filter(operation="appraisalSubmit")
    assert entries.count() == 3
    logged = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert (
        "王伟" not in logged
        and "satisfied" not in logged.lower()
        and world.people["wang"].id_number not in logged
    )


def test_federation_sees_the_satisfied_count_only_from_the_minimum(world, settings):
    from selfassessment import services

    services.appraisal_open(union=world.union, participant=world.home, actor=world.admin)
    token = appraisal_token(participant=world.home)
    anonymous = _client()
    for key, overall in (("wang", "SATISFIED"), ("li", "DISSATISFIED")):
        answer = gql(
            anonymous, world.host, ANSWER, {"t": token, "input": _answer_input(world.people[key], overall)}
        )
        assert answer["appraisalSubmit"]["ok"] is True
    fed_admin = _client(world.fed_admin)
    p = _gid(world.home)
    assert gql(fed_admin, "testserver", FEDERATION_PARTICIPANT, {"p": p})["roundParticipant"] == {
        "appraisalInvited": 4,
        "appraisalResponses": 2,
        "appraisalSatisfied": None,
        "appraisalBreakdownWithheld": True,
    }
    world.home.refresh_from_db()
    assert world.home.appraisal_satisfied == 1  # kept for scoring, only not shown
    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 2
    assert gql(fed_admin, "testserver", FEDERATION_PARTICIPANT, {"p": p})["roundParticipant"] == {
        "appraisalInvited": 4,
        "appraisalResponses": 2,
        "appraisalSatisfied": 1,
        "appraisalBreakdownWithheld": False,
    }


def test_appraisal_submit_on_the_public_host_or_with_a_forged_token(world):
    anonymous = _client()
    token = appraisal_token(participant=world.home)
    for host, t in (("testserver", token), (world.host, token + "x"), (world.other_host, token)):
        result = gql(anonymous, host, ANSWER, {"t": t, "input": _answer_input(world.people["wang"])})
        assert result["appraisalSubmit"]["errors"][0]["code"] == "invalid_token"


def test_listing_takes_a_constant_number_of_queries(world, django_assert_max_num_queries):
    from selfassessment.services import ScoreInput, evidence_upload, self_scores_save

    client = _client(world.admin)
    gql(client, world.host, SELF_ASSESSMENTS)  # warm caches (host lookup, content types)

    def measure():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            data = gql(client, world.host, SELF_ASSESSMENTS)["selfAssessments"]
        return len(captured.captured_queries), data

    # With one filled-in self-assessment first, so every kind of row is already read once.
    self_scores_save(union=world.union, participant=world.home, items=[ScoreInput("A1", "4")])
    evidence_upload(
        union=world.union, participant=world.home, item_code="A1", filename="c.pdf", content=PDF_BYTES
    )
    small, _ = measure()
    for n in range(3):
        later = make_round(world.county, name=f"第{n}轮考核")
        participant = add_participant(later, world.union)
        self_scores_save(
            union=world.union,
            participant=participant,
            items=[ScoreInput("A1", "4", "说明"), ScoreInput("B1", "3")],
        )
        for name, content in (("a.pdf", PDF_BYTES), ("b.png", PNG_BYTES)):
            evidence_upload(
                union=world.union, participant=participant, item_code="A1", filename=name, content=content
            )
    large, data = measure()
    assert len(data) == 5 and sum(len(i["evidence"]) for a in data for i in a["items"]) == 7
    assert large == small
    with django_assert_max_num_queries(small):
        gql(client, world.host, SELF_ASSESSMENTS)


@pytest.mark.parametrize("query", [SELF_ASSESSMENTS])
def test_the_public_host_answers_nothing(world, query):
    assert gql(_client(world.fed_admin), "testserver", query)["selfAssessments"] == []
