"""One-time codes of the member appraisal (会员评家), for rounds that verify respondents by SMS.

Name and identity number alone are known to the union's officers, who could answer for every member and stuff the
appraisal of their own union. In an SMS round the respondent also types a code sent to the member's phone on
record: six digits, valid CODE_MINUTES, at most CODE_ATTEMPTS wrong tries (counted in the cache, so a refused try
counts although its transaction rolls back), one code per member at a time; asking again within RESEND_SECONDS
sends nothing (the code sent stands).
Only a keyed hash of the code is stored. The phone number itself is union data: changing it is audited like
every member change (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError
from unionhub.sms import mask_phone, sms_send

from .models import AppraisalCode

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60
FIELD = "code"


def _hash(code: str, *, survey_id: int, person_hash: str) -> str:
    key = f"{settings.UNIONHUB_PII_HMAC_KEY}:appraisal-code".encode()
    return hmac.new(key, f"{survey_id}:{person_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def _attempts_key(survey_id: int, person_hash: str) -> str:
    return f"appraisal-code-attempts:{survey_id}:{person_hash}"


def code_send(*, survey, person_hash: str, phone: str, union_name: str, now=None) -> str:
    """Create (or replace) the member's code and text it to `phone`; returns the masked phone for the page."""
    now = now or timezone.now()
    if not phone:
        raise DomainValidationError.single(
            FIELD, "no_phone", _("您在工会登记的信息中没有手机号码，无法接收验证码，请联系工会核实。")
        )
    current = AppraisalCode.objects.select_for_update().filter(survey=survey, person_hash=person_hash).first()
    if current is not None and (now - current.sent_at).total_seconds() < RESEND_SECONDS:
        return mask_phone(phone)  # just sent: that code stands (a double click sends no second message)
    code = f"{secrets.randbelow(10**6):06d}"
    values = {
        "code_hash": _hash(code, survey_id=survey.pk, person_hash=person_hash),
        "sent_at": now,
        "expires_at": now + timedelta(minutes=CODE_MINUTES),
    }
    try:
        with transaction.atomic():
            AppraisalCode.objects.update_or_create(survey=survey, person_hash=person_hash, defaults=values)
    except IntegrityError:  # a concurrent request for the same member
        raise DomainValidationError.single(
            FIELD, "rate_limited", _("验证码已发送，请%(seconds)s秒后再试。") % {"seconds": RESEND_SECONDS}
        ) from None
    cache.delete(_attempts_key(survey.pk, person_hash))
    sms_send(
        phone,
        _(
            "【%(union)s】您的会员评家验证码为%(code)s，%(minutes)s分钟内有效。请勿告诉他人，包括工会工作人员。"
        )
        % {"union": union_name, "code": code, "minutes": CODE_MINUTES},
    )
    return mask_phone(phone)


def code_check(*, survey, person_hash: str, code, now=None) -> None:
    """Accept the member's current code once (it is deleted); a typed error on field "code" otherwise."""
    now = now or timezone.now()
    code = "".join(str(code or "").split())
    if not code:
        raise DomainValidationError.single(FIELD, "required", _("请填写短信验证码。"))
    wrong = DomainValidationError.single(FIELD, "invalid_code", _("验证码不正确或已过期，请重新获取。"))
    key = _attempts_key(survey.pk, person_hash)
    if (cache.get(key) or 0) >= CODE_ATTEMPTS:
        raise wrong
    stored = AppraisalCode.objects.select_for_update().filter(survey=survey, person_hash=person_hash).first()
    expected = stored.code_hash if stored is not None else ""
    if (
        stored is None
        or stored.expires_at < now
        or not hmac.compare_digest(expected, _hash(code, survey_id=survey.pk, person_hash=person_hash))
    ):
        cache.add(key, 0, timeout=CODE_MINUTES * 60)
        cache.incr(key)
        raise wrong
    stored.delete()
    cache.delete(key)
