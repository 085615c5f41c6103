"""Writing assessment data: standards, rounds, the tenant-facing copies (self scores, appraisal counts),
inspection, scoring and publication, titles and funding.

Every service validates before writing and runs in one transaction; bad input raises DomainValidationError
(Chinese message naming the field) with nothing written. Live facts (rollup) change in the same transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from rollup import indicators
from rollup.facts import facts_apply
from unionhub.errors import DomainValidationError, FieldError

from . import engine, facts, reasons, scoring
from .engine import RATE_PLACES
from .models import (
    GRADE_RANK,
    GRADE_SCHEME,
    Deduction,
    FundingAllocation,
    FundingFormula,
    FundingPool,
    Grade,
    GradeCode,
    InspectionScore,
    Result,
    Round,
    RoundParticipant,
    RoundStatus,
    ScoringMethod,
    Standard,
    StandardItem,
    StandardSection,
    StandardStatus,
    Title,
    TitleEvent,
    TitleEventKind,
    TitleStatus,
    VetoFinding,
)
from .scores import CENT, as_decimal, item_score_error


def _error(field: str, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field, code, message)


def _actor_id(actor) -> int | None:
    """User id of an accounts Actor, a User, or None."""
    user = getattr(actor, "user", actor)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


def _locked_participant(participant: RoundParticipant) -> RoundParticipant:
    return (
        RoundParticipant.objects.select_for_update(of=("self",))
        .select_related("round", "round__standard", "union")
        .get(pk=participant.pk)
    )


# --- Copies of the tenant side (called by selfassessment.services) -------------------------------------------


def participant_self_scores_submit(
    *, participant: RoundParticipant, scores: Mapping[str, Decimal], actor, at
) -> RoundParticipant:
    """Record the submitted self-assessment on the public row (locks it: one submit only).

    Every non-bonus item worth points needs a score; bonus items and zero-point veto items may be left out. Refused after the self-assessment
    deadline, after a previous submit, or once the round is scored.
    """
    with transaction.atomic():
        row = _locked_participant(participant)
        rnd = row.round
        if row.self_submitted_at is not None:
            raise _error("scores", "already_submitted", _("自评已提交，不能再次提交或修改。"))
        if rnd.status != RoundStatus.OPEN:
            raise _error("scores", "round_closed", _("该考核批次已评分或已公布，不能再提交自评。"))
        if at > rnd.self_assessment_due:
            raise _error("scores", "deadline_passed", _("已超过自评截止时间，不能再提交自评。"))
        items = {item.code: item for item in StandardItem.objects.filter(standard_id=rnd.standard_id)}
        errors: list[FieldError] = []
        clean: dict[str, str] = {}
        for code, value in scores.items():
            item = items.get(code)
            if item is None:
                errors.append(
                    FieldError(
                        f"scores.{code}", "unknown_item", _("考核标准中没有条目 %(code)s。") % {"code": code}
                    )
                )
                continue
            error = item_score_error(item, value, f"scores.{code}")
            if error:
                errors.append(error)
            else:
                clean[code] = str(as_decimal(value).quantize(CENT))
        for code, item in items.items():
            if code not in scores and not item.bonus and item.max_points > 0:
                errors.append(
                    FieldError(
                        f"scores.{code}", "required", _("请填写条目 %(code)s 的自评得分。") % {"code": code}
                    )
                )
        if errors:
            raise DomainValidationError(errors)
        row.self_scores = clean
        row.self_submitted_at = at
        row.self_submitted_by_id = _actor_id(actor)
        row.save(update_fields=["self_scores", "self_submitted_at", "self_submitted_by_id"])
        return row


def _check_appraisal_open(row: RoundParticipant, at) -> None:
    if row.round.status != RoundStatus.OPEN:
        raise _error("round", "round_closed", _("该考核批次已评分或已公布，会员评家已结束。"))
    if at > row.round.appraisal_due:
        raise _error("round", "deadline_passed", _("已超过会员评家截止时间。"))


def participant_appraisal_add(*, participant: RoundParticipant, satisfied: bool, at=None) -> None:
    """Count one member's appraisal response (会员评家); one atomic F() update plus the live facts.

    `at` (default now) is when the response came in; refused after the appraisal deadline."""
    with transaction.atomic():
        row = RoundParticipant.objects.select_related("round", "union").get(pk=participant.pk)
        _check_appraisal_open(row, at or timezone.now())
        satisfied_delta = 1 if satisfied else 0
        RoundParticipant.objects.filter(pk=row.pk).update(
            appraisal_responses=F("appraisal_responses") + 1,
            appraisal_satisfied=F("appraisal_satisfied") + satisfied_delta,
        )
        facts_apply(
            union=row.union,
            deltas=facts.appraisal_deltas(row, responses=1, satisfied=satisfied_delta),
        )


def participant_appraisal_invited_set(*, participant: RoundParticipant, invited: int) -> RoundParticipant:
    """Set how many members were invited to appraise (the participation denominator)."""
    if isinstance(invited, bool) or not isinstance(invited, int) or invited < 0:
        raise _error("invited", "invalid", _("受邀会员人数须为不小于 0 的整数。"))
    with transaction.atomic():
        row = _locked_participant(participant)
        if row.round.status == RoundStatus.PUBLISHED:
            raise _error("round", "round_closed", _("该考核批次已公布，不能再修改会员评家人数。"))
        delta = invited - row.appraisal_invited
        row.appraisal_invited = invited
        row.save(update_fields=["appraisal_invited"])
        facts_apply(union=row.union, deltas=facts.appraisal_deltas(row, invited=delta))
        return row


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
    from federations.models import UnitType

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
            grade.min_satisfaction, f"{field}.min_satisfaction", _("满意度下限")
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


# --- Rounds ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    union: object  # federations.Union
    branch_id: int = 0


def _branch_names(union, branch_ids: set[int]) -> dict[int, str]:
    from organisation.models import Branch

    if not branch_ids:
        return {}
    with schema_context(union.schema_name):
        return dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))


def _unit_errors(rnd_standard: Standard, organiser, units: Sequence[UnitRef], field: str = "units") -> list:
    from federations.models import UnionStatus

    errors: list[FieldError] = []
    seen: set[tuple[int, int]] = set()
    for index, unit in enumerate(units):
        union = unit.union
        key = (union.pk, int(unit.branch_id or 0))
        if key in seen:
            errors.append(
                FieldError(
                    f"{field}.{index}", "duplicate", _("参评单位 %(name)s 重复。") % {"name": union.name}
                )
            )
            continue
        seen.add(key)
        if not union.node_path.startswith(organiser.path):
            errors.append(
                FieldError(
                    f"{field}.{index}",
                    "out_of_scope",
                    _("%(name)s 不在本级工会管辖范围内。") % {"name": union.name},
                )
            )
        elif union.status != UnionStatus.ACTIVE:
            errors.append(
                FieldError(
                    f"{field}.{index}", "inactive", _("%(name)s 当前状态不能参评。") % {"name": union.name}
                )
            )
        elif rnd_standard.unit_types and union.unit_type not in rnd_standard.unit_types:
            errors.append(
                FieldError(
                    f"{field}.{index}",
                    "unit_type",
                    _("%(name)s 的单位类型不适用于该考核标准。") % {"name": union.name},
                )
            )
        if key[1] and not rnd_standard.applies_to_branches:
            errors.append(
                FieldError(
                    f"{field}.{index}", "branches_not_allowed", _("该考核标准不适用于职工小家（分会）。")
                )
            )
    return errors


def _participants_build(rnd: Round, units: Sequence[UnitRef], field: str) -> list[RoundParticipant]:
    by_union: dict[int, set[int]] = {}
    unions = {}
    for unit in units:
        unions[unit.union.pk] = unit.union
        if unit.branch_id:
            by_union.setdefault(unit.union.pk, set()).add(int(unit.branch_id))
    names: dict[tuple[int, int], str] = {}
    errors: list[FieldError] = []
    for union_id, branch_ids in by_union.items():
        found = _branch_names(unions[union_id], branch_ids)
        for branch_id in sorted(branch_ids - set(found)):
            errors.append(
                FieldError(
                    field,
                    "branch_not_found",
                    _("%(name)s 没有编号为 %(id)s 的分会。")
                    % {"name": unions[union_id].name, "id": branch_id},
                )
            )
        names.update({(union_id, b): n for b, n in found.items()})
    if errors:
        raise DomainValidationError(errors)
    return [
        RoundParticipant(
            round=rnd,
            union=unit.union,
            branch_id=int(unit.branch_id or 0),
            branch_name=names.get((unit.union.pk, int(unit.branch_id or 0)), ""),
            node_path=unit.union.node_path,
        )
        for unit in units
    ]


def round_open(
    *,
    organiser,
    standard: Standard,
    name: str,
    self_assessment_due,
    appraisal_due,
    inspection_due,
    units: Sequence[UnitRef],
    actor,
) -> Round:
    """Open a round on a published standard issued by the organiser or a federation above it."""
    errors: list[FieldError] = []
    if not name or len(name) > 200:
        errors.append(FieldError("name", "required", _("请填写批次名称（不超过200个字）。")))
    if standard.status != StandardStatus.PUBLISHED:
        errors.append(FieldError("standard", "not_published", _("只能使用已发布的考核标准开展考核。")))
    elif not organiser.path.startswith(standard.issuer.path):
        errors.append(FieldError("standard", "out_of_scope", _("只能使用本级或上级工会发布的考核标准。")))
    for field, value in (
        ("self_assessment_due", self_assessment_due),
        ("appraisal_due", appraisal_due),
        ("inspection_due", inspection_due),
    ):
        if value is None:
            errors.append(FieldError(field, "required", _("请填写截止时间。")))
    if self_assessment_due and inspection_due and inspection_due < self_assessment_due:
        errors.append(FieldError("inspection_due", "order", _("验收截止时间不能早于自评截止时间。")))
    if appraisal_due and inspection_due and inspection_due < appraisal_due:
        errors.append(FieldError("inspection_due", "order", _("验收截止时间不能早于会员评家截止时间。")))
    if not units:
        errors.append(FieldError("units", "required", _("请至少选择一个参评单位。")))
    if standard.status == StandardStatus.PUBLISHED:
        errors += _unit_errors(standard, organiser, units)
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        rnd = Round.objects.create(
            standard=standard,
            organiser=organiser,
            name=name,
            reporting_year=indicators.reporting_year(timezone.localdate(inspection_due)),
            self_assessment_due=self_assessment_due,
            appraisal_due=appraisal_due,
            inspection_due=inspection_due,
            created_by_id=_actor_id(actor),
        )
        RoundParticipant.objects.bulk_create(_participants_build(rnd, units, "units"))
    return rnd


def round_participants_add(*, round: Round, units: Sequence[UnitRef], actor) -> list[RoundParticipant]:
    with transaction.atomic():
        rnd = Round.objects.select_for_update().select_related("standard", "organiser").get(pk=round.pk)
        if rnd.status != RoundStatus.OPEN:
            raise _error("round", "round_closed", _("该考核批次已评分或已公布，不能再增加参评单位。"))
        if not units:
            raise _error("units", "required", _("请至少选择一个参评单位。"))
        errors = _unit_errors(rnd.standard, rnd.organiser, units)
        existing = set(RoundParticipant.objects.filter(round=rnd).values_list("union_id", "branch_id"))
        for index, unit in enumerate(units):
            if (unit.union.pk, int(unit.branch_id or 0)) in existing:
                errors.append(
                    FieldError(
                        f"units.{index}",
                        "duplicate",
                        _("%(name)s 已在本批次中。") % {"name": unit.union.name},
                    )
                )
        if errors:
            raise DomainValidationError(errors)
        return RoundParticipant.objects.bulk_create(_participants_build(rnd, units, "units"))


# --- Inspection (验收) -------------------------------------------------------------------------------------------


def _check_inspection_open(row: RoundParticipant, at) -> None:
    if row.round.status == RoundStatus.PUBLISHED:
        raise _error("participant", "round_closed", _("该考核批次结果已公布，不能再验收评分。"))
    if at > row.round.inspection_due:
        raise _error("participant", "deadline_passed", _("已超过验收截止时间，不能再验收评分。"))


def inspection_scores_set(
    *,
    participant: RoundParticipant,
    scores: Mapping[str, Decimal],
    notes: Mapping[str, str] | None = None,
    actor,
    at,
) -> list[InspectionScore]:
    """Record (or correct) an inspector's acceptance scores for some items; all or nothing."""
    notes = notes or {}
    with transaction.atomic():
        row = _locked_participant(participant)
        _check_inspection_open(row, at)
        if not scores:
            raise _error("scores", "required", _("请至少填写一个条目的验收得分。"))
        items = {item.code: item for item in StandardItem.objects.filter(standard_id=row.round.standard_id)}
        errors: list[FieldError] = []
        for code, value in scores.items():
            item = items.get(code)
            if item is None:
                errors.append(
                    FieldError(
                        f"scores.{code}", "unknown_item", _("考核标准中没有条目 %(code)s。") % {"code": code}
                    )
                )
                continue
            error = item_score_error(item, value, f"scores.{code}")
            if error:
                errors.append(error)
            if len(notes.get(code, "") or "") > 1000:
                errors.append(FieldError(f"notes.{code}", "too_long", _("说明不能超过1000个字。")))
        if errors:
            raise DomainValidationError(errors)
        inspector = _actor_id(actor)
        rows = [
            InspectionScore(
                participant=row,
                item=items[code],
                score=as_decimal(value).quantize(CENT),
                note=notes.get(code, "") or "",
                inspector_id=inspector,
                scored_at=at,
            )
            for code, value in scores.items()
        ]
        return InspectionScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["participant", "item"],
            update_fields=["score", "note", "inspector_id", "scored_at"],
        )


