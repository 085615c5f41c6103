"""Assessment standards: content validation, drafts, publication and new versions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from federations.models import UnitType
from unionhub.errors import DomainValidationError, FieldError

from ..engine import RATE_PLACES
from ..models import (
    GRADE_RANK,
    GRADE_SCHEME,
    Grade,
    GradeCode,
    ScoringMethod,
    Standard,
    StandardItem,
    StandardSection,
    StandardStatus,
)
from ..scores import CENT, as_decimal
from .common import _actor_id, _error

# --- Standards -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    code: str
    text: str
    max_points: Decimal
    method: str = ScoringMethod.GRADED
    step: Decimal | None = None
    evidence_required: bool = False
    mandatory: bool = False
    pass_points: Decimal | None = None
    veto: bool = False
    bonus: bool = False
    spot_check: bool = False


@dataclass(frozen=True)
class SectionInput:
    title: str
    items: Sequence[ItemInput] = ()


@dataclass(frozen=True)
class GradeInput:
    code: str
    min_score: Decimal
    name: str = ""
    min_join_rate: Decimal | None = None
    min_satisfaction: Decimal | None = None
    requires_lower_title: bool = False
    validity_years: int = 3


@dataclass(frozen=True)
class StandardContent:
    code: str
    name: str
    year: int
    base_max_points: Decimal
    sections: Sequence[SectionInput]
    grades: Sequence[GradeInput]
    unit_types: Sequence[str] = ()
    applies_to_branches: bool = False
    bonus_cap: Decimal = Decimal(0)
    deduction_points: Decimal = Decimal(1)
    deduction_cap: Decimal = Decimal(0)


def _points_error(value, field: str, label, *, allow_none: bool = False, positive: bool = False):
    if value is None and allow_none:
        return None, None
    number = as_decimal(value)
    if number is None:
        return None, FieldError(field, "invalid", _("%(label)s不是有效数字。") % {"label": label})
    if number < 0 or (positive and number == 0):
        message = _("%(label)s须大于 0。") if positive else _("%(label)s不能小于 0。")
        return None, FieldError(field, "min_value", message % {"label": label})
    # The bound first: quantizing a huge number (1e309) raises InvalidOperation instead of answering.
    if number >= Decimal("1000000") or number != number.quantize(CENT):
        return None, FieldError(
            field, "invalid", _("%(label)s最多两位小数且小于 1000000。") % {"label": label}
        )
    return number, None


def _rate_error(value, field: str, label):
    if value is None:
        return None, None
    number = as_decimal(value)
    if number is None or number < 0 or number > 1 or number != number.quantize(RATE_PLACES):
        return None, FieldError(
            field, "invalid", _("%(label)s须为 0 到 1 之间的小数（如 0.9 表示 90%%）。") % {"label": label}
        )
    return number, None


def _content_errors(content: StandardContent) -> tuple[list[FieldError], dict]:
    """Validate a standard's content; returns (errors, cleaned numbers)."""
    errors: list[FieldError] = []
    clean: dict = {}
    if not content.code or len(content.code) > 50:
        errors.append(FieldError("code", "required", _("请填写标准代码（不超过50个字符）。")))
    if not content.name or len(content.name) > 200:
        errors.append(FieldError("name", "required", _("请填写标准名称（不超过200个字）。")))
    if (
        isinstance(content.year, bool)
        or not isinstance(content.year, int)
        or not 2000 <= content.year <= 2100
    ):
        errors.append(FieldError("year", "invalid", _("适用年度须为 2000 到 2100 之间的年份。")))
    bad_types = [t for t in content.unit_types if t not in UnitType.values]
    if bad_types:
        errors.append(
            FieldError(
                "unit_types", "invalid_choice", _("未知的单位类型：%(value)s") % {"value": bad_types[0]}
            )
        )
    for name, label, positive in (
        ("base_max_points", _("基础满分"), True),
        ("bonus_cap", _("加分上限"), False),
        ("deduction_points", _("每次抽查扣分"), False),
        ("deduction_cap", _("扣分上限"), False),
    ):
        clean[name], error = _points_error(getattr(content, name), name, label, positive=positive)
        if error:
            errors.append(error)
    if not content.sections:
        errors.append(FieldError("sections", "required", _("考核标准至少需要一个大项。")))
    codes: set[str] = set()
    base_sum = Decimal(0)
    bonus_sum = Decimal(0)
    clean_items: dict[tuple[int, int], dict] = {}
    for s_index, section in enumerate(content.sections):
        prefix = f"sections.{s_index}"
        if not section.title or len(section.title) > 200:
            errors.append(FieldError(f"{prefix}.title", "required", _("请填写大项名称（不超过200个字）。")))
        if not section.items:
            errors.append(FieldError(f"{prefix}.items", "required", _("每个大项至少需要一个条目。")))
        for i_index, item in enumerate(section.items):
            field = f"{prefix}.items.{i_index}"
            if not item.code or len(item.code) > 20:
                errors.append(
                    FieldError(f"{field}.code", "required", _("请填写条目编号（不超过20个字符）。"))
                )
            elif item.code in codes:
                errors.append(
                    FieldError(
                        f"{field}.code", "duplicate", _("条目编号 %(code)s 重复。") % {"code": item.code}
                    )
                )
            codes.add(item.code)
            if not item.text or len(item.text) > 1000:
                errors.append(
                    FieldError(f"{field}.text", "required", _("请填写考核内容（不超过1000个字）。"))
                )
            if item.method not in ScoringMethod.values:
                errors.append(FieldError(f"{field}.method", "invalid_choice", _("请选择有效的评分方式。")))
            max_points, error = _points_error(item.max_points, f"{field}.max_points", _("分值"))
            if error:
                errors.append(error)
                continue
            step, error = _points_error(
                item.step, f"{field}.step", _("评分步长"), allow_none=True, positive=True
            )
            if error:
                errors.append(error)
            pass_points, error = _points_error(
                item.pass_points, f"{field}.pass_points", _("必备项合格分"), allow_none=True
            )
            if error:
                errors.append(error)
            elif pass_points is not None and (not item.mandatory or pass_points > max_points):
                errors.append(
                    FieldError(
                        f"{field}.pass_points", "invalid", _("合格分只适用于必备项，且不能超过条目分值。")
                    )
                )
            if item.bonus and (item.mandatory or item.method == ScoringMethod.PREREQUISITE):
                errors.append(
                    FieldError(f"{field}.bonus", "invalid", _("加分项不能同时是必备项或前置条件。"))
                )
            if item.method != ScoringMethod.GRADED and step is not None:
                errors.append(
                    FieldError(f"{field}.step", "invalid", _("只有按档评分的条目可以设置评分步长。"))
                )
            if step is not None and max_points % step != 0:
                errors.append(FieldError(f"{field}.step", "invalid", _("条目分值须为评分步长的整数倍。")))
            if item.bonus:
                bonus_sum += max_points
            else:
                base_sum += max_points
            clean_items[(s_index, i_index)] = {
                "max_points": max_points,
                "step": step,
                "pass_points": pass_points,
            }
    base_max = clean.get("base_max_points")
    if base_max is not None and codes and base_sum != base_max:
        errors.append(
            FieldError(
                "base_max_points",
                "sum_mismatch",
                _("各条目（不含加分项）分值合计 %(sum)s 分，与基础满分 %(max)s 分不一致。")
                % {"sum": base_sum, "max": base_max},
            )
        )
    if clean.get("bonus_cap") and bonus_sum == 0:
        errors.append(FieldError("bonus_cap", "no_bonus_items", _("设置了加分上限，但没有加分项。")))
    clean["items"] = clean_items
    clean["grades"] = _grade_errors(content, errors, base_max, clean.get("bonus_cap"))
    return errors, clean


