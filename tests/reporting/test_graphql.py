"""The reporting API: submit / explain / accept / return, the board, files, deliveries and recipient settings."""

from __future__ import annotations

import pytest
from graphql_relay import to_global_id

from reporting.models import ReportRecipient, Submission, SubmissionEvent
from tests.support.graphql import client_for, gid, make_union, union_client

pytestmark = pytest.mark.django_db

SUBMIT = """
mutation($period: ID!, $unit: ID) {
  submissionSubmit(period: $period, unit: $unit) {
    errors { field code message }
    submission { id status level unitName reviewerName rounds events { action toStatus checks { ruleCode explanation } } }
  }
}"""
ACCEPT = """
mutation($id: ID!, $comment: String) {
  submissionAccept(id: $id, comment: $comment) { errors { field code message } submission { status reviewComment } }
}"""
RETURN = """
mutation($id: ID!, $comment: String!) {
  submissionReturn(id: $id, comment: $comment) { errors { field code message } submission { status reviewComment } }
}"""
BOARD = """
query($period: ID!, $node: ID, $only: BoardFilter) {
  reportBoard(period: $period, node: $node) {
    counts { total notSubmitted submitted accepted returned overdue }
    countsByLevel { level total accepted }
    deadlines { level dueOn }
    rows(only: $only) { unitKind name level status submissionId overdue dueOn }
  }
}"""


def period_id(world) -> str:
    return to_global_id("ReportingPeriod", world.period.pk)


def test_union_submits_on_its_host_and_the_township_accepts(world):
    union_api = union_client(world.u1_admin, world.u1)
    result = union_api.run(SUBMIT, {"period": period_id(world)})["submissionSubmit"]
    assert result["errors"] == []
    submission = result["submission"]
    assert (submission["status"], submission["level"], submission["reviewerName"]) == (
        "SUBMITTED",
        "UNION",
        "城关镇工会",
    )

    town_api = client_for(world.town_admin)
    accepted = town_api.run(ACCEPT, {"id": submission["id"], "comment": "数据核对无误"})["submissionAccept"]
    assert accepted == {"errors": [], "submission": {"status": "ACCEPTED", "reviewComment": "数据核对无误"}}

    board = town_api.run(BOARD, {"period": period_id(world), "node": gid(world.town)})["reportBoard"]
    assert board["counts"] == {
        "total": 3,
        "notSubmitted": 2,
        "submitted": 0,
        "accepted": 1,
        "returned": 0,
        "overdue": 0,
    }
    not_in = town_api.run(
        BOARD, {"period": period_id(world), "node": gid(world.town), "only": "NOT_SUBMITTED"}
    )
    assert {row["name"] for row in not_in["reportBoard"]["rows"]} == {"城关镇工会", "城关纺织厂工会"}


def test_a_township_cannot_accept_outside_its_subtree(world):
    hospital = union_client(world.u3_admin, world.u3).run(SUBMIT, {"period": period_id(world)})
    submission_id = hospital["submissionSubmit"]["submission"]["id"]
    for user in (world.town_admin, world.u3_admin, world.outsider):
        result = client_for(user).run(ACCEPT, {"id": submission_id})["submissionAccept"]
        assert result["errors"][0]["code"] == "not_found" and result["submission"] is None
    # On the union's own host nobody reviews.
    result = union_client(world.u3_admin, world.u3).run(ACCEPT, {"id": submission_id})["submissionAccept"]
    assert result["errors"][0]["code"] == "not_found"
    assert Submission.objects.get().status == "submitted"
    assert SubmissionEvent.objects.count() == 1
    # Another township's officers do not even see it on their board.
    assert client_for(world.town_admin).run(
        BOARD, {"period": period_id(world), "node": gid(world.street)}
    ) == {"reportBoard": None}


def test_failing_checks_are_explained_then_submitted(world):
    from rollup.facts import facts_apply

    facts_apply(union=world.u1, deltas={(0, "female_members", ""): 500})
    api = union_client(world.u1_admin, world.u1)
    refused = api.run(SUBMIT, {"period": period_id(world)})["submissionSubmit"]
    assert refused["submission"] is None
    assert {(e["field"], e["code"]) for e in refused["errors"]} == {("checks", "check_failed")}
    assert "女会员人数 ≤ 会员人数" in refused["errors"][0]["message"]

    checks = api.run(
        "query($p: ID!) { reportChecks(period: $p) { unitKind unitId unitName ruleCode explanation } }",
        {"p": period_id(world)},
    )["reportChecks"]
    rules = {check["ruleCode"] for check in checks}
    assert "female_members_le_members" in rules and all(c["explanation"] is None for c in checks)

    explain = api.run(
        """mutation($p: ID!, $e: [CheckExplanationInput!]!) {
             submissionExplainChecks(period: $p, explanations: $e) { errors { field code message } count }
           }""",
        {
            "p": period_id(world),
            "e": [
                {"unit": check["unitId"], "ruleCode": check["ruleCode"], "text": "系统迁移期间数据待核实"}
                for check in checks
            ],
        },
    )["submissionExplainChecks"]
    assert explain == {"errors": [], "count": len(checks)}
    result = api.run(SUBMIT, {"period": period_id(world)})["submissionSubmit"]
    assert result["errors"] == []
    assert {c["ruleCode"] for c in result["submission"]["events"][0]["checks"]} == rules
    assert {c["explanation"] for c in result["submission"]["events"][0]["checks"]} == {
        "系统迁移期间数据待核实"
    }