def _reason_error(reason: str) -> None:
    if not reason or not reason.strip():
        raise _error("reason", "required", _("请填写原因。"))
    if len(reason) > 1000:
        raise _error("reason", "too_long", _("原因不能超过1000个字。"))


def deduction_add(
    *, participant: RoundParticipant, reason: str, points=None, item_code: str | None = None, actor, at
) -> Deduction:
    """A spot-check deduction (default: the standard's points per failure); the cap applies when scoring."""
    with transaction.atomic():
        row = _locked_participant(participant)
        _check_inspection_open(row, at)
        _reason_error(reason)
        standard = row.round.standard
        if points is None:
            value = standard.deduction_points
        else:
            value, error = _points_error(points, "points", _("扣分"), positive=True)
            if error:
                raise DomainValidationError([error])
        item = None
        if item_code:
            item = StandardItem.objects.filter(standard=standard, code=item_code).first()
            if item is None or not item.spot_check:
                raise _error(
                    "item_code", "not_spot_check", _("条目 %(code)s 不是抽查扣分项。") % {"code": item_code}
                )
        if value <= 0:
            raise _error("points", "min_value", _("扣分须大于 0。"))
        return Deduction.objects.create(
            participant=row,
            item=item,
            points=value,
            reason=reason.strip(),
            inspector_id=_actor_id(actor),
            created_at=at,
        )


