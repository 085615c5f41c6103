"""Membership rules of issue 15 (docs/membership.md, "Rules as federations apply them"), one test per rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django_tenants.utils import schema_context

from membership import services
from membership.expulsion import expulsion_decide, expulsion_file, expulsion_open
from membership.models import ExpulsionCase, Member, MemberStatus, WithdrawalProposal
from membership.withdrawal import (
    member_talk_record,
    withdrawal_confirm,
    withdrawal_dismiss,
    withdrawal_propose_run,
)
from people.models import PersonMembership
from tests.support.members import member_kwargs
from unionhub.errors import DomainValidationError

TODAY = date(2025, 3, 10)


def _codes(exc) -> set[str]:
    return {error.code for error in exc.value.errors}


def _member(union, **kwargs):
    return services.member_create(union=union, **member_kwargs(join_date="2024-01-15", **kwargs))


def test_automatic_withdrawal_needs_six_months_without_dues_a_talk_and_an_officers_confirmation(union):
    silent = _member(union)  # never paid, never talked to
    talked = _member(union)  # never paid, talked to 45 days ago
    paying = _member(union)
    early = _member(union)  # talked to before the arrears began: that talk was about something else
    for month in ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "2024-07", "2024-08"):
        services.dues_record(member=early, month=month, amount="10", paid_on=f"{month}-20", union=union)
    services.dues_record(member=paying, month="2025-02", amount="10", paid_on="2025-02-05", union=union)
    member_talk_record(
        member=talked, talked_on=TODAY - timedelta(days=45), officer_name="李主席", union=union
    )
    member_talk_record(
        member=paying, talked_on=TODAY - timedelta(days=45), officer_name="李主席", union=union
    )
    member_talk_record(member=early, talked_on=date(2024, 6, 1), officer_name="李主席", union=union)

    assert withdrawal_propose_run(union=union, today=TODAY) == 1
    assert withdrawal_propose_run(union=union, today=TODAY) == 0  # idempotent: one pending proposal
    with schema_context(union.schema_name):
        proposal = WithdrawalProposal.objects.get()
        assert (proposal.member_id, proposal.unpaid_since) == (talked.pk, date(2024, 1, 1))
        # The job only proposes: nobody's status changed.
        assert set(Member.objects.values_list("status", flat=True)) == {"active"}

    with pytest.raises(DomainValidationError) as exc:
        withdrawal_confirm(proposal=proposal, no_participation=False, union=union)
    assert _codes(exc) == {"required"}
    withdrawal_confirm(proposal=proposal, no_participation=True, actor_id=None, union=union)
    with schema_context(union.schema_name):
        talked.refresh_from_db()
        silent.refresh_from_db()
    assert (talked.status, talked.status_reason) == ("withdrawn", "deemed_withdrawn")
    assert silent.status == "active"
    assert not PersonMembership.objects.filter(id_hash=talked.id_hash).exists()


def test_automatic_withdrawal_is_never_proposed_for_members_whose_dues_are_deducted_from_pay(union):
    deducted = _member(union)
    services.dues_record(
        member=deducted, month="2024-08", amount="10", paid_on="2024-09-10", method="payroll", union=union
    )
    member_talk_record(
        member=deducted, talked_on=TODAY - timedelta(days=45), officer_name="李主席", union=union
    )
    assert withdrawal_propose_run(union=union, today=TODAY) == 0


def test_automatic_withdrawal_cannot_be_set_by_a_plain_status_change_and_a_proposal_can_be_dismissed(union):
    member = _member(union)
    with pytest.raises(DomainValidationError) as exc:
        services.member_change_status(
            member=member, to_status="withdrawn", reason="deemed_withdrawn", effective_on=TODAY, union=union
        )
    assert _codes(exc) == {"procedure_required"}
    member_talk_record(
        member=member, talked_on=TODAY - timedelta(days=45), officer_name="王委员", union=union
    )
    withdrawal_propose_run(union=union, today=TODAY)
    with schema_context(union.schema_name):
        proposal = WithdrawalProposal.objects.get()
    withdrawal_dismiss(proposal=proposal, note="长期病休，有正当理由", union=union)
    with pytest.raises(DomainValidationError):
        withdrawal_confirm(proposal=proposal, no_participation=True, union=union)
    with schema_context(union.schema_name):
        member.refresh_from_db()
    assert member.status == "active"


def test_expulsion_takes_the_group_view_the_committee_decision_and_the_filing_with_the_higher_union(union):
    member = _member(union)
    with pytest.raises(DomainValidationError) as exc:
        services.member_change_status(
            member=member, to_status="expelled", reason="criminal", effective_on=TODAY, union=union
        )
    assert _codes(exc) == {"procedure_required"}
    case = expulsion_open(
        member=member,
        grounds="criminal",
        facts="因盗窃罪被判处有期徒刑一年",
        group_view_on=date(2025, 2, 1),
        group_view="一致同意开除会籍",
        union=union,
    )
    with schema_context(union.schema_name):
        member.refresh_from_db()
    assert member.status == "active"  # the group's view alone changes nothing
    with pytest.raises(DomainValidationError) as exc:
        expulsion_file(case=case, filed_on=date(2025, 2, 10), union=union)
    assert _codes(exc) == {"wrong_step"}
    with pytest.raises(DomainValidationError) as exc:
        expulsion_decide(case=case, decided_on=date(2025, 1, 1), decision_number="", union=union)
    assert _codes(exc) == {"too_early", "required"}
    expulsion_decide(case=case, decided_on=date(2025, 2, 5), decision_number="工会〔2025〕2号", union=union)
    with schema_context(union.schema_name):
        member.refresh_from_db()
    assert (member.status, member.status_reason) == ("expelled", "criminal")
    assert MemberStatus(member.status).label == "开除会籍"
    filed = expulsion_file(case=case, filed_on=date(2025, 2, 10), union=union)
    assert (filed.step, filed.filed_with) == ("filed", union.parent_node.name)
    with schema_context(union.schema_name):
        assert ExpulsionCase.objects.get().decision_number == "工会〔2025〕2号"


def test_automatic_withdrawal_proposals_run_daily_as_a_fan_out_job_over_unions(union):
    from django.conf import settings

    from membership.jobs import WITHDRAWAL_PROPOSE_JOB
    from operations.registry import fanout_job_get

    entry = settings.CELERY_BEAT_SCHEDULE["membership-withdrawal-proposals"]
    assert entry["task"] == "jobs.membership.withdrawal_proposals_start"
    member = _member(union)
    member_talk_record(
        member=member, talked_on=TODAY - timedelta(days=45), officer_name="李主席", union=union
    )
    job = fanout_job_get(WITHDRAWAL_PROPOSE_JOB)
    with schema_context(union.schema_name):
        assert job.func(union=union, params={"today": TODAY.isoformat()}, run_id=0) == {"proposed": 1}
