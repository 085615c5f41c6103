"""Checks and helpers shared by the care services."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from modelworkers.models import (
    ModelWorker,
)
from unionhub.errors import DomainValidationError

NOTES_MAX = 2000
# Sanity bound on one amount (¥1,000,000): a typo in fen, not a real payment.
AMOUNT_MAX_FEN = 100_000_000
# Arbitrary constant namespacing this app's advisory locks (allowance rules of one node and level).
_RULE_LOCK_CLASS = 0x4D57


def _error(field: str, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field, code, message)


def _locked_worker(worker: ModelWorker) -> ModelWorker:
    return (
        ModelWorker.objects.select_for_update(of=("self",))
        .select_related("employing_union", "awarding_node")
        .get(pk=worker.pk)
    )


def _clean_text(value, field: str, label, limit: int = NOTES_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise _error(field, "too_long", _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": limit})
    return value


def _clean_amount(value, field: str = "amount_fen", *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(field, "invalid", _("金额应为以分计的整数。"))
    if value < 0 or (positive and value == 0):
        raise _error(
            field,
            "not_positive" if positive else "negative",
            _("金额必须大于0。") if positive else _("金额不能为负数。"),
        )
    if value > AMOUNT_MAX_FEN:
        raise _error(field, "too_large", _("金额超出上限（100万元）。"))
    return value


def _term_range_text(worker: ModelWorker) -> dict:
    return {
        "from": (worker.awarded_on + timedelta(days=1)).isoformat(),
        "to": worker.continuation_last_day.isoformat(),
    }