def veto_record(
    *, participant: RoundParticipant, reason: str, item_code: str | None = None, actor, at
) -> VetoFinding:
    """A 一票否决 finding with its reason (e.g. a serious collective labour incident)."""
    with transaction.atomic():
        row = _locked_participant(participant)
        _check_inspection_open(row, at)
        _reason_error(reason)
        item = None
        if item_code:
            item = StandardItem.objects.filter(standard_id=row.round.standard_id, code=item_code).first()
            if item is None or not item.veto:
                raise _error(
                    "item_code", "not_veto", _("条目 %(code)s 不是一票否决项。") % {"code": item_code}
                )
        return VetoFinding.objects.create(
            participant=row, item=item, reason=reason.strip(), inspector_id=_actor_id(actor), created_at=at
        )


# --- Scoring and publication ---------------------------------------------------------------------------------------


def _compute_results(rnd: Round, at) -> list[Result]:
    spec = scoring.standard_spec(rnd.standard)
    grade_names = {grade.code: grade.name for grade in spec.grades}
    computed = []
    for participant, inputs in scoring.round_inputs(rnd, on=timezone.localdate(at)):
        outcome = engine.score(spec, inputs)
        computed.append((participant, outcome))
    # Unions' 职工之家 and branches' 职工小家 are ranked separately.
    ranks: dict[int, int] = {}
    for is_branch in (False, True):
        entries = [(p.pk, o.total) for p, o in computed if bool(p.branch_id) == is_branch]
        ranks.update(dict(engine.competition_ranks(entries)))
    return [
        Result(
            participant=participant,
            round=rnd,
            base_points=outcome.base_points,
            bonus_points=outcome.bonus_points,
            deduction_points=outcome.deduction_points,
            total=outcome.total,
            grade=outcome.grade,
            reason_code=outcome.reason_code,
            reason=reasons.describe(outcome, grade_names)[:500],
            breakdown=scoring.breakdown_json(outcome),
            join_rate=outcome.join_rate,
            satisfaction=outcome.satisfaction,
            rank=ranks[participant.pk],
            computed_at=at,
        )
        for participant, outcome in computed
    ]


