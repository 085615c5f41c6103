"""Titles (职工之家 and 职工小家 honours): awards, reviews, downgrades, revocations and expiry."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils.translation import gettext as _

from federations.models import LEVEL_RANK
from rollup.facts import facts_apply
from unionhub.errors import DomainValidationError, FieldError

from .. import facts
from ..models import (
    GRADE_RANK,
    GRADE_SCHEME,
    GradeCode,
    Title,
    TitleEvent,
    TitleEventKind,
    TitleStatus,
)
from .common import _actor_id, _error
from .inspection import _reason_error

# --- Titles --------------------------------------------------------------------------------------------------------


def _add_years(day, years: int):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February -> 28 February
        return day.replace(year=day.year + years, day=28)


def _title_award(
    *,
    union,
    branch_id,
    grade,
    grade_name,
    awarded_by,
    awarded_on,
    valid_until,
    round=None,
    actor,
    reason="",
    decision_number="",
    awarding_level="",
    awarding_body_name="",
) -> dict:
    """Award (or renew) a title; the unit's previous active title from the same awarding level ends as
    superseded (titles of other levels stay: a unit may hold a county and a city title). Returns fact deltas."""
    deltas: dict = defaultdict(int)
    awarding_level = awarding_level or awarded_by.level
    current = (
        Title.objects.select_for_update()
        .filter(union=union, branch_id=branch_id, awarding_level=awarding_level, status=TitleStatus.ACTIVE)
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
        awarding_level=awarding_level,
        awarding_body_name=awarding_body_name,
        round=round,
        decision_number=decision_number,
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
    *,
    union,
    branch_id: int = 0,
    grade: str,
    awarded_by,
    awarded_on,
    valid_until,
    actor,
    reason: str = "",
    decision_number: str = "",
    awarding_level: str = "",
    awarding_body_name: str = "",
) -> Title:
    """Record a title awarded outside a round (e.g. an earlier award being entered). A title a higher body not on
    the platform awarded (the city federation) is recorded by `awarded_by` with that body's level and name."""
    errors: list[FieldError] = []
    awarding_body_name = (awarding_body_name or "").strip()
    if awarding_level and awarding_level != awarded_by.level:
        if awarding_level not in LEVEL_RANK or LEVEL_RANK[awarding_level] <= LEVEL_RANK[awarded_by.level]:
            errors.append(FieldError("awarding_level", "not_higher", _("只能登记上级工会授予的称号。")))
        if not awarding_body_name or len(awarding_body_name) > 200:
            errors.append(
                FieldError("awarding_body_name", "required", _("请填写授予单位名称（不超过200个字）。"))
            )
    elif awarding_body_name:
        errors.append(
            FieldError("awarding_body_name", "not_other_body", _("本级授予的称号不填写其他授予单位。"))
        )
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
    if len(decision_number or "") > 100:
        errors.append(FieldError("decision_number", "too_long", _("命名文号不能超过100个字。")))
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
            decision_number=(decision_number or "").strip(),
            awarding_level=awarding_level or awarded_by.level,
            awarding_body_name=awarding_body_name,
        )
        facts_apply(union=union, deltas=deltas)
        return Title.objects.get(
            union=union,
            branch_id=int(branch_id or 0),
            awarding_level=awarding_level or awarded_by.level,
            status=TitleStatus.ACTIVE,
        )


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
            decision_number=row.decision_number,
            awarding_level=row.awarding_level,
            awarding_body_name=row.awarding_body_name,
        )
        facts_apply(union=row.union, deltas=deltas)
        return Title.objects.get(
            union=row.union,
            branch_id=row.branch_id,
            awarding_level=row.awarding_level,
            status=TitleStatus.ACTIVE,
        )


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