def _grade_errors(content: StandardContent, errors: list[FieldError], base_max, bonus_cap) -> list[dict]:
    if not content.grades:
        errors.append(FieldError("grades", "required", _("请至少设置一个等级。")))
        return []
    codes = [g.code for g in content.grades]
    unknown = [c for c in codes if c not in GradeCode.values]
    if unknown:
        errors.append(
            FieldError("grades", "invalid_choice", _("未知的等级：%(value)s") % {"value": unknown[0]})
        )
        return []
    schemes = {GRADE_SCHEME[c] for c in codes}
    if len(schemes) > 1:
        errors.append(
            FieldError("grades", "mixed", _("同一标准不能混用“合格/先进/模范”和星级两种等级体系。"))
        )
        return []
    if len(set(codes)) != len(codes):
        errors.append(FieldError("grades", "duplicate", _("等级不能重复。")))
        return []
    cleaned: list[dict] = []
    ordered = sorted(enumerate(content.grades), key=lambda pair: GRADE_RANK[pair[1].code])
    previous_min = None
    for rank, (index, grade) in enumerate(ordered, start=1):
        field = f"grades.{index}"
        min_score, error = _points_error(grade.min_score, f"{field}.min_score", _("等级最低得分"))
        if error:
            errors.append(error)
            continue
        if base_max is not None and min_score > base_max + (bonus_cap or 0):
            errors.append(
                FieldError(f"{field}.min_score", "max_value", _("等级最低得分不能超过满分（含加分）。"))
            )
        if previous_min is not None and min_score < previous_min:
            errors.append(
                FieldError(f"{field}.min_score", "order", _("较高等级的最低得分不能低于较低等级。"))
            )
        previous_min = min_score
        join_rate, error = _rate_error(grade.min_join_rate, f"{field}.min_join_rate", _("入会率下限"))
        if error:
            errors.append(error)
        satisfaction, error = _rate_error(
            grade.min_satisfaction, f"{field}.min_satisfaction", _("会员满意率下限")
        )
        if error:
            errors.append(error)
        if grade.requires_lower_title and rank == 1:
            errors.append(
                FieldError(
                    f"{field}.requires_lower_title", "invalid", _("最低等级没有下一级称号可作为前提。")
                )
            )
        if (
            isinstance(grade.validity_years, bool)
            or not isinstance(grade.validity_years, int)
            or not (1 <= grade.validity_years <= 10)
        ):
            errors.append(FieldError(f"{field}.validity_years", "invalid", _("称号有效期须为 1 到 10 年。")))
        cleaned.append(
            {
                "code": grade.code,
                "name": grade.name or GradeCode(grade.code).label,
                "rank": rank,
                "min_score": min_score,
                "min_join_rate": join_rate,
                "min_satisfaction": satisfaction,
                "requires_lower_title": bool(grade.requires_lower_title),
                "validity_years": grade.validity_years,
            }
        )
    return cleaned