RESULT_COLUMNS = (
    "participant_id",
    "round_id",
    "base_points",
    "bonus_points",
    "deduction_points",
    "total",
    "grade",
    "reason_code",
    "reason",
    "breakdown",
    "join_rate",
    "satisfaction",
    "rank",
    "computed_at",
)


def _results_replace(rnd: Round, results: list[Result]) -> None:
    """Replace the round's result rows. COPY rather than INSERT: the per-item breakdowns of a 1,000-union round
    are ~1 MB of JSON, which an INSERT's array parameters spend seconds escaping on the client."""
    from unionhub.copy import copy_rows

    with connection.cursor() as cursor:
        # Plain DELETE: the ORM's delete() would first fetch every row (and its breakdown) to send signals.
        cursor.execute(f"DELETE FROM {Result._meta.db_table} WHERE round_id = %s", [rnd.pk])
    copy_rows(
        connection.ops.quote_name(Result._meta.db_table),
        RESULT_COLUMNS,
        (
            [
                result.participant.pk,
                rnd.pk,
                result.base_points,
                result.bonus_points,
                result.deduction_points,
                result.total,
                result.grade,
                result.reason_code,
                result.reason,
                json.dumps(result.breakdown, ensure_ascii=False),
                result.join_rate,
                result.satisfaction,
                result.rank,
                result.computed_at,
            ]
            for result in results
        ),
    )


