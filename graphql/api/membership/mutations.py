"""Mutations on members: thin calls into membership.services (union hosts only; need member.manage)."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied, Perm
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.organisation.access import branch_for
from api.organisation.mutations import require_union_perm
from membership import services
from membership.expulsion import expulsion_decide, expulsion_file, expulsion_open
from membership.withdrawal import member_talk_record, withdrawal_confirm, withdrawal_dismiss
from people.identity import id_decrypt
from transfers.services import member_create_or_request_transfer, transfer_requested_notice

from .access import expulsion_case_for, member_for, proposal_for
from .types import DuesPayment, ExpulsionCase, Member, MemberTalk, WithdrawalProposal


def _managed_member(context, global_id, field: str = "id"):
    require_union_perm(context, Perm.MEMBER_MANAGE)
    try:
        return member_for(context, global_id, Perm.MEMBER_MANAGE)
    except AccessDenied:
        raise field_not_found(field) from None


def _branch(context, global_id):
    try:
        return branch_for(context, global_id)
    except AccessDenied:
        raise field_not_found("branch") from None


def _actor_id(context):
    return getattr(context.user, "pk", None)


class MemberCreateInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    id_number = graphene.String(
        required=True, description="18 characters (15-digit legacy numbers accepted)."
    )
    employment_type = graphene.String(
        required=True, description="An EmploymentType value: regular, agency, migrant, new_form, retired."
    )
    join_date = graphene.Date(required=True)
    phone = graphene.String(description="11-digit mainland mobile number.")
    ethnicity = graphene.String()
    branch = graphene.ID()
    card_number = graphene.String()


class MemberCreate(BaseMutation):
    """Register a member. A person who holds membership in another union is not registered twice (one person, one
    membership): a transfer request (会员组织关系接转) to this union is created instead, returned in `transfer` with
    `member` null, and waits for the other union to release the person."""

    class Arguments:
        input = MemberCreateInput(required=True)

    member = graphene.Field(Member)
    transfer = graphene.Field(
        "api.transfers.types.TransferRequest",
        description="Set instead of member when the person holds membership in another union.",
    )
    notice = graphene.String(
        description="With `transfer`: what to tell the officer (which union and since when stay with the origin)."
    )

    @classmethod
    def perform(cls, info, context, input):
        union = require_union_perm(context, Perm.MEMBER_MANAGE)
        branch = _branch(context, input["branch"]) if input.get("branch") is not None else None
        result = member_create_or_request_transfer(
            union=union,
            name=input["name"],
            id_number=input["id_number"],
            employment_type=input["employment_type"],
            join_date=input["join_date"],
            phone=input.get("phone") or "",
            ethnicity=input.get("ethnicity") or "",
            branch=branch,
            card_number=input.get("card_number"),
            actor_id=_actor_id(context),
        )
        notice = transfer_requested_notice() if result.transfer is not None else None
        return {"member": result.member, "transfer": result.transfer, "notice": notice}


class MemberUpdateInput(graphene.InputObjectType):
    """Only the fields sent are changed."""

    name = graphene.String()
    id_number = graphene.String(description="A corrected number; sex and birth date follow it.")
    employment_type = graphene.String()
    join_date = graphene.Date()
    phone = graphene.String()
    ethnicity = graphene.String()
    branch = graphene.ID(description="Move the member to this branch.")
    card_number = graphene.String()


class MemberUpdate(BaseMutation):
    class Arguments:
        id = graphene.ID(required=True)
        input = MemberUpdateInput(required=True)

    member = graphene.Field(Member)

    @classmethod
    def perform(cls, info, context, id, input):
        member = _managed_member(context, id)
        changes = {key: value for key, value in input.items() if value is not None}
        before = {}
        for key in changes:
            if key == "id_number":
                before[key] = member.id_number_masked  # masked again by the audit (sensitive field)
            elif key == "branch":
                before[key] = _branch_gid(context, member.branch_id)
            else:
                before[key] = getattr(member, key)
        if "branch" in changes:
            changes["branch"] = _branch(context, changes["branch"])
        member = services.member_update(member=member, union=context.union, **changes)
        return {"member": member, "_audit_before": before}


def _branch_gid(context, branch_id):
    from api.core.ids import to_tenant_global_id

    return to_tenant_global_id("Branch", context.union.pk, branch_id) if branch_id else None


class MemberChangeStatus(BaseMutation):
    """Move a member along the lifecycle: active -> retained / transferred_out / withdrawn / expelled / deceased;
    retained -> active / withdrawn / deceased / transferred_out. Reasons per status: retained: retired,
    unemployed, employer_closed; withdrawn: voluntary; deceased: death; transferred_out: transfer, job_change; active
    (from retained): reemployed, reinstated. 视为自动退会 (withdrawalProposalDecide) and 开除会籍 (expulsionOpen,
    expulsionDecide, expulsionFile) follow their procedures and are refused here."""

    class Arguments:
        id = graphene.ID(required=True)
        to_status = graphene.String(required=True, description="A MemberStatus value, e.g. retained.")
        reason = graphene.String(required=True, description="A reason code for that status, e.g. retired.")
        effective_on = graphene.Date(required=True)
        note = graphene.String()

    member = graphene.Field(Member)

    @classmethod
    def perform(cls, info, context, id, to_status, reason, effective_on, note=None):
        member = _managed_member(context, id)
        member = services.member_change_status(
            member=member,
            to_status=to_status,
            reason=reason,
            effective_on=effective_on,
            note=note or "",
            actor_id=_actor_id(context),
            union=context.union,
        )
        return {"member": member}


class MemberRevealIdNumber(BaseMutation):
    """The full identity number of a member (needs member.manage). Every reveal is audited."""

    class Arguments:
        id = graphene.ID(required=True)

    member = graphene.Field(Member)
    id_number = graphene.String()

    @classmethod
    def perform(cls, info, context, id):
        member = _managed_member(context, id)
        return {"member": member, "id_number": id_decrypt(member.id_number_encrypted)}

    @classmethod
    def audit_changes(cls, arguments, result):
        # Which member was revealed, never the number itself.
        return {"id_number_revealed": {"before": None, "after": result["member"].pk}}


class DuesRecord(BaseMutation):
    """Record dues (会费) for one month; recording the same month again updates it."""

    class Arguments:
        member = graphene.ID(required=True)
        month = graphene.String(required=True, description='The month paid for, "2025-03".')
        amount = graphene.Decimal(required=True)
        paid_on = graphene.Date(required=True)
        method = graphene.String(description="self (本人缴纳, default) or payroll (工资代扣).")

    member = graphene.Field(Member)
    dues_payment = graphene.Field(DuesPayment)

    @classmethod
    def perform(cls, info, context, member, month, amount, paid_on, method=None):
        target = _managed_member(context, member, "member")
        payment = services.dues_record(
            member=target,
            month=month,
            amount=amount,
            paid_on=paid_on,
            union=context.union,
            method=method or "self",
        )
        target.refresh_from_db()
        return {"member": target, "dues_payment": payment}


def _managed_proposal(context, global_id):
    require_union_perm(context, Perm.MEMBER_MANAGE)
    try:
        return proposal_for(context, global_id)
    except AccessDenied:
        raise field_not_found("proposal") from None


def _managed_case(context, global_id):
    require_union_perm(context, Perm.MEMBER_MANAGE)
    try:
        return expulsion_case_for(context, global_id)
    except AccessDenied:
        raise field_not_found("case") from None


class MemberTalkRecord(BaseMutation):
    """Record a talk (教育谈话) with a member about unpaid dues and absence from union life: the step before a
    视为自动退会 proposal."""

    class Arguments:
        member = graphene.ID(required=True)
        talked_on = graphene.Date(required=True)
        officer_name = graphene.String(required=True, description="Who talked to the member.")
        note = graphene.String()

    member = graphene.Field(Member)
    talk = graphene.Field(MemberTalk)

    @classmethod
    def perform(cls, info, context, member, talked_on, officer_name, note=None):
        target = _managed_member(context, member, "member")
        talk = member_talk_record(
            member=target,
            talked_on=talked_on,
            officer_name=officer_name,
            note=note or "",
            actor_id=_actor_id(context),
            union=context.union,
        )
        return {"member": target, "talk": talk}


class WithdrawalProposalDecide(BaseMutation):
    """Decide a 视为自动退会 proposal: confirm (the officer attests the member took no part in union life either;
    the member counts as withdrawn from today) or dismiss it with the reason."""

    class Arguments:
        proposal = graphene.ID(required=True)
        confirm = graphene.Boolean(required=True, description="true = confirm, false = dismiss.")
        no_participation = graphene.Boolean(
            required=True,
            description="Confirming: the officer attests the member took no part in union life for six months "
            "(ignored when dismissing).",
        )
        note = graphene.String(description="Required when dismissing.")

    proposal = graphene.Field(WithdrawalProposal)

    @classmethod
    def perform(cls, info, context, proposal, confirm, no_participation, note=None):
        row = _managed_proposal(context, proposal)
        if confirm:
            row = withdrawal_confirm(
                proposal=row,
                no_participation=bool(no_participation),
                note=note or "",
                actor_id=_actor_id(context),
                union=context.union,
            )
        else:
            row = withdrawal_dismiss(
                proposal=row, note=note or "", actor_id=_actor_id(context), union=context.union
            )
        return {"proposal": row}


class ExpulsionOpen(BaseMutation):
    """开除会籍, step 1: record the 工会小组's discussion and view, with the grounds (criminal, violation)."""

    class Arguments:
        member = graphene.ID(required=True)
        grounds = graphene.String(
            required=True, description="criminal (受到刑事处罚) or violation (严重违反会章)."
        )
        facts = graphene.String(required=True)
        group_view_on = graphene.Date(required=True)
        group_view = graphene.String(required=True)

    case = graphene.Field(ExpulsionCase)

    @classmethod
    def perform(cls, info, context, member, grounds, facts, group_view_on, group_view):
        target = _managed_member(context, member, "member")
        case = expulsion_open(
            member=target,
            grounds=grounds,
            facts=facts,
            group_view_on=group_view_on,
            group_view=group_view,
            actor_id=_actor_id(context),
            union=context.union,
        )
        return {"case": case}