def _write_content(standard: Standard, content: StandardContent, clean: dict) -> None:
    StandardItem.objects.filter(standard=standard).delete()
    StandardSection.objects.filter(standard=standard).delete()
    Grade.objects.filter(standard=standard).delete()
    position = 0
    items: list[StandardItem] = []
    for s_index, section_input in enumerate(content.sections):
        section = StandardSection.objects.create(
            standard=standard, position=s_index + 1, title=section_input.title
        )
        for i_index, item in enumerate(section_input.items):
            position += 1
            numbers = clean["items"][(s_index, i_index)]
            items.append(
                StandardItem(
                    standard=standard,
                    section=section,
                    position=position,
                    code=item.code,
                    text=item.text,
                    max_points=numbers["max_points"],
                    method=item.method,
                    step=numbers["step"],
                    evidence_required=bool(item.evidence_required),
                    mandatory=bool(item.mandatory),
                    pass_points=numbers["pass_points"],
                    veto=bool(item.veto),
                    bonus=bool(item.bonus),
                    spot_check=bool(item.spot_check),
                )
            )
    StandardItem.objects.bulk_create(items)
    Grade.objects.bulk_create([Grade(standard=standard, **grade) for grade in clean["grades"]])


def _apply_header(standard: Standard, content: StandardContent, clean: dict) -> None:
    standard.code = content.code
    standard.name = content.name
    standard.year = content.year
    standard.unit_types = sorted(set(content.unit_types))
    standard.applies_to_branches = bool(content.applies_to_branches)
    for name in ("base_max_points", "bonus_cap", "deduction_points", "deduction_cap"):
        setattr(standard, name, clean[name])


