"""视为自动退会 (automatic withdrawal), as the 中国工会章程 第六条 states it (docs/membership.md, statistics.md §4):
six months without dues AND without taking part in union life, after the union has talked to the member (经教育)
with no change, counts as automatic withdrawal. The platform keeps dues but no attendance, so:

- officers record the talk (`member_talk_record`: date, officer);
- a daily job (`withdrawal_propose_run`, beat via a fan-out over unions) proposes members six or more months in
  arrears, talked to at least `AUTO_WITHDRAW_TALK_DAYS` days ago with no payment since, never those whose dues are
  deducted from pay (their latest payment is a payroll deduction: a gap there is recording lag, not non-payment);
- an officer confirms it (`withdrawal_confirm`), attesting that the member took no part in union life either, and
  only then the status changes (reason `deemed_withdrawn`), or dismisses it (`withdrawal_dismiss`).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from unionhub.errors import DomainValidationError, FieldError
from unionhub.tenancy import current_union, in_union

from .models import (
    DuesMethod,
    DuesPayment,
    Member,
    MemberStatus,
    MemberTalk,
    ProposalStatus,
    WithdrawalProposal,
)
from .selectors import arrears_start, members_in_arrears
from .services import AUTO_WITHDRAW_MONTHS, member_change_status
from .validation import parse_date

# Days the member has to pay (改正) after the talk before a proposal is made: a parameter, the 章程 names none.
AUTO_WITHDRAW_TALK_DAYS = 30


def member_talk_record(
    *, member: Member, talked_on, officer_name: str, note: str = "", actor_id=None, union=None
) -> MemberTalk:
    """Record a talk with a member (教育谈话) about unpaid dues and absence from union life."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        errors: list[FieldError] = []
        try:
            on = parse_date(talked_on, "talked_on")
            if on > timezone.localdate():
                errors.append(FieldError("talked_on", "in_future", _("谈话日期不能晚于今天。")))
            elif on < member.join_date:
                errors.append(FieldError("talked_on", "too_early", _("谈话日期不能早于入会日期。")))
        except DomainValidationError as exc:
            errors.extend(exc.errors)
            on = None
        officer_name = (officer_name or "").strip()
        if not officer_name or len(officer_name) > 50:
            errors.append(FieldError("officer_name", "required", _("请填写谈话人（不超过50个字）。")))
        note = (note or "").strip()
        if len(note) > 1000:
            errors.append(FieldError("note", "too_long", _("谈话情况不能超过1000个字。")))
        if member.status != MemberStatus.ACTIVE:
            errors.append(FieldError("member", "not_active", _("只能对在会会员进行谈话教育。")))
        if errors:
            raise DomainValidationError(errors)
        return MemberTalk.objects.create(
            member=member, talked_on=on, officer_name=officer_name, note=note, recorded_by_id=actor_id
        )


def withdrawal_candidates(
    *, today: date, months: int = AUTO_WITHDRAW_MONTHS, talk_days: int = AUTO_WITHDRAW_TALK_DAYS
):
    """Active members the job would propose today, each annotated with the talk (`talk_id`) it relies on."""
    talk = (
        MemberTalk.objects.filter(member=OuterRef("pk"), talked_on__lte=today - timedelta(days=talk_days))
        .order_by("-talked_on", "-id")
        .values("pk")[:1]
    )
    last_method = DuesPayment.objects.filter(member=OuterRef("pk")).order_by("-month").values("method")[:1]
    return (
        members_in_arrears(months=months, today=today)
        .annotate(talk_id=Subquery(talk), last_dues_method=Subquery(last_method))
        .filter(talk_id__isnull=False)
        # Not exclude(): NOT (NULL = 'payroll') would drop members who never paid at all.
        .filter(Q(last_dues_method__isnull=True) | ~Q(last_dues_method=DuesMethod.PAYROLL))
        .exclude(withdrawal_proposals__status=ProposalStatus.PENDING)
    )


