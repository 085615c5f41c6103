"""Session login for the web UI: Chinese pages, CSRF enforced, logout by POST, password change, one login
across the public host and union hosts."""

import re

import pytest
from django.test import Client, override_settings

from accounts.services import user_create
from federations.services import union_host, union_provision
from tests.factories import union_kwargs

PASSWORD = "Chuntian-lai-le-2024"
PROBE = "/probe/whoami/"
probe_urls = override_settings(
    PUBLIC_SCHEMA_URLCONF="tests.accounts.probe_urls", ROOT_URLCONF="tests.accounts.probe_urls"
)


@pytest.fixture
def user(db):
    return user_create(username="zhangwei", password=PASSWORD, full_name="张伟")


def csrf_token(client, url):
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def login(client, username="zhangwei", password=PASSWORD):
    token = csrf_token(client, "/accounts/login/")
    return client.post(
        "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": token}
    )


def test_login_page_is_in_chinese(db):
    page = Client().get("/accounts/login/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录工会云" in html and "密码" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_without_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # has the CSRF cookie, but the form field is missing

    response = client.post("/accounts/login/", {"username": "zhangwei", "password": PASSWORD})

    assert response.status_code == 403
    assert logged_in_user_id(client) is None


def test_login_with_csrf_token_works(user):
    client = Client(enforce_csrf_checks=True)
    response = login(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == str(user.pk)


def test_wrong_password_shows_a_chinese_error(user):
    client = Client(enforce_csrf_checks=True)
    response = login(client, password="wrong-" + PASSWORD)
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_inactive_user_cannot_log_in(user):
    user.is_active = False
    user.save()
    client = Client(enforce_csrf_checks=True)
    assert login(client).status_code == 200
    assert logged_in_user_id(client) is None


def test_logout_is_post_only_and_needs_csrf(user):
    client = Client(enforce_csrf_checks=True)
    login(client)

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 403  # a cross-site form cannot log users out
    assert logged_in_user_id(client) == str(user.pk)

    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "您已安全退出" in response.content.decode()
    assert logged_in_user_id(client) is None


def test_password_change(user):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/accounts/password_change/").status_code == 302  # login first
    login(client)
    token = csrf_token(client, "/accounts/password_change/")
    new_password = "Xiatian-ye-lai-le-2025"

    weak = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "1234",
            "new_password2": "1234",
            "csrfmiddlewaretoken": token,
        },
    )
    assert weak.status_code == 200 and "修改密码" in weak.content.decode()
    changed = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": new_password,
            "new_password2": new_password,
            "csrfmiddlewaretoken": token,
        },
    )
    assert changed.status_code == 302 and changed["Location"] == "/accounts/password_change/done/"
    assert "密码已修改" in client.get(changed["Location"]).content.decode()
    assert logged_in_user_id(client) == str(user.pk)  # this session stays signed in

    user.refresh_from_db()
    assert user.check_password(new_password) and not user.check_password(PASSWORD)


@override_settings(SESSION_COOKIE_DOMAIN=".unionhub.localhost")
def test_session_cookie_carries_the_shared_domain(user):
    client = Client(enforce_csrf_checks=True)
    response = login(client)
    assert response.cookies["sessionid"]["domain"] == ".unionhub.localhost"
    assert response.cookies["csrftoken"]["domain"] == ""  # CSRF cookie stays host-only


@probe_urls
def test_one_login_is_recognised_on_union_hosts(user, county):
    from federations.middleware import forget_host

    union = union_provision(parent_node=county, **union_kwargs())
    forget_host()
    client = Client(enforce_csrf_checks=True)
    login(client)  # on the public host

    body = client.get(PROBE, HTTP_HOST=union_host(union.slug)).json()

    # Same identity on the union's host (sessions live in the public schema); no role there, so no rights.
    assert (body["union"], body["user"], body["union_manage"]) == (union.slug, "zhangwei", False)
