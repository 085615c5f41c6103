"""Demo membership procedures (called by federations.demo for the first demo union), through the services and
idempotent: a retiree keeping membership (保留会籍, 章程 第八条) and a pending 视为自动退会 proposal after a talk."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from .models import Member, MemberStatus, WithdrawalProposal
from .services import member_change_status
from .withdrawal import AUTO_WITHDRAW_TALK_DAYS, member_talk_record, withdrawal_propose_run


def demo_membership_load(*, union) -> dict:
    today = timezone.localdate()
    done = {"retained": 0, "proposals": 0}
    with schema_context(union.schema_name):
        members = list(Member.objects.filter(status=MemberStatus.ACTIVE).order_by("birth_date", "pk"))
        has_retiree = Member.objects.filter(status=MemberStatus.RETAINED, status_reason="retired").exists()
        has_proposal = WithdrawalProposal.objects.exists()
    if not has_retiree and members:
        retiree = members.pop(0)  # the eldest
        member_change_status(
            member=retiree,
            to_status=MemberStatus.RETAINED,
            reason="retired",
            effective_on=today,
            note="办理退休手续，保留会籍，免交会费",
            union=union,
        )
        done["retained"] = 1
    talk_on = today - timedelta(days=AUTO_WITHDRAW_TALK_DAYS + 15)
    candidates = [
        m for m in members if m.join_date <= talk_on - timedelta(days=200) and m.dues_paid_through is None
    ]
    if not has_proposal and candidates:
        member_talk_record(
            member=candidates[-1],
            talked_on=talk_on,
            officer_name="工会主席",
            note="长期未交会费、未参加工会活动，经谈话仍未改正",
            union=union,
        )
        done["proposals"] = withdrawal_propose_run(union=union, today=today)
    return done