def _locked_round(rnd: Round) -> Round:
    return (
        Round.objects.select_for_update(of=("self",)).select_related("standard", "organiser").get(pk=rnd.pk)
    )


def round_score(*, round: Round, actor, at) -> Round:
    """(Re)compute every participant's result and the ranking. Allowed until the round is published."""
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            raise _error("round", "published", _("该考核批次结果已公布，不能重新评分。"))
        results = _compute_results(rnd, at)
        _results_replace(rnd, results)
        rnd.status = RoundStatus.SCORED
        rnd.scored_at = at
        rnd.save(update_fields=["status", "scored_at"])
    return rnd


def round_publish(*, round: Round, actor, at) -> Round:
    """Publish the results (recomputed from the latest inspection), award titles, update live facts."""
    with transaction.atomic():
        rnd = _locked_round(round)
        if rnd.status == RoundStatus.PUBLISHED:
            raise _error("round", "published", _("该考核批次结果已公布。"))
        if rnd.status != RoundStatus.SCORED:
            raise _error("round", "not_scored", _("请先完成评分再公布结果。"))
        results = _compute_results(rnd, at)
        _results_replace(rnd, results)
        rnd.status = RoundStatus.PUBLISHED
        rnd.published_at = at
        rnd.save(update_fields=["status", "published_at"])
        deltas: dict[int, dict] = defaultdict(lambda: defaultdict(int))
        unions = {}
        for result in results:
            participant = result.participant
            participant.round = rnd
            unions[participant.union_id] = participant.union
            for key, value in facts.result_deltas(participant, result.total).items():
                deltas[participant.union_id][key] += value
        grades = {grade.code: grade for grade in Grade.objects.filter(standard_id=rnd.standard_id)}
        awarded_on = timezone.localdate(at)
        for result in results:
            if not result.grade:
                continue
            grade = grades[result.grade]
            participant = result.participant
            for key, value in _title_award(
                union=participant.union,
                branch_id=participant.branch_id,
                grade=grade.code,
                grade_name=grade.name,
                awarded_by=rnd.organiser,
                awarded_on=awarded_on,
                valid_until=_add_years(awarded_on, grade.validity_years),
                round=rnd,
                actor=actor,
                reason=result.reason,
            ).items():
                deltas[participant.union_id][key] += value
        for union_id, union_deltas in deltas.items():
            facts_apply(union=unions[union_id], deltas=union_deltas)
    return rnd


