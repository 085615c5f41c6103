"""The reason for a grade, in Chinese, from the engine's reason code and parameters."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from . import engine
from .models import GradeCode


def _percent(value: str) -> str:
    if not value:
        return _("无数据")
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def _grade_name(code: str, names: dict[str, str]) -> str:
    return names.get(code) or (GradeCode(code).label if code in GradeCode.values else code)


def _gate_text(gate: str, actual: str, required: str, names: dict[str, str]) -> str:
    if gate == engine.GATE_JOIN_RATE:
        return _("入会率 %(actual)s 未达到 %(required)s") % {
            "actual": _percent(actual),
            "required": _percent(required),
        }
    if gate == engine.GATE_SATISFACTION:
        return _("会员满意率（含基本满意）%(actual)s 未达到 %(required)s") % {
            "actual": _percent(actual),
            "required": _percent(required),
        }
    if gate == engine.GATE_PARTICIPATION:
        return _("会员评家参评率 %(actual)s 低于 %(required)s，满意率不予认定") % {
            "actual": _percent(actual),
            "required": _percent(required),
        }
    return _("尚未获得下一级工会授予的%(required)s称号") % {"required": _grade_name(required, names)}


def describe(outcome: engine.Outcome, grade_names: dict[str, str]) -> str:
    p = outcome.reason_params
    code = outcome.reason_code
    if code == engine.VETO:
        return _("一票否决：%(reasons)s") % {"reasons": "；".join(p["reasons"])}
    if code == engine.PREREQUISITE_FAILED:
        return _("前置条件未达标（%(items)s），不具备评定资格") % {"items": "、".join(p["items"])}
    if code == engine.MANDATORY_FAILED:
        return _("必备项未达标（%(items)s），不予评定等级") % {"items": "、".join(p["items"])}
    if code == engine.NO_GRADES:
        return _("该标准未设置等级")
    if code == engine.BELOW_THRESHOLD:
        return _("总分 %(total)s 分，未达到%(grade)s的最低分") % {
            "total": p["total"],
            "grade": _grade_name(p["lowest"], grade_names),
        }
    blocked = ""
    if "blocked_grade" in p:
        blocked = _("%(gate)s，不能评为%(grade)s") % {
            "gate": _gate_text(p["blocked_gate"], p["blocked_actual"], p["blocked_required"], grade_names),
            "grade": _grade_name(p["blocked_grade"], grade_names),
        }
    if code == engine.GRADED_OK:
        text = _("总分 %(total)s 分，评为%(grade)s") % {
            "total": p["total"],
            "grade": _grade_name(p["grade"], grade_names),
        }
        return f"{text}（{blocked}）" if blocked else text
    return blocked
