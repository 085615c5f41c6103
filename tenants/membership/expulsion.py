"""开除会籍 (expulsion), as the 中国工会章程 第七条 states it (statistics.md §4; docs/membership.md): for a serious
crime with a criminal penalty or serious violations of the constitution, the 工会小组 discusses it and gives its
view, the grassroots union committee decides (the status becomes 开除会籍 then), and the decision is filed with the
higher-level union (报上一级工会备案). Each step is recorded with its date; a plain status change to 开除会籍 is
refused (membership.services.member_change_status)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError
from unionhub.tenancy import current_union, in_union

from .models import HOLDING_STATUSES, STATUS_REASONS, ExpulsionCase, ExpulsionStep, Member, MemberStatus
from .services import member_change_status
from .validation import parse_date


def _date(value, field: str, errors: list[FieldError], *, not_before=None, before_message=""):
    try:
        day = parse_date(value, field)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
        return None
    if day > timezone.localdate():
        errors.append(FieldError(field, "in_future", _("日期不能晚于今天。")))
    elif not_before is not None and day < not_before:
        errors.append(FieldError(field, "too_early", before_message))
    return day


def expulsion_open(
    *, member: Member, grounds: str, facts: str, group_view_on, group_view: str, actor_id=None, union=None
) -> ExpulsionCase:
    """Step 1: the 工会小组's view on expelling the member, with the grounds and the facts."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        errors: list[FieldError] = []
        if grounds not in STATUS_REASONS[MemberStatus.EXPELLED]:
            allowed = "、".join(str(label) for label in STATUS_REASONS[MemberStatus.EXPELLED].values())
            errors.append(
                FieldError(
                    "grounds", "invalid_choice", _("开除事由无效，可选：%(allowed)s。") % {"allowed": allowed}
                )
            )
        facts = (facts or "").strip()
        if not facts or len(facts) > 2000:
            errors.append(FieldError("facts", "required", _("请填写事实及依据（不超过2000个字）。")))
        group_view = (group_view or "").strip()
        if not group_view or len(group_view) > 1000:
            errors.append(
                FieldError("group_view", "required", _("请填写工会小组讨论意见（不超过1000个字）。"))
            )
        on = _date(
            group_view_on,
            "group_view_on",
            errors,
            not_before=member.join_date,
            before_message=_("讨论日期不能早于入会日期。"),
        )
        if member.status not in HOLDING_STATUSES:
            errors.append(FieldError("member", "not_holding", _("该会员已不在会。")))
        elif ExpulsionCase.objects.filter(member=member, decided_on__isnull=True).exists():
            errors.append(FieldError("member", "case_open", _("该会员已有待决定的开除会籍事项。")))
        if errors:
            raise DomainValidationError(errors)
        return ExpulsionCase.objects.create(
            member=member,
            grounds=grounds,
            facts=facts,
            group_view_on=on,
            group_view=group_view,
            step=ExpulsionStep.GROUP_VIEW,
            created_by_id=actor_id,
        )


def expulsion_decide(
    *, case: ExpulsionCase, decided_on, decision_number: str, actor_id=None, union=None
) -> ExpulsionCase:
    """Step 2: the union committee decides; the member's status becomes 开除会籍 from that date."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        row = ExpulsionCase.objects.select_for_update().select_related("member").get(pk=case.pk)
        errors: list[FieldError] = []
        if row.step != ExpulsionStep.GROUP_VIEW:
            raise DomainValidationError.single("case", "wrong_step", _("该事项已由工会委员会决定。"))
        on = _date(
            decided_on,
            "decided_on",
            errors,
            not_before=row.group_view_on,
            before_message=_("决定日期不能早于小组讨论日期。"),
        )
        decision_number = (decision_number or "").strip()
        if not decision_number or len(decision_number) > 100:
            errors.append(
                FieldError("decision_number", "required", _("请填写工会委员会决定的文号（不超过100个字）。"))
            )
        if errors:
            raise DomainValidationError(errors)
        row.member = member_change_status(
            member=row.member,
            to_status=MemberStatus.EXPELLED,
            reason=row.grounds,
            effective_on=on,
            note=str(_("工会委员会决定（%(number)s）") % {"number": decision_number}),
            actor_id=actor_id,
            union=union,
            procedure=True,
        )
        row.decided_on = on
        row.decision_number = decision_number
        row.decided_by_id = actor_id
        row.step = ExpulsionStep.COMMITTEE_DECISION
        row.save(update_fields=["decided_on", "decision_number", "decided_by_id", "step"])
    return row


def expulsion_file(
    *, case: ExpulsionCase, filed_on, filed_with: str = "", actor_id=None, union=None
) -> ExpulsionCase:
    """Step 3: the decision is filed with the higher-level union (default: the union's parent federation)."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        row = ExpulsionCase.objects.select_for_update().get(pk=case.pk)
        errors: list[FieldError] = []
        if row.step != ExpulsionStep.COMMITTEE_DECISION:
            raise DomainValidationError.single(
                "case", "wrong_step", _("须先由工会委员会作出决定，且只备案一次。")
            )
        on = _date(
            filed_on,
            "filed_on",
            errors,
            not_before=row.decided_on,
            before_message=_("备案日期不能早于决定日期。"),
        )
        filed_with = (filed_with or "").strip() or union.parent_node.name
        if len(filed_with) > 200:
            errors.append(FieldError("filed_with", "too_long", _("备案单位不能超过200个字。")))
        if errors:
            raise DomainValidationError(errors)
        row.filed_on = on
        row.filed_with = filed_with
        row.filed_by_id = actor_id
        row.step = ExpulsionStep.FILED
        row.save(update_fields=["filed_on", "filed_with", "filed_by_id", "step"])
    return row