class ExpulsionDecide(BaseMutation):
    """开除会籍, step 2: the union committee's decision (with its number); the member's status becomes 开除会籍."""

    class Arguments:
        case = graphene.ID(required=True)
        decided_on = graphene.Date(required=True)
        decision_number = graphene.String(required=True)

    case = graphene.Field(ExpulsionCase)

    @classmethod
    def perform(cls, info, context, case, decided_on, decision_number):
        row = _managed_case(context, case)
        row = expulsion_decide(
            case=row,
            decided_on=decided_on,
            decision_number=decision_number,
            actor_id=_actor_id(context),
            union=context.union,
        )
        return {"case": row}


class ExpulsionFile(BaseMutation):
    """开除会籍, step 3: the decision filed with the higher-level union (报上一级工会备案)."""

    class Arguments:
        case = graphene.ID(required=True)
        filed_on = graphene.Date(required=True)
        filed_with = graphene.String(description="Default: the union's higher-level federation.")

    case = graphene.Field(ExpulsionCase)

    @classmethod
    def perform(cls, info, context, case, filed_on, filed_with=None):
        row = _managed_case(context, case)
        row = expulsion_file(
            case=row,
            filed_on=filed_on,
            filed_with=filed_with or "",
            actor_id=_actor_id(context),
            union=context.union,
        )
        return {"case": row}


class MembershipMutations(graphene.ObjectType):
    member_create = MemberCreate.Field()
    member_update = MemberUpdate.Field()
    # Procedures before plain status changes: the audit walk would otherwise have made its members retained.
    member_talk_record = MemberTalkRecord.Field()
    withdrawal_proposal_decide = WithdrawalProposalDecide.Field()
    expulsion_open = ExpulsionOpen.Field()
    expulsion_decide = ExpulsionDecide.Field()
    expulsion_file = ExpulsionFile.Field()
    member_change_status = MemberChangeStatus.Field()
    member_reveal_id_number = MemberRevealIdNumber.Field()
    dues_record = DuesRecord.Field()