def test_return_needs_a_comment_and_resubmission_counts_rounds(world):
    api = union_client(world.u2_admin, world.u2)
    submission_id = api.run(SUBMIT, {"period": period_id(world)})["submissionSubmit"]["submission"]["id"]
    town_api = client_for(world.town_admin)
    empty = town_api.run(RETURN, {"id": submission_id, "comment": " "})["submissionReturn"]
    assert empty["errors"][0]["field"] == "comment" and empty["errors"][0]["code"] == "required"
    returned = town_api.run(RETURN, {"id": submission_id, "comment": "职工人数与工商登记不符"})[
        "submissionReturn"
    ]
    assert returned["submission"] == {"status": "RETURNED", "reviewComment": "职工人数与工商登记不符"}
    again = api.run(SUBMIT, {"period": period_id(world)})["submissionSubmit"]["submission"]
    assert again["rounds"] == 2
    assert [e["action"] for e in again["events"]] == ["SUBMIT", "RETURN", "SUBMIT"]


def test_board_query_count_does_not_grow_with_unions(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(world.county_admin)

    def data_queries():
        with CaptureQueriesContext(connection) as captured:
            board = api.run(BOARD, {"period": period_id(world)})["reportBoard"]
        return board, [
            q["sql"] for q in captured.captured_queries if not q["sql"].startswith("SET search_path")
        ]

    data_queries()  # warm-up
    _board, before = data_queries()
    # session, user, grants, period, the board's two queries, deadlines
    assert len(before) <= 7, before
    for number in range(30):
        make_union(world.town, name=f"批量工会{number}")
    board, after = data_queries()
    assert len(after) == len(before)
    assert board["counts"]["total"] == 37


def test_recipient_secret_is_write_only_and_masked_in_the_audit_log(world):
    from audit.models import AuditEntry

    api = client_for(world.county_admin)
    mutation = """mutation($n: ID!, $i: ReportRecipientInput!) {
        reportRecipientUpdate(node: $n, input: $i) {
          errors { field code message }
          recipient { name emails webhookUrl webhookSecretSet active }
        } }"""
    bad = api.run(mutation, {"n": gid(world.county), "i": {"emails": ["不是邮箱"], "webhookUrl": "ftp://x"}})
    assert {e["field"] for e in bad["reportRecipientUpdate"]["errors"]} == {"emails", "webhookUrl"}
    assert not ReportRecipient.objects.exists()

    secret = "city-union-secret-abcdef0123456789"
    result = api.run(
        mutation,
        {
            "n": gid(world.county),
            "i": {
                "emails": ["tongji@city.example.cn"],
                "webhookUrl": "https://city.example.cn/h",
                "webhookSecret": secret,
            },
        },
    )["reportRecipientUpdate"]
    assert result == {
        "errors": [],
        "recipient": {
            "name": "示范市总工会",
            "emails": ["tongji@city.example.cn"],
            "webhookUrl": "https://city.example.cn/h",
            "webhookSecretSet": True,
            "active": True,
        },
    }
    assert secret not in ReportRecipient.objects.get().webhook_secret_encrypted
    entry = AuditEntry.objects.get(operation="reportRecipientUpdate")
    assert secret not in str(entry.changes) and entry.changes["webhook_secret"]["after"] == "***"
    # Township officers manage nothing at the county.
    denied = client_for(world.town_admin).run(mutation, {"n": gid(world.county), "i": {"name": "改名"}})
    assert denied["reportRecipientUpdate"]["errors"][0]["code"] == "not_found"


def test_files_generate_and_download(world, local_storage):
    api = client_for(world.county_admin)
    generated = api.run(
        "mutation($p: ID!) { reportFilesGenerate(period: $p) { errors { code } files { kind filename sha256 } } }",
        {"p": period_id(world)},
    )["reportFilesGenerate"]
    assert generated["errors"] == [] and [f["kind"] for f in generated["files"]] == ["XLSX", "PDF"]
    files = api.run(
        "query($p: ID!) { reportFiles(period: $p) { kind filename downloadUrl dataSha256 } }",
        {"p": period_id(world)},
    )["reportFiles"]
    xlsx = next(f for f in files if f["kind"] == "XLSX")
    assert xlsx["filename"] == "示范县总工会2026工会统计报表.xlsx"
    path = xlsx["downloadUrl"].split("://", 1)[1].partition("/")[2]
    response = api.client.get("/" + path, HTTP_HOST="testserver")
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"PK")
    # A township sees no county files.
    assert client_for(world.town_admin).run(
        "query($p: ID!, $n: ID) { reportFiles(period: $p, node: $n) { kind } }",
        {"p": period_id(world), "n": gid(world.county)},
    ) == {"reportFiles": []}
