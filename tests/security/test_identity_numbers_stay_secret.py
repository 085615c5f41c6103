"""Identity numbers never appear in logs, error messages or API answers (only masked), whatever the input.

Log records are captured raw, before the redaction filter of the configured handlers (tests/audit proves that
filter); a number in a raw record would be a leak waiting for a handler without it.
"""

from __future__ import annotations

import json
import logging
import re

import pytest
from django_tenants.utils import schema_context

from accounts.models import Role
from tests.support.graphql import grant, make_user, union_client
from tests.support.imports import run_import, xlsx_bytes
from tests.support.members import make_id

# Any 18-character identity-number shape, and the legacy 15-digit form.
NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")

CREATE = """mutation($input: MemberCreateInput!) {
  memberCreate(input: $input) { errors { field code message } member { idNumberMasked } } }"""


@pytest.fixture
def union(county):
    from federations.services import union_provision
    from tests.factories import union_kwargs

    return union_provision(parent_node=county, **union_kwargs(name="保密测试厂工会"))


@pytest.fixture
def admin(union):
    user = make_user(full_name="工会主席")
    grant(user, Role.UNION_ADMIN, union=union)
    return user


@pytest.fixture
def every_log_record():
    """All records at DEBUG from every logger, raw (message and exception text)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    saved = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(saved)


def leaked(records, texts=()) -> list[str]:
    found = []
    for record in records:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        found += NUMBER.findall(text)
    for text in texts:
        found += NUMBER.findall(text)
    return found


def member_input(number: str, **extra) -> dict:
    return {
        "name": "王芳",
        "idNumber": number,
        "employmentType": "regular",
        "joinDate": "2024-05-01",
        **extra,
    }


def test_member_creation_with_bad_and_good_numbers(union, admin, every_log_record):
    api = union_client(admin, union)
    good = make_id()
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    answers = []
    for number in (
        bad_check,  # wrong check character
        good[:6] + "20991231" + good[14:],  # birth date in the future
        "990105199001010013",  # no such area
        good,  # accepted
        good,  # the same person again
        good[:6] + good[8:17],  # a legacy 15-digit form of someone else
    ):
        response = api.post(CREATE, {"input": member_input(number, phone="1391234567")})  # bad phone too
        answers.append(response.content.decode())
        response = api.post(CREATE, {"input": member_input(number)})
        answers.append(response.content.decode())
    assert any('"idNumberMasked"' in a and "********" in a for a in answers)  # one was created, masked
    assert leaked(every_log_record, answers) == []


def test_members_import_with_bad_rows(union, every_log_record, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "unionhub": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "allow_overwrite": True},
        },
    }
    good, dup = make_id(), make_id()
    rows = [
        ["姓名", "身份证号码", "手机号", "用工类型", "所在分会", "入会日期", "民族", "会员证号"],
        ["张三", good, "13912345678", "正式职工", "", "2024-05-01", "汉族", ""],
        ["李四", dup, "", "正式职工", "", "2023-01-15", "", ""],
        ["王五", good[:17] + ("1" if good[17] != "1" else "2"), "", "正式职工", "", "2024-05-01", "", ""],
        ["赵六", dup, "", "正式职工", "", "2024-05-01", "", ""],  # duplicate of the row above
        ["孙七", make_id(), "12345", "正式职工", "不存在分会", "2024-05-01", "", ""],
        ["周八", "12345678901234567X", "", "正式职工", "", "2024-05-01", "", ""],
    ]
    job = run_import(union, "会员.xlsx", xlsx_bytes(rows), kind="members")
    assert (job.status, job.accepted_rows, job.rejected_rows) == ("done", 2, 4)
    from imports.models import ImportRejection

    reasons = list(ImportRejection.objects.filter(job_id=job.pk).values_list("reason", flat=True))
    assert leaked(every_log_record, [job.error_message, *reasons]) == []


def test_audit_entries_and_errors_of_a_reveal_hold_no_number(union, admin, every_log_record):
    from audit.models import AuditEntry

    api = union_client(admin, union)
    number = make_id()
    created = api.run(CREATE, {"input": member_input(number)})["memberCreate"]
    assert created["errors"] == []
    with schema_context(union.schema_name):
        from membership.models import Member

        member = Member.objects.get()
    from api.core.ids import to_tenant_global_id

    reveal = api.run(
        "mutation($id: ID!) { memberRevealIdNumber(id: $id) { idNumber errors { code } } }",
        {"id": to_tenant_global_id("Member", union.pk, member.pk)},
    )
    assert reveal["memberRevealIdNumber"]["idNumber"] == number  # the one audited place it is shown
    entries = json.dumps(list(AuditEntry.objects.values("operation", "changes", "object_id")), default=str)
    assert leaked(every_log_record, [entries]) == []
