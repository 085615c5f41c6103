"""Identity numbers (GB 11643 and the documents sharing its format): published examples, bad input, storage."""

from __future__ import annotations

from datetime import date

import pytest

from people.identity import check_character, id_decrypt, id_hash, mask_id, parse_identity_number, seal
from unionhub.errors import DomainValidationError
from unionhub.secrets import derived_dev_key, secret_encrypt, secret_reencrypt

TODAY = date(2025, 6, 1)


def with_check(first17: str) -> str:
    return first17 + check_character(first17)


def error_code(raw, today=TODAY) -> str:
    with pytest.raises(DomainValidationError) as caught:
        parse_identity_number(raw, today=today)
    (error,) = caught.value.errors
    assert error.field == "id_number"
    assert error.message and error.message.isascii() is False  # a Chinese message for the user
    return error.code


def test_the_standards_own_example_with_an_x_check_character():
    # GB 11643-1999 appendix example: Beijing Chaoyang, born 1949-12-31, sequence 002 (female), check X.
    parsed = parse_identity_number("11010519491231002X", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.kind == "resident"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "female"
    assert parsed.area_code == "110105"


def test_the_standards_second_example_and_lower_case_x_and_spaces():
    # GB 11643-1999 appendix: 440524188001010014 (Guangdong Shantou, born 1880 - before our 1900 floor).
    assert check_character("44052418800101001") == "4"
    assert error_code("440524188001010014") == "birth_date_too_early"
    parsed = parse_identity_number(" 1101051949 1231002x ", today=TODAY)
    assert parsed.number == "11010519491231002X"


def test_check_characters_follow_mod_11_2():
    # Sum of weights * digits for 11010519491231002 is 167; 167 mod 11 = 2 -> "X".
    assert check_character("11010519491231002") == "X"
    assert check_character("44052418800101001") == "4"
    # Every remainder maps as 1 0 X 9 8 7 6 5 4 3 2.
    seen = {check_character(f"1101051990010100{d}") for d in range(10)}
    assert seen <= set("10X98765432")


def test_legacy_15_digit_numbers_are_upgraded():
    parsed = parse_identity_number("110105491231002", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    male = parse_identity_number("330122850615013", today=TODAY)
    assert male.number == with_check("33012219850615013")
    assert male.sex == "male" and male.birth_date == date(1985, 6, 15)


@pytest.mark.parametrize(
    ("first17", "area"),
    [("81000019900101123", "810000"), ("82000019851120234", "820000"), ("83000020010228345", "830000")],
)
def test_hong_kong_macao_taiwan_residence_permits(first17, area):
    parsed = parse_identity_number(with_check(first17), today=TODAY)
    assert parsed.kind == "hmt_permit"
    assert parsed.area_code == area


def test_foreigners_permanent_residence_card_new_format():
    # 9 + province of the issuing office (11 Beijing) + nationality code (156 style, here 840) + birth + seq + check.
    parsed = parse_identity_number(with_check("91184019800512001"), today=TODAY)
    assert parsed.kind == "foreign_permanent"
    assert parsed.birth_date == date(1980, 5, 12)
    assert parsed.sex == "male"
    assert error_code(with_check("97084019800512001")) == "invalid_area_code"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("1101051949123100", "invalid_length"),
        ("11010519491231002X1", "invalid_length"),
        ("11010519491231002Y", "invalid_characters"),
        ("1101051949123X002X", "invalid_characters"),
        ("11010519491231002", "invalid_length"),
        ("110105194912310021", "invalid_check_character"),  # wrong check character (should be X)
        (with_check("11010519000230001"), "invalid_birth_date"),  # 1900-02-30 does not exist
        (with_check("11010519900231001"), "invalid_birth_date"),
        (with_check("11010519001301001"), "invalid_birth_date"),  # month 13
        (with_check("11010518991231001"), "birth_date_too_early"),
        (with_check("11010520250602001"), "birth_date_in_future"),  # the day after TODAY
        (with_check("99010519900101001"), "invalid_area_code"),  # 9 + province 90 does not exist
        (with_check("10010519900101001"), "invalid_area_code"),  # province 10 does not exist
        (with_check("71010019900101001"), "invalid_area_code"),  # Taiwan code on a resident card
        (with_check("81010019900101001"), "invalid_area_code"),  # permits use exactly 810000
        (with_check("66010519900101001"), "invalid_area_code"),
        ("11010549123100X", "invalid_characters"),  # 15-digit numbers have no check character
        ("810000901231002", "invalid_area_code"),  # no legacy permits
    ],
)
def test_bad_numbers_give_distinct_codes(raw, code):
    assert error_code(raw) == code


def test_a_real_birth_date_of_29_february_and_today():
    assert parse_identity_number(with_check("33012220000229002"), today=TODAY).birth_date == date(2000, 2, 29)
    assert error_code(with_check("33012219000229002")) == "invalid_birth_date"  # 1900 was not a leap year
    assert parse_identity_number(with_check("33012220250601002"), today=TODAY).birth_date == TODAY


def test_mask_hash_and_encryption():
    assert mask_id("110105199001010123") == "110105********0123"
    assert id_hash("11010519491231002X") == id_hash("11010519491231002X")
    assert id_hash("11010519491231002X") != id_hash("110105194912310021")
    assert len(id_hash("11010519491231002X")) == 64
    sealed = seal("11010519491231002X")
    assert "11010519491231002X" not in repr(sealed)
    assert id_decrypt(sealed.encrypted) == "11010519491231002X"
    assert sealed.hash == id_hash("11010519491231002X")
    assert (sealed.masked, sealed.last4) == ("110105********002X", "002X")


def test_hash_is_keyed(settings):
    before = id_hash("11010519491231002X")
    settings.UNIONHUB_PII_HMAC_KEY = "another-key"
    assert id_hash("11010519491231002X") != before


def test_key_rotation_first_key_encrypts_all_decrypt(settings):
    from cryptography.fernet import Fernet, InvalidToken

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [old_key]
    old_token = seal("11010519491231002X").encrypted
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key, old_key]
    assert id_decrypt(old_token) == "11010519491231002X"
    rotated = secret_reencrypt(old_token)
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = [new_key]
    assert id_decrypt(rotated) == "11010519491231002X"
    with pytest.raises(InvalidToken):
        id_decrypt(old_token)
    # Without configured keys a key derived from SECRET_KEY is used (development).
    settings.UNIONHUB_PII_ENCRYPTION_KEYS = []
    assert Fernet(derived_dev_key(settings.SECRET_KEY).encode()).decrypt(secret_encrypt("x").encode()) == b"x"
