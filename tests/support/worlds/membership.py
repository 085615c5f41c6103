"""Members and branches for the walk-based audit test (tests/audit/test_mutation_audit.py)."""

from __future__ import annotations

from django_tenants.utils import schema_context

from tests.support.members import member_kwargs


def membership_audit_objects(union) -> list[str]:
    """On `union`: a branch with a member (update, status change, dues, reveal act on it) and an empty leaf
    branch (branchDelete can succeed on it). Returns their global ids."""
    from api.core.ids import to_tenant_global_id
    from membership.services import member_create
    from organisation.services import branch_create

    with schema_context(union.schema_name):
        branch = branch_create(name="审计一分会")
        empty = branch_create(name="审计空小组", kind="group")
    member = member_create(union=union, **member_kwargs(branch=branch.pk, join_date="2020-01-01"))
    return [
        to_tenant_global_id("Branch", union.pk, branch.pk),
        to_tenant_global_id("Branch", union.pk, empty.pk),
        to_tenant_global_id("Member", union.pk, member.pk),
        *membership_procedure_objects(union),
    ]


def membership_procedure_objects(union, *, prefix: str = "审计") -> list[str]:
    """A pending 视为自动退会 proposal (withdrawalProposalDecide) and an expulsion case at the union group's view
    (expulsionDecide, then expulsionFile), each on a member of its own. Returns their global ids."""
    from datetime import timedelta

    from django.utils import timezone
    from django_tenants.utils import schema_context

    from api.core.ids import to_tenant_global_id
    from membership.expulsion import expulsion_open
    from membership.models import WithdrawalProposal
    from membership.services import member_create
    from membership.withdrawal import member_talk_record, withdrawal_propose_run

    today = timezone.localdate()
    behind = member_create(union=union, **member_kwargs(name=f"{prefix}欠费会员", join_date="2020-01-01"))
    member_talk_record(
        member=behind, talked_on=today - timedelta(days=45), officer_name="工会主席", union=union
    )
    withdrawal_propose_run(union=union, today=today)
    with schema_context(union.schema_name):
        proposal = WithdrawalProposal.objects.get(member=behind)
    accused = member_create(union=union, **member_kwargs(name=f"{prefix}涉案会员", join_date="2020-01-01"))
    case = expulsion_open(
        member=accused,
        grounds="criminal",
        facts=f"{prefix}：因犯罪被判处刑罚",
        group_view_on=today - timedelta(days=5),
        group_view="同意开除会籍",
        union=union,
    )
    return [
        to_tenant_global_id("WithdrawalProposal", union.pk, proposal.pk),
        to_tenant_global_id("ExpulsionCase", union.pk, case.pk),
    ]