def withdrawal_propose_run(*, union, today: date, months: int = AUTO_WITHDRAW_MONTHS) -> int:
    """The daily job: propose every candidate not yet proposed. Idempotent (one pending proposal per member).
    A talk must come after the arrears began: an older talk is about something else."""
    with in_union(union), transaction.atomic():
        proposals = []
        for member in withdrawal_candidates(today=today, months=months).order_by("pk"):
            talk = MemberTalk.objects.get(pk=member.talk_id)
            unpaid_since = arrears_start(member)
            if talk.talked_on < unpaid_since:
                continue
            proposals.append(
                WithdrawalProposal(member=member, talk=talk, proposed_on=today, unpaid_since=unpaid_since)
            )
        WithdrawalProposal.objects.bulk_create(proposals, ignore_conflicts=True)
        return len(proposals)


def _locked_pending(proposal: WithdrawalProposal) -> WithdrawalProposal:
    row = WithdrawalProposal.objects.select_for_update().select_related("member").get(pk=proposal.pk)
    if row.status != ProposalStatus.PENDING:
        raise DomainValidationError.single("proposal", "decided", _("该退会提议已处理。"))
    return row


def withdrawal_confirm(
    *, proposal: WithdrawalProposal, no_participation: bool, note: str = "", actor_id=None, union=None
) -> WithdrawalProposal:
    """Confirm a proposal: the officer attests the member also took no part in union life; the member counts as
    automatically withdrawn from today. Refused when the member paid since the proposal."""
    union = union or current_union()
    with in_union(union), transaction.atomic():
        row = _locked_pending(proposal)
        errors: list[FieldError] = []
        if not no_participation:
            errors.append(
                FieldError(
                    "no_participation",
                    "required",
                    _("请确认该会员连续六个月未参加工会组织生活；参加过的不能视为自动退会。"),
                )
            )
        if len(note or "") > 500:
            errors.append(FieldError("note", "too_long", _("处理意见不能超过500个字。")))
        today = timezone.localdate()
        if not members_in_arrears(months=AUTO_WITHDRAW_MONTHS, today=today).filter(pk=row.member_id).exists():
            errors.append(
                FieldError("proposal", "paid_since", _("该会员已补缴会费或已不在会，不能视为自动退会。"))
            )
        if errors:
            raise DomainValidationError(errors)
        talk = row.talk
        row.member = member_change_status(
            member=row.member,
            to_status=MemberStatus.WITHDRAWN,
            reason="deemed_withdrawn",
            effective_on=today,
            note=str(
                _("自%(since)s起未交纳会费；%(on)s由%(officer)s谈话教育后仍未改正。")
                % {
                    "since": row.unpaid_since.strftime("%Y-%m"),
                    "on": talk.talked_on.isoformat(),
                    "officer": talk.officer_name,
                }
            ),
            actor_id=actor_id,
            union=union,
            procedure=True,
        )
        row.status = ProposalStatus.CONFIRMED
        row.decided_on = today
        row.decided_by_id = actor_id
        row.decision_note = (note or "").strip()
        row.save(update_fields=["status", "decided_on", "decided_by_id", "decision_note"])
    return row


def withdrawal_dismiss(
    *, proposal: WithdrawalProposal, note: str, actor_id=None, union=None
) -> WithdrawalProposal:
    """Dismiss a proposal (e.g. a good reason for not paying, or the member takes part in union life)."""
    union = union or current_union()
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise DomainValidationError.single("note", "required", _("请填写不予退会的理由（不超过500个字）。"))
    with in_union(union), transaction.atomic():
        row = _locked_pending(proposal)
        row.status = ProposalStatus.DISMISSED
        row.decided_on = timezone.localdate()
        row.decided_by_id = actor_id
        row.decision_note = note
        row.save(update_fields=["status", "decided_on", "decided_by_id", "decision_note"])
    return row
