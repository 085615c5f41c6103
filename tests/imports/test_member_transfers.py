"""Importing members who hold membership in another union: a transfer request per row instead of a second
membership, in the batch's transaction, counted on the job and listed in the error file."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context, tenant_context

from tests.support.imports import error_file, read_xlsx, run_import, xlsx_bytes
from tests.support.members import make_id, member_kwargs

MEMBER_HEADER = ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"]
TRANSFER_REASON = "此人已是其他工会会员，已发出会员组织关系接转申请，待原工会同意转出后即可接收。"


@pytest.fixture
def other_union(county):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    return union_provision(parent_node=county, **union_kwargs(slug="import-other", name="导入测试纺织厂工会"))


def _members(union) -> dict[str, object]:
    from membership.models import Member

    with tenant_context(union):
        return {m.name: m for m in Member.objects.all()}


def _errors(job) -> dict[int, str]:

    return {row[-1]: row[-2] for row in read_xlsx(error_file(job))[1:]}


def _person_union(number):
    from people.identity import id_hash
    from people.models import PersonMembership

    return PersonMembership.objects.filter(id_hash=id_hash(number)).values_list("union_id", flat=True).first()


def test_people_active_elsewhere_become_transfer_requests_not_members(union, other_union):
    from membership.services import member_create
    from organisation.services import branch_create
    from transfers.models import TransferRequest
    from transfers.services import transfer_request_from_conflict

    with schema_context(union.schema_name):
        branch = branch_create(name="机修分会")
    moving, already_asked, new_person = make_id(female=True), make_id(), make_id()
    origin_member = member_create(
        union=other_union, **member_kwargs(name="王芳", id_number=moving, join_date="2016-03-01")
    )
    member_create(union=other_union, **member_kwargs(name="赵六", id_number=already_asked))
    transfer_request_from_conflict(destination_union=union, id_number=already_asked, name="赵六")

    rows = [
        MEMBER_HEADER,
        ["张三", new_person, "13912345678", "正式职工", "机修分会", "2024-05-01", "汉族", ""],
        ["王芳", moving, "", "农民工", "机修分会", "2024-05-01", "", ""],  # member of the other union
        ["赵六", already_asked, "", "正式职工", "", "2024-05-01", "", ""],  # a transfer is already open
        ["孙七", "110105198001017770", "", "正式职工", "", "2024-05-01", "", ""],  # wrong check character
    ]
    job = run_import(union, "会员.xlsx", xlsx_bytes(rows), kind="members")
    assert job.status == "done", job.error_message
    assert (job.accepted_rows, job.rejected_rows, job.transfers_requested) == (1, 2, 1)
    assert job.processed_rows == 4

    errors = _errors(job)
    assert set(errors) == {3, 4, 5}
    assert errors[3] == TRANSFER_REASON
    assert "身份证号码：该人员已有一笔正在办理的转接申请" in errors[4]
    assert errors[5].startswith("身份证号码：")

    # Only the new person became a member; the other two still belong to the other union.
    assert set(_members(union)) == {"张三"}
    assert _person_union(moving) == _person_union(already_asked) == other_union.pk

    transfer = TransferRequest.objects.get(name="王芳")
    assert (transfer.status, transfer.requested_by_side) == ("requested", "destination")
    assert (transfer.origin_union_id, transfer.destination_union_id) == (other_union.pk, union.pk)
    assert (transfer.origin_member_id, transfer.destination_branch_id) == (origin_member.pk, branch.pk)
    assert transfer.employment_type == "migrant" and str(transfer.original_join_date) == "2016-03-01"
    assert TransferRequest.objects.filter(name="赵六").count() == 1

    # The job's GraphQL view reports the count.
    from graphql_relay import to_global_id

    from accounts.models import Role
    from tests.support.graphql import grant, make_user, union_client

    admin = make_user(full_name="工会主席")
    grant(admin, Role.UNION_ADMIN, union=union)
    data = union_client(admin, union).run(
        "query($id: ID!) { importJob(id: $id) { acceptedRows rejectedRows transfersRequested } }",
        {"id": to_global_id("ImportJob", job.pk)},
    )
    assert data["importJob"] == {"acceptedRows": 1, "rejectedRows": 2, "transfersRequested": 1}


def test_transfer_requests_commit_with_their_batch_and_a_rerun_makes_each_once(
    union, other_union, monkeypatch
):
    from imports.importers import members as member_importer
    from imports.services import import_job_create
    from jobs.imports import import_job_run_task
    from membership.services import member_create
    from transfers.models import TransferRequest

    first, second = make_id(), make_id()
    for number in (first, second):
        member_create(union=other_union, **member_kwargs(id_number=number))
    rows = [
        MEMBER_HEADER,
        ["张三", make_id(), "", "正式职工", "", "2024-05-01", "", ""],
        ["甲", first, "", "正式职工", "", "2024-05-01", "", ""],
        ["乙", second, "", "正式职工", "", "2024-05-01", "", ""],
    ]
    job = import_job_create(kind="members", filename="会员.xlsx", content=xlsx_bytes(rows), union=union)

    real = member_importer.transfer_request_from_conflict
    calls = {"n": 0}

    def dies_on_the_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("simulated worker crash")
        return real(**kwargs)

    monkeypatch.setattr(member_importer, "transfer_request_from_conflict", dies_on_the_second)
    with pytest.raises(RuntimeError):
        import_job_run_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_code, job.committed_batches) == ("failed", "interrupted", 0)
    # The batch rolled back whole: neither the member nor the first transfer request is left behind.
    assert not TransferRequest.objects.exists() and _members(union) == {}

    monkeypatch.setattr(member_importer, "transfer_request_from_conflict", real)
    import_job_run_task(job.pk)
    job.refresh_from_db()
    assert job.status == "done"
    assert (job.accepted_rows, job.rejected_rows, job.transfers_requested) == (1, 0, 2)
    assert sorted(TransferRequest.objects.values_list("name", flat=True)) == ["乙", "甲"]
    assert _errors(job) == {3: TRANSFER_REASON, 4: TRANSFER_REASON}
