"""Identity numbers (GB 11643 公民身份号码 and the documents that share its format), and how they are kept.

Formats accepted, all 18 characters with a MOD 11-2 check character (ISO 7064):
- resident identity card: 6-digit area code (province 11-65), birth date YYYYMMDD, 3-digit sequence, check;
- legacy 15-digit resident numbers (birth year without "19", no check character): upgraded to 18;
- Hong Kong / Macao / Taiwan residents' residence permits: area code 810000 / 820000 / 830000;
- foreigners' permanent residence identity card, new format: "9", 2-digit province code of the issuing office,
  3-digit nationality code, birth date, sequence, check.
The 17th digit is odd for men and even for women in all of them.

Never stored in clear: `seal()` gives the four stored forms together (`people.models.SealedIdentity`, the fields
every table keeping an identity number has): the keyed hash (HMAC, same key in every union) that finds the person,
the encryption (`unionhub.secrets`' key ring) kept for the audited reveal (`id_decrypt`), the masked form screens
show and the last four characters searched by.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError
from unionhub.secrets import secret_decrypt, secret_encrypt

FIELD = "id_number"

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

# Province-level codes of GB/T 2260 (mainland). 71 (Taiwan) is listed there but never issued on resident cards.
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
    }
)  # fmt: skip
# Residence permits for residents of Hong Kong, Macao and Taiwan carry one fixed area code each.
PERMIT_AREA_CODES = {"81": "810000", "82": "820000", "83": "830000"}

KIND_RESIDENT = "resident"
KIND_HMT_PERMIT = "hmt_permit"
KIND_FOREIGN_PERMANENT = "foreign_permanent"

EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class IdentityNumber:
    number: str  # normalised: 18 characters, upper-case X
    kind: str  # resident / hmt_permit / foreign_permanent (membership.models.IdKind values)
    birth_date: date
    sex: str  # "male" / "female" (membership.models.Sex values)
    area_code: str


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _error(code: str, message) -> DomainValidationError:
    return DomainValidationError.single(FIELD, code, message)


def _birth_date(text: str, *, today: date) -> date:
    try:
        born = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise _error("invalid_birth_date", _("身份证号码中的出生日期不存在。")) from None
    if born > today:
        raise _error("birth_date_in_future", _("身份证号码中的出生日期晚于今天。"))
    if born < EARLIEST_BIRTH:
        raise _error("birth_date_too_early", _("身份证号码中的出生日期早于1900年。"))
    return born


def parse_identity_number(raw, *, today: date | None = None) -> IdentityNumber:
    """Validate and normalise an identity number; DomainValidationError on field "id_number" otherwise."""
    text = "".join(str(raw or "").split()).upper()
    if not text:
        raise _error("required", _("请填写身份证号码。"))
    if len(text) == 15:
        if not text.isascii() or not text.isdigit():
            raise _error("invalid_characters", _("15位身份证号码只能由数字组成。"))
        # Legacy numbers: the year is two digits (all 19xx) and there is no check character.
        first17 = text[:6] + "19" + text[6:]
        text = first17 + check_character(first17)
        upgraded = True
    elif len(text) == 18:
        upgraded = False
    else:
        raise _error("invalid_length", _("身份证号码应为18位（旧版15位）。"))

    first17 = text[:17]
    if not (first17.isascii() and first17.isdigit()) or text[17] not in "0123456789X":
        raise _error("invalid_characters", _("身份证号码前17位应为数字，最后一位为数字或X。"))

    today = today or timezone.localdate()
    if text[0] == "9" and not upgraded:
        kind = KIND_FOREIGN_PERMANENT
        if text[1:3] not in PROVINCE_CODES:
            raise _error("invalid_area_code", _("外国人永久居留身份证号码中的受理地代码无效。"))
    elif text[:2] in PERMIT_AREA_CODES and not upgraded:
        kind = KIND_HMT_PERMIT
        if text[:6] != PERMIT_AREA_CODES[text[:2]]:
            raise _error("invalid_area_code", _("港澳台居民居住证号码的地址码应为810000、820000或830000。"))
    else:
        kind = KIND_RESIDENT
        if text[:2] not in PROVINCE_CODES:
            raise _error("invalid_area_code", _("身份证号码中的地址码（省份）无效。"))

    born = _birth_date(text[6:14], today=today)
    if not upgraded and text[17] != check_character(first17):
        raise _error("invalid_check_character", _("身份证号码校验位不正确，请核对后重新输入。"))
    sex = "male" if int(text[16]) % 2 == 1 else "female"
    return IdentityNumber(number=text, kind=kind, birth_date=born, sex=sex, area_code=text[:6])


def mask_id(number: str) -> str:
    """ "110105199001010123" -> "110105********0123": area code and last four only."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


# --- keyed hash -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _hmac_key(secret: str) -> bytes:
    return secret.encode()


def id_hash(number: str) -> str:
    """HMAC-SHA256 of the normalised number, hex. The same key in every union, so a person is found anywhere."""
    return hmac.new(_hmac_key(settings.UNIONHUB_PII_HMAC_KEY), number.encode(), hashlib.sha256).hexdigest()


# --- the stored forms -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    """An identity number as stored: the fields of people.models.SealedIdentity."""

    encrypted: str
    masked: str
    hash: str
    last4: str

    def fields(self) -> dict[str, str]:
        return {
            "id_number_encrypted": self.encrypted,
            "id_number_masked": self.masked,
            "id_hash": self.hash,
            "id_last4": self.last4,
        }


def seal(number: str) -> Sealed:
    """The stored forms of a normalised number (`parse_identity_number(...).number`)."""
    return Sealed(
        encrypted=secret_encrypt(number), masked=mask_id(number), hash=id_hash(number), last4=number[-4:]
    )


def id_decrypt(token: str) -> str:
    """The number in clear, for the audited reveal and for copying a person to another union only."""
    return secret_decrypt(token)