# --- Titles --------------------------------------------------------------------------------------------------------


def _add_years(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year + years, day=28)


def _title_award(
    *, union, branch_id, grade, grade_name, awarded_by, awarded_on, valid_until, round=None, actor, reason=""
) -> dict:
    """Award (or renew) a title; the unit's previous active title ends as superseded. Returns fact deltas."""
    deltas: dict = defaultdict(int)
    current = (
        Title.objects.select_for_update()
        .filter(union=union, branch_id=branch_id, status=TitleStatus.ACTIVE)
        .first()
    )
    kind = TitleEventKind.AWARDED
    if current is not None:
        if (
            GRADE_SCHEME[current.grade] == GRADE_SCHEME[grade]
            and GRADE_RANK[grade] < GRADE_RANK[current.grade]
        ):
            kind = TitleEventKind.DOWNGRADED
        current.status = TitleStatus.SUPERSEDED
        current.ended_on = awarded_on
        current.save(update_fields=["status", "ended_on"])
        TitleEvent.objects.create(
            title=current,
            kind=kind,
            from_grade=current.grade,
            to_grade=grade,
            on=awarded_on,
            reason=reason,
            actor_id=_actor_id(actor),
        )
        for key, value in facts.title_deltas(current, -1).items():
            deltas[key] += value
    title = Title.objects.create(
        union=union,
        branch_id=branch_id,
        node_path=union.node_path,
        grade=grade,
        grade_rank=GRADE_RANK[grade],
        grade_name=grade_name or GradeCode(grade).label,
        awarded_by=awarded_by,
        round=round,
        awarded_on=awarded_on,
        valid_until=valid_until,
    )
    TitleEvent.objects.create(
        title=title,
        kind=kind,
        from_grade=current.grade if current else "",
        to_grade=grade,
        on=awarded_on,
        reason=reason,
        actor_id=_actor_id(actor),
    )
    for key, value in facts.title_deltas(title, 1).items():
        deltas[key] += value
    return deltas


def title_award(
    *, union, branch_id: int = 0, grade: str, awarded_by, awarded_on, valid_until, actor, reason: str = ""
) -> Title:
    """Record a title awarded outside a round (e.g. an earlier award being entered)."""
    errors: list[FieldError] = []
    if grade not in GradeCode.values:
        errors.append(FieldError("grade", "invalid_choice", _("请选择有效的等级。")))
    if not union.node_path.startswith(awarded_by.path):
        errors.append(FieldError("union", "out_of_scope", _("该工会不在授予单位管辖范围内。")))
    if awarded_on is None or valid_until is None:
        errors.append(FieldError("valid_until", "required", _("请填写授予日期和有效期。")))
    elif valid_until < awarded_on:
        errors.append(FieldError("valid_until", "before_award", _("有效期不能早于授予日期。")))
    if len(reason or "") > 1000:
        errors.append(FieldError("reason", "too_long", _("原因不能超过1000个字。")))
    if errors:
        raise DomainValidationError(errors)
    with transaction.atomic():
        deltas = _title_award(
            union=union,
            branch_id=int(branch_id or 0),
            grade=grade,
            grade_name="",
            awarded_by=awarded_by,
            awarded_on=awarded_on,
            valid_until=valid_until,
            actor=actor,
            reason=reason,
        )
        facts_apply(union=union, deltas=deltas)
        return Title.objects.get(union=union, branch_id=int(branch_id or 0), status=TitleStatus.ACTIVE)


