"""The public joining page on a union's host: renders for phones, submits with CSRF, refuses bad input in Chinese
and writes nothing then; rate limits per link and address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django_tenants.utils import schema_context

from tests.support.drives import PHONE_UA, csrf_token_from, gql, resident_id


def _applications(union):
    from recruitment.models import Application

    with schema_context(union.schema_name):
        return list(Application.objects.all())


def _form(client, host, token, address="127.0.0.1"):
    response = client.get(f"/join/{token}/", HTTP_HOST=host, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def _submit(client, host, token, address="127.0.0.1", **fields):
    page = _form(client, host, token, address)
    data = {
        "csrfmiddlewaretoken": csrf_token_from(page),
        "name": "张三",
        "id_number": resident_id(),
        "phone": "13800138000",
        "employment_type": "new_form",
        "consent": "on",
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/join/{token}/", data, HTTP_HOST=host, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR=address)


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def test_page_renders_for_a_phone_with_branch_preselected(world, link_for, client):
    host = world.host(world.u1.slug)
    response = _form(client, host, link_for(world.drive, world.u1, world.b1))
    html = response.content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1' in html
    assert "申请加入东镇机械厂工会" in html and world.drive.name in html
    assert "身份证号码" in html and "手机号码" in html and "用工类型" in html
    assert 'type="checkbox" name="consent"' in html
    assert "一车间分会" in html and "二车间分会" not in html  # the link's branch, fixed
    assert 'name="csrfmiddlewaretoken"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_page_without_branch_lets_the_applicant_choose(world, link_for, client):
    html = _form(client, world.host(world.u1.slug), link_for(world.drive, world.u1)).content.decode()
    assert '<select name="branch"' in html and "一车间分会" in html and "二车间分会" in html


def test_submit_creates_a_pending_application_with_the_identity_number_protected(world, link_for, client):
    from people.identity import id_decrypt, id_hash

    host = world.host(world.u1.slug)
    token = link_for(world.drive, world.u1, world.b1)
    number = resident_id(born="19881231")
    response = _submit(client, host, token, name=" 李 四 ", id_number=number.lower(), phone="138-0013-8001")
    assert response.status_code == 302 and response["Location"] == f"/join/{token}/done/"
    done = client.get(response["Location"], HTTP_HOST=host)
    assert "您的入会申请已提交至东镇机械厂工会" in done.content.decode()

    (application,) = _applications(world.u1)
    assert application.status == "pending"
    assert (application.name, application.phone, application.employment_type) == (
        "李 四",
        "13800138001",
        "new_form",
    )
    assert application.branch_id == world.b1.pk and application.drive_id == world.drive.pk
    assert application.id_hash == id_hash(number)
    assert application.id_number_masked == number[:6] + "********" + number[-4:]
    assert (
        number not in application.id_number_encrypted
        and id_decrypt(application.id_number_encrypted) == number
    )
    assert application.consent_at is not None


def test_post_without_csrf_token_is_refused(world, link_for, client):
    response = client.post(
        f"/join/{link_for(world.drive, world.u1)}/",
        {"name": "张三", "id_number": resident_id(), "phone": "13800138000", "employment_type": "regular"},
        HTTP_HOST=world.host(world.u1.slug),
    )
    assert response.status_code == 403
    assert _applications(world.u1) == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"id_number": "110105199001010124"}, "身份证号码校验位不正确"),
        ({"id_number": "110105190002300128"}, "身份证号码中的出生日期不存在"),
        ({"phone": "1380013800"}, "手机号应为11位中国大陆手机号码"),
        ({"phone": ""}, "请填写11位手机号码"),
        ({"name": ""}, "请填写姓名"),
        ({"employment_type": "astronaut"}, "请选择本次活动面向的用工类型"),
        ({"consent": None}, "请阅读并同意个人信息处理规则后再提交"),
    ],
)
def test_bad_input_shows_chinese_field_errors_and_writes_nothing(world, link_for, client, fields, message):
    response = _submit(client, world.host(world.u1.slug), link_for(world.drive, world.u1), **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _applications(world.u1) == []


def test_employment_types_outside_the_drives_target_groups_are_refused(world, link_for, client):
    from drives.services import drive_update

    drive_update(drive=world.drive, target_groups=["new_form", "migrant"])
    host, token = world.host(world.u1.slug), link_for(world.drive, world.u1)
    html = _form(client, host, token).content.decode()
    assert 'value="migrant"' in html and 'value="regular"' not in html
    response = _submit(client, host, token, employment_type="regular")
    assert response.status_code == 400 and "请选择本次活动面向的用工类型" in response.content.decode()
    assert _applications(world.u1) == []


def test_member_pending_and_new_get_one_neutral_answer(world, link_for, client):
    """The oracle (issue 14, item 8): the page answered "您已是本工会会员" or "已提交过" for an identity number, so
    anyone could learn whether a person belongs to the union. Now all three get the same answer; the officer sees
    the difference in the queue."""
    from membership.services import member_create

    host, token = world.host(world.u1.slug), link_for(world.drive, world.u1)
    member_number, pending_number, new_number = resident_id(), resident_id(), resident_id()
    member_create(
        union=world.u1, name="王五", id_number=member_number, employment_type="regular", join_date=world.today
    )
    assert _submit(client, host, token, id_number=pending_number).status_code == 302
    answers = []
    for number in (member_number, pending_number, new_number):
        response = _submit(client, host, token, id_number=number, name="张三丰")
        done = client.get(response["Location"], HTTP_HOST=host)
        answers.append((response.status_code, response["Location"], done.status_code, done.content))
    assert len(set(answers)) == 1 and answers[0][0] == 302
    assert "已是本工会会员" not in answers[0][3].decode()
    # The pending application was not overwritten; the member's re-application is flagged for the officer.
    assert sorted(_flags(world.u1)) == sorted(
        [
            ("张三", pending_number[-4:], False),
            ("张三丰", member_number[-4:], True),
            ("张三丰", new_number[-4:], False),
        ]
    )


def _flags(union):
    from recruitment.models import Application
    from recruitment.selectors import with_already_member

    with schema_context(union.schema_name):
        rows = with_already_member(Application.objects.all()).values_list(
            "name", "id_number_masked", "already_member"
        )
        return [(name, masked[-4:], flag) for name, masked, flag in rows]


@pytest.mark.parametrize(
    "case, status, message",
    [
        ("expired", 410, "该入会链接已过期"),
        ("forged", 404, "入会链接无效"),
        ("other_union", 404, "入会链接无效"),
    ],
)
def test_bad_links_show_a_chinese_error_page_and_accept_nothing(
    world, link_for, client, case, status, message
):
    from drives.services import drive_update

    token = link_for(world.drive, world.u1)
    host = world.host(world.u1.slug)
    if case == "expired":
        drive_update(
            drive=world.drive,
            starts_on=world.today - timedelta(days=9),
            ends_on=world.today - timedelta(days=1),
        )
    elif case == "forged":
        token = token[:-3] + "xyz"
    else:
        host = world.host(world.u2.slug)
    page = client.get(f"/join/{token}/", HTTP_HOST=host, HTTP_USER_AGENT=PHONE_UA)
    assert page.status_code == status and message in page.content.decode()
    posted = Client().post(
        f"/join/{token}/",
        {
            "name": "张三",
            "id_number": resident_id(),
            "phone": "13800138000",
            "employment_type": "regular",
            "consent": "on",
        },
        HTTP_HOST=host,
    )
    assert posted.status_code == status
    assert _applications(world.u1) == [] and _applications(world.u2) == []


def test_public_host_serves_no_joining_form(world, link_for, client):
    response = client.get(f"/join/{link_for(world.drive, world.u1)}/", HTTP_HOST="testserver")
    assert response.status_code == 404


@override_settings(
    UNIONHUB_JOIN_RATE_LIMITS={"window_seconds": 60, "per_link_address": 3, "per_link": 5, "per_address": 100}
)
def test_rate_limits_per_link_and_address(world, link_for, client):
    host, token = world.host(world.u1.slug), link_for(world.drive, world.u1)
    statuses = [_submit(client, host, token, phone="1380013800").status_code for _ in range(3)]
    assert statuses == [400, 400, 400]  # bad input counts as an attempt too
    limited = _submit(client, host, token)
    assert limited.status_code == 429 and "提交过于频繁，请稍后再试" in limited.content.decode()
    assert _applications(world.u1) == []

    # Another link from the same address is not affected; another address on the same link is, until the link's
    # own limit (5 attempts a minute, from any address) is used up.
    assert _submit(client, host, link_for(world.drive, world.u1, world.b2)).status_code == 302
    assert _submit(client, host, token, address="10.0.0.9").status_code == 302  # 5th attempt on the link
    assert _submit(client, host, token, address="10.0.0.10").status_code == 429  # 6th
    assert len(_applications(world.u1)) == 2


@override_settings(
    UNIONHUB_JOIN_RATE_LIMITS={
        "window_seconds": 60,
        "per_link_address": 100,
        "per_link": 100,
        "per_address": 2,
    }
)
def test_forged_tokens_count_against_the_address(world, link_for, client):
    host = world.host(world.u1.slug)
    gql_client = Client()
    body = {
        "name": "张三",
        "idNumber": resident_id(),
        "phone": "13800138000",
        "employmentType": "regular",
        "consent": True,
    }
    query = "mutation($t: String!, $i: JoinInput!) { joinByLink(token: $t, input: $i) { ok errors { field code } } }"
    for expected in ("invalid_token", "invalid_token", "rate_limited"):
        data = gql(gql_client, host, query, {"t": "forged", "i": body})
        assert data["joinByLink"]["errors"][-1]["code"] == expected
    data = gql(gql_client, host, query, {"t": link_for(world.drive, world.u1), "i": body})
    assert data["joinByLink"]["errors"] == [{"field": None, "code": "rate_limited"}]
    assert _applications(world.u1) == []
