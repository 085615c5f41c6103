"""Inspection (验收): inspection scores, deductions and veto findings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federations.models import StaffCountSource
from federations.services import staff_count_record
from unionhub.errors import DomainValidationError, FieldError

from ..models import (
    Deduction,
    InspectionScore,
    RoundParticipant,
    RoundStatus,
    StandardItem,
    VetoFinding,
)
from ..scores import CENT, as_decimal, item_score_error
from .common import _actor_id, _error, _locked_participant
from .standards import _points_error

# --- Inspection (验收) -------------------------------------------------------------------------------------------


def _check_inspection_open(row: RoundParticipant, at) -> None:
    if row.round.status in (RoundStatus.NOTICE, RoundStatus.PUBLISHED):
        raise _error("participant", "round_closed", _("该考核批次结果已进入公示或已公布，不能再验收评分。"))
    if at > row.round.inspection_due:
        raise _error("participant", "deadline_passed", _("已超过验收截止时间，不能再验收评分。"))


def inspection_scores_set(
    *,
    participant: RoundParticipant,
    scores: Mapping[str, Decimal],
    notes: Mapping[str, str] | None = None,
    accept_self: Sequence[str] = (),
    actor,
    at,
) -> list[InspectionScore]:
    """Record (or correct) an inspector's acceptance scores for some items; all or nothing. Items in
    `accept_self` take the unit's self score as the acceptance score, recorded as accepted by this inspector."""
    notes = notes or {}
    scores = dict(scores or {})
    with transaction.atomic():
        row = _locked_participant(participant)
        _check_inspection_open(row, at)
        if not scores and not accept_self:
            raise _error("scores", "required", _("请至少填写一个条目的验收得分。"))
        items = {item.code: item for item in StandardItem.objects.filter(standard_id=row.round.standard_id)}
        errors: list[FieldError] = []
        accepted: set[str] = set()
        for code in accept_self:
            if code in scores:
                errors.append(
                    FieldError(
                        f"accept_self.{code}",
                        "both",
                        _("条目 %(code)s 已填写验收得分，不能同时认可自评分。") % {"code": code},
                    )
                )
            elif code not in items:
                errors.append(
                    FieldError(
                        f"accept_self.{code}",
                        "unknown_item",
                        _("考核标准中没有条目 %(code)s。") % {"code": code},
                    )
                )
            elif code not in (row.self_scores or {}):
                errors.append(
                    FieldError(
                        f"accept_self.{code}",
                        "no_self_score",
                        _("条目 %(code)s 没有自评分，请填写验收得分。") % {"code": code},
                    )
                )
            else:
                accepted.add(code)
                scores[code] = Decimal(row.self_scores[code])
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
                self_accepted=code in accepted,
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
            update_fields=["score", "self_accepted", "note", "inspector_id", "scored_at"],
        )


def participant_staff_count_verify(*, participant: RoundParticipant, value=None, note: str = "", actor, at):
    """The inspecting federation verifies the staff count the round uses (as of its reference date), correcting it
    when `value` differs; a correction also enters the union's staff count history as verified."""
    with transaction.atomic():
        row = _locked_participant(participant)
        _check_inspection_open(row, at)
        if value is None:
            value = row.staff_count
        if value is None:
            raise _error("staff_count", "required", _("基准日期没有职工人数记录，请填写核定的职工人数。"))
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise _error("staff_count", "min_value", _("核定的职工人数须为正整数。"))
        if len(note or "") > 500:
            raise _error("note", "too_long", _("说明不能超过500个字。"))
        reference = row.round.reference_date
        if value != row.staff_count and reference <= timezone.localdate(at):
            staff_count_record(
                union=row.union,
                value=value,
                effective_on=reference,
                source=StaffCountSource.VERIFIED,
                actor_id=_actor_id(actor),
                note=note,
            )
        if value != row.staff_count:
            row.staff_count_on = reference
            row.staff_count_source = StaffCountSource.VERIFIED
        row.staff_count = value
        row.staff_verified_by_id = _actor_id(actor)
        row.staff_verified_at = at
        row.save(
            update_fields=[
                "staff_count",
                "staff_count_on",
                "staff_count_source",
                "staff_verified_by_id",
                "staff_verified_at",
            ]
        )
    return row


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