def _locked_active_title(title: Title) -> Title:
    row = Title.objects.select_for_update(of=("self",)).select_related("union", "awarded_by").get(pk=title.pk)
    if row.status != TitleStatus.ACTIVE:
        raise _error(
            "title",
            "not_active",
            _("该称号已不再有效（%(status)s）。") % {"status": row.get_status_display()},
        )
    return row


def title_review(*, title: Title, on, actor, reason: str = "") -> Title:
    """Annual review passed (年度复核): recorded in the history; validity unchanged."""
    if len(reason or "") > 1000:
        raise _error("reason", "too_long", _("原因不能超过1000个字。"))
    with transaction.atomic():
        row = _locked_active_title(title)
        if on < row.awarded_on:
            raise _error("on", "before_award", _("复核日期不能早于授予日期。"))
        row.last_reviewed_on = on
        row.save(update_fields=["last_reviewed_on"])
        TitleEvent.objects.create(
            title=row,
            kind=TitleEventKind.REVIEWED,
            from_grade=row.grade,
            to_grade=row.grade,
            on=on,
            reason=reason,
            actor_id=_actor_id(actor),
        )
    return row


def title_downgrade(*, title: Title, to_grade: str, on, reason: str, actor) -> Title:
    """Lower a title to a lower grade of the same scheme (stars are not for life); validity stays."""
    _reason_error(reason)
    with transaction.atomic():
        row = _locked_active_title(title)
        if (
            to_grade not in GRADE_RANK
            or GRADE_SCHEME[to_grade] != GRADE_SCHEME[row.grade]
            or GRADE_RANK[to_grade] >= GRADE_RANK[row.grade]
        ):
            raise _error("to_grade", "not_lower", _("只能降为同一等级体系中较低的等级。"))
        if on < row.awarded_on:
            raise _error("on", "before_award", _("降级日期不能早于授予日期。"))
        deltas = _title_award(
            union=row.union,
            branch_id=row.branch_id,
            grade=to_grade,
            grade_name="",
            awarded_by=row.awarded_by,
            awarded_on=on,
            valid_until=max(row.valid_until, on),
            round=row.round,
            actor=actor,
            reason=reason,
        )
        facts_apply(union=row.union, deltas=deltas)
        return Title.objects.get(union=row.union, branch_id=row.branch_id, status=TitleStatus.ACTIVE)


def title_revoke(*, title: Title, on, reason: str, actor) -> Title:
    _reason_error(reason)
    with transaction.atomic():
        row = _locked_active_title(title)
        if on < row.awarded_on:
            raise _error("on", "before_award", _("撤销日期不能早于授予日期。"))
        row.status = TitleStatus.REVOKED
        row.ended_on = on
        row.save(update_fields=["status", "ended_on"])
        TitleEvent.objects.create(
            title=row,
            kind=TitleEventKind.REVOKED,
            from_grade=row.grade,
            on=on,
            reason=reason.strip(),
            actor_id=_actor_id(actor),
        )
        facts_apply(union=row.union, deltas=facts.title_deltas(row, -1))
    return row


def titles_expire(*, on) -> int:
    """End the active titles whose validity ran out before `on` (daily job). Returns how many."""
    with transaction.atomic():
        rows = list(
            Title.objects.select_for_update(of=("self",))
            .select_related("union")
            .filter(status=TitleStatus.ACTIVE, valid_until__lt=on)
        )
        for row in rows:
            row.status = TitleStatus.EXPIRED
            row.ended_on = on
        Title.objects.bulk_update(rows, ["status", "ended_on"])
        TitleEvent.objects.bulk_create(
            [TitleEvent(title=row, kind=TitleEventKind.EXPIRED, from_grade=row.grade, on=on) for row in rows]
        )
        for row in rows:
            facts_apply(union=row.union, deltas=facts.title_deltas(row, -1))
    return len(rows)


# --- Funding -------------------------------------------------------------------------------------------------------

MAX_POOL_FEN = 10**13  # 1000亿元: far beyond any real pool, inside BIGINT


