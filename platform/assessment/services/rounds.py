"""Rounds: opening, participants, and the copies of the tenant side (self scores and appraisal counts, called by
selfassessment.services)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from federations.models import UnionStatus
from federations.selectors import staff_counts_as_of
from organisation.models import Branch
from rollup import indicators
from rollup.facts import facts_apply
from unionhub.errors import DomainValidationError, FieldError

from .. import facts
from ..models import (
    AppraisalVerification,
    Round,
    RoundParticipant,
    RoundStatus,
    Standard,
    StandardItem,
    StandardStatus,
)
from ..scores import CENT, as_decimal, item_score_error
from .common import _actor_id, _error, _locked_participant

# --- Rounds ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRef:
    union: object  # federations.Union
    branch_id: int = 0


def _branch_names(union, branch_ids: set[int]) -> dict[int, str]:
    if not branch_ids:
        return {}
    with schema_context(union.schema_name):
        return dict(Branch.objects.filter(pk__in=branch_ids).values_list("pk", "name"))


def _unit_errors(rnd_standard: Standard, organiser, units: Sequence[UnitRef], field: str = "units") -> list:
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
    # The 入会率 denominator as of the reference date, from the union's staff count history (not the profile
    # figure the union may edit later); the inspecting federation verifies it before the round publishes.
    staff = staff_counts_as_of(unions, rnd.reference_date)
    return [
        RoundParticipant(
            round=rnd,
            union=unit.union,
            branch_id=int(unit.branch_id or 0),
            branch_name=names.get((unit.union.pk, int(unit.branch_id or 0)), ""),
            node_path=unit.union.node_path,
            staff_count=staff[unit.union.pk].value if unit.union.pk in staff else None,
            staff_count_on=staff[unit.union.pk].effective_on if unit.union.pk in staff else None,
            staff_count_source=staff[unit.union.pk].source if unit.union.pk in staff else "",
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
    reference_date=None,
    appraisal_verification: str = AppraisalVerification.SMS,
) -> Round:
    """Open a round on a published standard issued by the organiser or a federation above it. Figures such as the
    staff count are taken as of `reference_date` (default: today, or the inspection deadline if earlier).
    `appraisal_verification`: how member-appraisal respondents prove to be the member (models.AppraisalVerification)."""
    errors: list[FieldError] = []
    if reference_date is None and inspection_due:
        reference_date = min(timezone.localdate(), timezone.localdate(inspection_due))
    if reference_date and inspection_due and reference_date > timezone.localdate(inspection_due):
        errors.append(FieldError("reference_date", "after_inspection", _("基准日期不能晚于验收截止时间。")))
    if appraisal_verification not in AppraisalVerification.values:
        errors.append(
            FieldError("appraisal_verification", "invalid_choice", _("请选择有效的会员评家身份核验方式。"))
        )
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
            reference_date=reference_date,
            appraisal_verification=appraisal_verification,
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
