"""user_create: Django's password validators become field errors; passwords are hashed with Argon2."""

import pytest
from django.contrib.auth.hashers import check_password
from django.test import override_settings

from accounts.models import User
from accounts.services import user_create
from unionhub.errors import DomainValidationError

from .helpers import make_user

GOOD_PASSWORD = "Chuntian-lai-le-2024"


def codes(exc_info, field):
    return {e.code for e in exc_info.value.errors if e.field == field}


def test_user_create_stores_a_usable_password(db):
    user = user_create(username=" zhangwei ", password=GOOD_PASSWORD, full_name="张伟", phone="13900001111")
    user.refresh_from_db()
    assert (user.username, user.full_name, user.phone, user.is_active) == (
        "zhangwei",
        "张伟",
        "13900001111",
        True,
    )
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in user.password


@pytest.mark.parametrize(
    "password, expected",
    [
        ("short1", {"password_too_short"}),
        ("12345678901234", {"password_entirely_numeric"}),
        ("password123", {"password_too_common"}),
        ("", {"password_too_short"}),
    ],
)
def test_weak_passwords_are_field_errors_in_chinese(db, password, expected):
    with pytest.raises(DomainValidationError) as exc_info:
        user_create(username="lisi", password=password)
    assert expected <= codes(exc_info, "password")
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in e.message) for e in exc_info.value.errors)
    assert not User.objects.filter(username="lisi").exists()


def test_password_similar_to_username_is_refused(db):
    with pytest.raises(DomainValidationError) as exc_info:
        user_create(username="wangjianguo2024", password="wangjianguo2024!")
    assert "password_too_similar" in codes(exc_info, "password")


def test_duplicate_username_and_bad_phone_are_reported_together(db):
    make_user("taken")
    with pytest.raises(DomainValidationError) as exc_info:
        user_create(username="taken", password=GOOD_PASSWORD, phone="12345")
    assert codes(exc_info, "username") == {"unique"}
    assert codes(exc_info, "phone") == {"invalid_phone"}
    assert User.objects.filter(username="taken").count() == 1


def test_username_is_required(db):
    with pytest.raises(DomainValidationError) as exc_info:
        user_create(username="  ", password=GOOD_PASSWORD)
    assert codes(exc_info, "username") == {"blank"}


def test_passwords_are_stored_with_argon2(db):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        user = user_create(username="argon", password=GOOD_PASSWORD)
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$")
        assert check_password(GOOD_PASSWORD, user.password)