def _pool_params_errors(rnd: Round, formula: str, params: Mapping) -> tuple[list[FieldError], dict]:
    errors: list[FieldError] = []
    if formula == FundingFormula.PER_GRADE:
        grade_codes = set(Grade.objects.filter(standard_id=rnd.standard_id).values_list("code", flat=True))
        clean = {}
        for code, amount in (params or {}).items():
            if code not in grade_codes:
                errors.append(
                    FieldError(
                        f"params.{code}", "unknown_grade", _("考核标准中没有等级 %(code)s。") % {"code": code}
                    )
                )
            elif isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_POOL_FEN:
                errors.append(
                    FieldError(f"params.{code}", "invalid", _("每个等级的金额须为不小于 0 的整数（分）。"))
                )
            else:
                clean[code] = amount
        if not errors and not any(clean.values()):
            errors.append(FieldError("params", "required", _("请至少为一个等级设置大于 0 的金额。")))
        return errors, clean
    if formula == FundingFormula.PROPORTIONAL:
        threshold = as_decimal((params or {}).get("threshold"))
        ceiling = rnd.standard.base_max_points + rnd.standard.bonus_cap
        if threshold is None or threshold < 0 or threshold >= ceiling:
            errors.append(FieldError("params.threshold", "invalid", _("基准分须为 0 到满分之间的数值。")))
            return errors, {}
        return errors, {"threshold": str(threshold)}
    return [FieldError("formula", "invalid_choice", _("请选择有效的分配方式。"))], {}


def funding_pool_set(*, round: Round, amount_fen: int, formula: str, params: Mapping, actor) -> FundingPool:
    """Create or change the round's subsidy pool (until it has been allocated)."""
    with transaction.atomic():
        rnd = _locked_round(round)
        errors: list[FieldError] = []
        if (
            isinstance(amount_fen, bool)
            or not isinstance(amount_fen, int)
            or not 0 < amount_fen <= MAX_POOL_FEN
        ):
            errors.append(FieldError("amount_fen", "invalid", _("资金总额须为大于 0 的整数（单位：分）。")))
        param_errors, clean = _pool_params_errors(rnd, formula, params)
        errors += param_errors
        pool = FundingPool.objects.filter(round=rnd).first()
        if pool is not None and pool.allocated_at is not None:
            errors.append(FieldError("round", "allocated", _("该批次补助资金已分配，不能修改。")))
        if errors:
            raise DomainValidationError(errors)
        if pool is None:
            pool = FundingPool(round=rnd, created_by_id=_actor_id(actor))
        pool.amount_fen = amount_fen
        pool.formula = formula
        pool.params = clean
        pool.save()
        return pool


def funding_weights(pool: FundingPool, results: Sequence[Result]) -> list[tuple[int, Decimal]]:
    """(participant id, weight) for graded results; a veto or failed gate gets nothing (奖优罚劣)."""
    weights = []
    for result in results:
        if not result.grade:
            continue
        if pool.formula == FundingFormula.PER_GRADE:
            weight = Decimal(pool.params.get(result.grade, 0))
        else:
            weight = max(Decimal(0), result.total - Decimal(pool.params["threshold"]))
        weights.append((result.participant_id, weight))
    return weights


def funding_allocate(*, round: Round, actor, at) -> FundingPool:
    """Split the pool over the published results (largest remainder, sums exactly to the pool)."""
    with transaction.atomic():
        rnd = _locked_round(round)
        pool = FundingPool.objects.select_for_update().filter(round=rnd).first()
        if pool is None:
            raise _error("round", "no_pool", _("该批次尚未设置补助资金。"))
        if pool.allocated_at is not None:
            raise _error("round", "allocated", _("该批次补助资金已分配。"))
        if rnd.status != RoundStatus.PUBLISHED:
            raise _error("round", "not_published", _("考核结果公布后才能分配补助资金。"))
        weights = funding_weights(pool, list(Result.objects.filter(round=rnd).order_by("participant_id")))
        if not any(weight > 0 for _, weight in weights):
            raise _error("round", "nobody_eligible", _("没有符合分配条件的参评单位，无法分配补助资金。"))
        shares = engine.allocate(pool.amount_fen, weights)
        FundingAllocation.objects.bulk_create(
            [
                FundingAllocation(pool=pool, participant_id=pid, amount_fen=fen)
                for pid, fen in sorted(shares.items())
            ]
        )
        pool.allocated_at = at
        pool.save(update_fields=["allocated_at"])
        return pool
