"""Sign-in is rate-limited (accounts.login): failed attempts per user name and address, per user name, per address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from accounts.services import user_create

PASSWORD = "Chuntian-lai-le-2024"
LIMITS = {"window_seconds": 300, "per_user_address": 3, "per_user": 5, "per_address": 8}


@pytest.fixture
def user(db):
    return user_create(username="lihua", password=PASSWORD, full_name="李华")


def attempt(password: str, *, username: str = "lihua", address: str = "10.1.1.1", url="/accounts/login/"):
    client = Client()  # CSRF is proven in tests/accounts/test_login.py; each attempt is a fresh browser
    response = client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)
    return response, client


def signed_in(client) -> bool:
    return client.session.get("_auth_user_id") is not None


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_after_three_failures_even_the_right_password_is_refused_from_that_address(user):
    for _ in range(3):
        response, _client = attempt("wrong-password-1")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    response, client = attempt(PASSWORD)
    assert response.status_code == 429
    assert "登录失败次数过多，请稍后再试。" in response.content.decode()
    assert not signed_in(client)
    # Another address may still sign in (until the per-user limit, which counts every address).
    response, client = attempt(PASSWORD, address="10.1.1.2")
    assert response.status_code == 302 and signed_in(client)


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_guessing_one_account_from_many_addresses_hits_the_per_user_limit(user):
    for i in range(5):
        assert attempt("wrong-password-1", address=f"10.2.0.{i}")[0].status_code == 200
    response, client = attempt(PASSWORD, address="10.2.0.99")
    assert response.status_code == 429 and not signed_in(client)


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_trying_many_accounts_from_one_address_hits_the_per_address_limit(user):
    for i in range(8):
        assert attempt("whatever-123", username=f"nobody{i}")[0].status_code == 200
    response, client = attempt(PASSWORD)
    assert response.status_code == 429 and not signed_in(client)


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_successful_sign_ins_are_not_counted(user):
    for _ in range(6):
        response, client = attempt(PASSWORD)
        assert response.status_code == 302 and signed_in(client)


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_user_names_differing_in_case_share_a_counter(user):
    for name in ("LiHua", "LIHUA", "lihua"):
        attempt("wrong-password-1", username=name)
    assert attempt(PASSWORD)[0].status_code == 429


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_the_admin_sign_in_is_limited_too(db):
    from accounts.models import User

    User.objects.create_superuser(username="ops", password=PASSWORD)
    for _ in range(3):
        assert attempt("wrong-password-1", username="ops", url="/admin/login/")[0].status_code == 200
    response, client = attempt(PASSWORD, username="ops", url="/admin/login/")
    assert "登录失败次数过多，请稍后再试。" in response.content.decode()
    assert not signed_in(client)


@override_settings(UNIONHUB_LOGIN_RATE_LIMITS=LIMITS)
def test_unicode_variants_of_the_user_name_share_its_counters(user):
    # Authentication compares NFKC-normalised names, so `ｌｉｈｕａ` (full-width) is the same account: its failures
    # must fill the same counters, or each variant would buy another round of guesses.
    for variant in ("lihua", "ｌihua", "ｌｉｈｕａ"):
        response, _client = attempt("wrong-password-1", username=variant)
        assert response.status_code == 200
    response, client = attempt(PASSWORD, username="lihua")
    assert response.status_code == 429 and not signed_in(client)
    response, client = attempt(PASSWORD, username="ｌihua")
    assert response.status_code == 429 and not signed_in(client)


@override_settings(UNIONHUB_PASSWORD_CHANGE_RATE_LIMITS={"window_seconds": 900, "per_user": 3})
def test_password_change_limits_wrong_old_passwords(user):
    # Someone holding a signed-in session (an unlocked computer, a stolen cookie) cannot guess the password there.
    client = Client()
    client.force_login(user)
    new = {"new_password1": "Xiatian-lai-le-2025", "new_password2": "Xiatian-lai-le-2025"}
    for _ in range(3):
        response = client.post("/accounts/password_change/", {"old_password": "wrong-guess-1", **new})
        assert response.status_code == 200
    response = client.post("/accounts/password_change/", {"old_password": PASSWORD, **new})
    assert response.status_code == 429
    assert "原密码错误次数过多，请稍后再试。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
