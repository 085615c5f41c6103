"""Imports, exports and the audit log over GraphQL: upload (base64 and multipart), progress, error file and export
downloads, access per union, and audit entries within the reader's scope."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from graphql_relay import to_global_id

from federations.middleware import forget_host
from tests.support.graphql import client_for, grant, make_user, union_client
from tests.support.imports import BRANCH_HEADER, csv_bytes, read_xlsx, xlsx_bytes

START = """
mutation($union: ID!, $kind: ImportKind!, $fileName: String!, $fileBase64: String) {
  importJobStart(union: $union, kind: $kind, fileName: $fileName, fileBase64: $fileBase64) {
    errors { field code message }
    importJob { id status kind fileName }
  }
}"""
JOB = """
query($id: ID!) {
  importJob(id: $id) {
    status statusLabel kindLabel totalRows processedRows acceptedRows rejectedRows progress
    errorCode errorMessage errorFileUrl
  }
}"""


@pytest.fixture(autouse=True)
def _fresh_host_cache():
    forget_host()
    yield
    forget_host()


@pytest.fixture
def admin(union):
    user = make_user(full_name="导入管理员")
    grant(user, "union_admin", union=union)
    return user


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _run_sent_tasks(callbacks) -> None:
    """Run what the mutation enqueued after commit, as the worker would (the task function, in-process)."""
    from jobs.celery_app import app

    app.conf.task_always_eager = True
    try:
        for callback in callbacks:
            callback()
    finally:
        app.conf.task_always_eager = False


def _download(url: str, gql) -> bytes:
    # The link is bound to the user it was made for (files.views): someone else's browser gets nothing.
    assert Client().get(url, HTTP_HOST=gql.host).status_code == 403
    response = gql.client.get(url, HTTP_HOST=gql.host)
    assert response.status_code == 200
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_import_with_base64_then_progress_counts_and_error_file(
    union, admin, django_capture_on_commit_callbacks
):
    gql = union_client(admin, union)
    content = xlsx_bytes(
        [
            BRANCH_HEADER,
            ["一分会", "分会", "", "是"],
            ["", "分会", "", ""],
            ["二组", "工会小组", "一分会", ""],
        ]
    )
    with django_capture_on_commit_callbacks() as callbacks:
        data = gql.run(
            START,
            {
                "union": to_global_id("Union", union.pk),
                "kind": "BRANCHES",
                "fileName": "分会.xlsx",
                "fileBase64": _b64(content),
            },
        )["importJobStart"]
    assert data["errors"] == [] and data["importJob"]["status"] == "QUEUED"
    assert data["importJob"]["kind"] == "BRANCHES"
    job_id = data["importJob"]["id"]
    assert len(callbacks) == 1
    _run_sent_tasks(callbacks)

    job = gql.run(JOB, {"id": job_id})["importJob"]
    assert job["status"] == "DONE" and job["progress"] == 1.0
    assert (job["totalRows"], job["acceptedRows"], job["rejectedRows"]) == (3, 2, 1)
    assert job["kindLabel"] == "分会/小组" and job["errorCode"] is None
    rows = read_xlsx(_download(job["errorFileUrl"], gql))
    assert rows[1][:2] == [None, "分会"] and "名称：不能为空" in rows[1][4]

    listed = gql.run(
        "query($u: ID!) { importJobs(union: $u) { totalCount edges { node { id acceptedRows } } } }",
        {"u": to_global_id("Union", union.pk)},
    )["importJobs"]
    assert listed["totalCount"] == 1 and listed["edges"][0]["node"]["id"] == job_id

    # The audit entry records the upload without its content.
    from audit.models import AuditEntry

    entry = AuditEntry.objects.get(operation="importJobStart")
    assert entry.union_id == union.pk and entry.object_type == "ImportJob"
    assert entry.changes["file_base64"]["after"] == "***"
    assert entry.changes["file_name"]["after"] == "分会.xlsx"


def test_multipart_upload_for_files_larger_than_a_json_body(union, admin, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(admin)
    rows = [BRANCH_HEADER] + [[f"分会{i}", "分会", "", "否"] for i in range(3)]
    upload = SimpleUploadedFile("分会.csv", csv_bytes(rows, "gbk"), content_type="text/csv")
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/graphql/",
            data={
                "query": START,
                "variables": json.dumps(
                    {"union": to_global_id("Union", union.pk), "kind": "BRANCHES", "fileName": "分会.csv"}
                ),
                "file": upload,
            },
            HTTP_HOST=f"{union.slug}.unionhub.localhost",
        )
    payload = response.json()["data"]["importJobStart"]
    assert payload["errors"] == [], payload
    _run_sent_tasks(callbacks)
    job = union_client(admin, union).run(JOB, {"id": payload["importJob"]["id"]})["importJob"]
    assert job["acceptedRows"] == 3 and job["errorFileUrl"] is None


def test_refused_uploads_and_missing_access_start_nothing(union, admin, settings):
    from imports.models import ImportJob

    settings.UNIONHUB_FILE_MAX_BYTES = {**settings.UNIONHUB_FILE_MAX_BYTES, "imports": 1024}
    gql = union_client(admin, union)
    union_id = to_global_id("Union", union.pk)

    def start(file_name, content, user_gql=gql, file_base64=None):
        variables = {"union": union_id, "kind": "BRANCHES", "fileName": file_name}
        variables["fileBase64"] = file_base64 if file_base64 is not None else _b64(content)
        return user_gql.run(START, variables)["importJobStart"]

    assert start("大.csv", b"a,b\n" * 1000)["errors"][0]["code"] == "file_too_large"
    assert start("图.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 40)["errors"][0]["code"] == "file_type_mismatch"
    bad = start("a.csv", b"", file_base64="不是base64!")["errors"][0]
    assert (bad["field"], bad["code"]) == ("fileBase64", "invalid_base64")

    # A branch officer may view the union but not manage it: the union is "not found" for this import.
    officer = make_user()
    grant(officer, "union_officer", union=union)
    refused = start("分会.csv", csv_bytes([BRANCH_HEADER], "utf-8"), user_gql=union_client(officer, union))
    assert refused["errors"][0]["field"] == "union" and refused["errors"][0]["code"] == "not_found"
    assert not ImportJob.objects.exists()


def test_export_branches_downloads_an_xlsx_with_chinese_headers(
    union, admin, django_capture_on_commit_callbacks
):
    from imports.services import import_job_create, import_job_run

    rows = [
        BRANCH_HEADER,
        ["一分会", "分会", "", "是"],
        ["一组", "工会小组", "一分会", "否"],
        ["=危险名", "分会", "", ""],
    ]
    job = import_job_create(kind="branches", filename="a.xlsx", content=xlsx_bytes(rows), union=union)
    import_job_run(job_id=job.pk)

    gql = union_client(admin, union)
    with django_capture_on_commit_callbacks() as callbacks:
        started = gql.run(
            "mutation($u: ID!) { exportStart(union: $u, kind: BRANCHES) { errors { code } exportJob { id status } } }",
            {"u": to_global_id("Union", union.pk)},
        )["exportStart"]
    assert started["errors"] == []
    _run_sent_tasks(callbacks)
    export = gql.run(
        "query($id: ID!) { exportJob(id: $id) { status rowCount fileName downloadUrl } }",
        {"id": started["exportJob"]["id"]},
    )["exportJob"]
    assert export["status"] == "DONE" and export["rowCount"] == 2
    assert export["fileName"].startswith("分会小组-") and export["fileName"].endswith(".xlsx")
    assert read_xlsx(_download(export["downloadUrl"], gql)) == [
        BRANCH_HEADER,
        ["一分会", "分会", None, "是"],
        ["一组", "工会小组", "一分会", "否"],
    ]


def test_jobs_of_one_union_are_invisible_to_others(union, admin, county):
    from federations.services import node_create, union_provision
    from imports.services import import_job_create
    from tests.factories import union_kwargs

    job = import_job_create(
        kind="branches",
        filename="a.csv",
        content=csv_bytes([BRANCH_HEADER, ["x", "分会"]], "utf-8"),
        union=union,
    )
    job_id = to_global_id("ImportJob", job.pk)
    other_county = node_create(level="county", name="邻县总工会", division_code="330123")
    other_union = union_provision(
        parent_node=other_county, **union_kwargs(slug="other-import", name="邻县工会")
    )
    other_admin = make_user()
    grant(other_admin, "union_admin", union=other_union)
    county_admin = make_user()
    grant(county_admin, "federation_admin", node=county)

    query = "query($id: ID!) { importJob(id: $id) { status } node(id: $id) { id } }"
    assert union_client(other_admin, other_union).run(query, {"id": job_id}) == {
        "importJob": None,
        "node": None,
    }
    assert client_for(other_admin).run(query, {"id": job_id}) == {"importJob": None, "node": None}
    # The federation above the union manages it: it sees the job on the public host.
    assert client_for(county_admin).run(query, {"id": job_id})["importJob"] == {"status": "QUEUED"}
    assert union_client(admin, union).run(query, {"id": job_id})["node"] == {"id": job_id}


AUDIT = """
query($union: ID, $node: ID, $operation: String, $after: String) {
  auditEntries(union: $union, node: $node, operation: $operation, first: 2, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { operation objectType actorUsername changes union { name } node { name } } }
  }
}"""


def test_audit_entries_by_scope_filters_and_pages(union, admin, county):
    from audit.services import audit_record
    from federations.services import node_create, union_provision
    from tests.factories import union_kwargs

    other_county = node_create(level="county", name="邻县总工会", division_code="330123")
    other_union = union_provision(
        parent_node=other_county, **union_kwargs(slug="other-audit", name="邻县工会")
    )
    for n in range(3):
        audit_record(actor=admin, operation="branchCreate", object_type="Branch", object_id=n, union=union)
    audit_record(actor=admin, operation="importJobStart", object_type="ImportJob", object_id=1, union=union)
    audit_record(actor=None, operation="branchCreate", object_type="Branch", object_id=9, union=other_union)
    audit_record(
        actor=None, operation="federationNodeCreate", object_type="FederationNode", object_id=1, node=county
    )

    county_admin = make_user()
    grant(county_admin, "federation_admin", node=county)
    other_admin = make_user()
    grant(other_admin, "union_admin", union=other_union)

    def entries(user, host=None, **variables):
        gql = union_client(user, host) if host else client_for(user)
        return gql.run(AUDIT, variables)["auditEntries"]

    # Union admin on its host: its union's entries, newest first, two per page.
    page = entries(admin, union)
    assert page["totalCount"] == 4 and page["pageInfo"]["hasNextPage"]
    assert [e["node"]["operation"] for e in page["edges"]] == ["importJobStart", "branchCreate"]
    assert page["edges"][0]["node"]["union"] == {"name": union.name}
    rest = entries(admin, union, after=page["pageInfo"]["endCursor"])
    assert len(rest["edges"]) == 2 and not rest["pageInfo"]["hasNextPage"]
    assert entries(admin, union, operation="importJobStart")["totalCount"] == 1

    # The county's admin sees its subtree (the union's entries and the county's own), never the other county's.
    county_page = entries(county_admin, node=to_global_id("FederationNode", county.pk))
    assert county_page["totalCount"] == 5
    assert entries(county_admin)["totalCount"] == 5
    assert entries(county_admin, union=to_global_id("Union", other_union.pk))["totalCount"] == 0

    # The other union's admin: only its own entry; asking for ours gives nothing.
    assert entries(other_admin, other_union)["totalCount"] == 1
    assert entries(other_admin, union=to_global_id("Union", union.pk))["totalCount"] == 0
    assert entries(other_admin, union)["totalCount"] == 0
    # Officers and anonymous callers read no audit log.
    officer = make_user()
    grant(officer, "union_officer", union=union)
    assert entries(officer, union)["totalCount"] == 0
    assert client_for(None).run(AUDIT, {})["auditEntries"]["totalCount"] == 0
