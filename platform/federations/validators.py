"""Validators for public identifiers used in the statistics: GB 32100 credit codes, division codes, slugs."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 characters (no I, O, S, V, Z); weights 3^i mod 31 for positions 1..17.
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code computed from the first 17."""
    total = sum(CREDIT_CODE_CHARSET.index(ch) * w for ch, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if not _CREDIT_CODE_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码应为18位，由数字和大写字母组成（不含I、O、S、V、Z）。"), code="invalid_format"
        )
    if credit_code_check_character(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对后重新填写。"), code="invalid_check_character"
        )


_DIVISION_CODE_RE = re.compile(r"^[1-9]\d{5}$")


def validate_division_code(value: str) -> None:
    if not _DIVISION_CODE_RE.match(value or ""):
        raise ValidationError(_("行政区划代码应为6位数字。"), code="invalid_division_code")


# A union's slug becomes its host label: lower-case letters, digits and single hyphens.
_SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,40}$")
RESERVED_SLUGS = frozenset(
    {"www", "api", "admin", "static", "media", "public", "template", "graphql", "mail"}
)


def validate_union_slug(value: str) -> None:
    if not _SLUG_RE.match(value or ""):
        raise ValidationError(
            _("统计代码只能包含小写字母、数字和连字符（-），长度2至41位，且不能以连字符开头或结尾。"),
            code="invalid_slug",
        )
    if value in RESERVED_SLUGS:
        raise ValidationError(_("该统计代码为系统保留字，请换一个。"), code="reserved_slug")
