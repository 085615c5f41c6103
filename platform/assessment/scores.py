"""Validating a score against its item (shared by self-assessment and inspection)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from unionhub.errors import FieldError

from .models import ScoringMethod, StandardItem

CENT = Decimal("0.01")


def as_decimal(value) -> Decimal | None:
    """Decimal from a Decimal, int or numeric string; None when it is not a finite number (floats refused)."""
    if isinstance(value, bool) or isinstance(value, float):
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if number.is_finite() else None


def item_score_error(item: StandardItem, value, field: str) -> FieldError | None:
    """None when `value` is a valid score for `item`, else the field error."""
    score = as_decimal(value)
    if score is None:
        return FieldError(field, "invalid", _("条目 %(code)s 的得分不是有效数字。") % {"code": item.code})
    if score < 0:
        return FieldError(field, "min_value", _("条目 %(code)s 的得分不能小于 0。") % {"code": item.code})
    if score > item.max_points:
        return FieldError(
            field,
            "max_value",
            _("条目 %(code)s 的得分不能超过该条目分值 %(max)s 分。")
            % {"code": item.code, "max": item.max_points},
        )
    if score != score.quantize(CENT):
        return FieldError(
            field, "decimal_places", _("条目 %(code)s 的得分最多保留两位小数。") % {"code": item.code}
        )
    if item.method in (ScoringMethod.FULL_OR_ZERO, ScoringMethod.PREREQUISITE) and score not in (
        Decimal(0),
        item.max_points,
    ):
        return FieldError(
            field,
            "full_or_zero",
            _("条目 %(code)s 只能得满分 %(max)s 分或 0 分。") % {"code": item.code, "max": item.max_points},
        )
    if item.method == ScoringMethod.GRADED and item.step and score % item.step != 0:
        return FieldError(
            field,
            "step",
            _("条目 %(code)s 的得分须为 %(step)s 分的整数倍。") % {"code": item.code, "step": item.step},
        )
    return None