def standard_create(*, issuer, content: StandardContent, actor) -> Standard:
    """A new standard (version 1) as a draft."""
    errors, clean = _content_errors(content)
    if not errors and Standard.objects.filter(issuer=issuer, code=content.code).exists():
        errors.append(
            FieldError(
                "code",
                "duplicate",
                _("本单位已有代码为 %(code)s 的标准，请发布新版本。") % {"code": content.code},
            )
        )
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        standard = Standard(issuer=issuer, version=1, created_by_id=_actor_id(actor))
        _apply_header(standard, content, clean)
        standard.save()
        _write_content(standard, content, clean)
    return standard


def _locked_standard(standard: Standard) -> Standard:
    return Standard.objects.select_for_update().get(pk=standard.pk)


def _check_draft(standard: Standard) -> None:
    if standard.status == StandardStatus.PUBLISHED:
        raise _error(
            "standard",
            "published",
            _("该考核标准已发布，不能修改；如需调整请基于它创建新版本。"),
        )


def standard_update(*, standard: Standard, content: StandardContent, actor) -> Standard:
    """Replace a draft's content. A published standard is immutable: refused."""
    with transaction.atomic():
        row = _locked_standard(standard)
        _check_draft(row)
        errors, clean = _content_errors(content)
        if content.code != row.code:
            errors.append(FieldError("code", "immutable", _("标准代码不能修改。")))
        if errors:
            raise DomainValidationError(errors)
        _apply_header(row, content, clean)
        row.save()
        _write_content(row, content, clean)
    return row


def standard_publish(*, standard: Standard, actor, at) -> Standard:
    with transaction.atomic():
        row = _locked_standard(standard)
        _check_draft(row)
        row.status = StandardStatus.PUBLISHED
        row.published_at = at
        row.save(update_fields=["status", "published_at"])
    return row


def standard_new_version(*, standard: Standard, actor) -> Standard:
    """A new draft version copied from `standard` (the way to change a published standard)."""
    with transaction.atomic():
        # Lock the family so two new versions cannot take the same number.
        family = list(
            Standard.objects.select_for_update().filter(issuer_id=standard.issuer_id, code=standard.code)
        )
        if any(s.status == StandardStatus.DRAFT for s in family):
            raise _error("standard", "draft_exists", _("该标准已有未发布的草稿版本，请先编辑或发布该草稿。"))
        new = Standard.objects.get(pk=standard.pk)
        old_id = new.pk
        new.pk = None
        new.version = max(s.version for s in family) + 1
        new.previous_id = old_id
        new.status = StandardStatus.DRAFT
        new.published_at = None
        new.created_by_id = _actor_id(actor)
        new.save(force_insert=True)
        section_map = {}
        for section in StandardSection.objects.filter(standard_id=old_id):
            section_map[section.pk] = StandardSection.objects.create(
                standard=new, position=section.position, title=section.title
            )
        items = []
        for item in StandardItem.objects.filter(standard_id=old_id):
            item.pk = None
            item.standard = new
            item.section = section_map[item.section_id]
            items.append(item)
        StandardItem.objects.bulk_create(items)
        grades = []
        for grade in Grade.objects.filter(standard_id=old_id):
            grade.pk = None
            grade.standard = new
            grades.append(grade)
        Grade.objects.bulk_create(grades)
    return new
