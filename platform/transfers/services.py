"""Member transfers (会员组织关系接转): request -> the origin union releases -> the destination union accepts.

Who starts a transfer:
- the destination union, for a person who wants to join there but holds membership elsewhere (`member_create` raised
  PersonActiveElsewhere): `transfer_request_from_conflict`, status REQUESTED, the origin must release;
- the origin union, sending its member to a named union: `transfer_request_send`, released at once.

Who decides at each step (the side the caller acts for; the GraphQL layer derives it from the union's host):
- REQUESTED: the origin releases or rejects; the requester (destination) may cancel;
- RELEASED: the destination accepts or rejects; the requester (either side) may cancel.

Completion (`transfer_accept`) changes both unions in ONE transaction on one connection: the origin's member becomes
transferred_out (history kept), a new member is created at the destination, the person index moves, and both unions'
live facts change, all through the membership services. Any failure leaves both unions as they were.

Membership is continuous ("join once, transfer dynamically"): the destination member keeps the person's ORIGINAL join
date (carried on the request as `original_join_date`) and dues paid-through date; the transfer date is the
`effective_on` of the status-history rows at both ends and is named in their notes.

Every service locks the transfer row first, so two concurrent decisions cannot both pass the status check.

Several unions may ask for the same person at once (one open request per person and destination union): a request
from a union the person never asked to join cannot block the one they did. The origin releases to one union at a
time; accepting closes the others' requests. Requests do not expire: the origin rejects one it does not recognise
(docs/membership.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from federations.models import Union, UnionStatus
from membership.models import HOLDING_STATUSES, Member, MemberOrigin, MemberStatus, MemberStatusChange
from membership.services import PersonActiveElsewhere, member_change_status, member_create
from membership.validation import employment_type_clean, name_clean
from organisation.models import Branch
from people.identity import id_decrypt, parse_identity_number, seal
from people.models import PersonMembership
from unionhub.errors import DomainValidationError

from .models import OPEN_STATUSES, TransferRequest, TransferSide, TransferStatus

# Status reasons in the member histories (membership.models.STATUS_REASONS).
REASON_OUT = "transfer"


def _error(field: str | None, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field or "__all__", code, message)


def _locked(transfer: TransferRequest) -> TransferRequest:
    return (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("origin_union", "destination_union")
        .get(pk=transfer.pk)
    )


def _check_open(transfer: TransferRequest) -> None:
    if transfer.status not in OPEN_STATUSES:
        raise _error(
            "id",
            "already_decided",
            _("该转接申请已处理完毕（%(status)s），不能再次操作。")
            % {"status": transfer.get_status_display()},
        )


def _transfer_open() -> str:
    return _("该人员已有一笔正在办理的转接申请，请先处理该申请。")


def _released_elsewhere() -> str:
    return _("本工会已同意该会员转往其他工会，请等待对方接收或撤回后再办理。")


def _check_open_slot(id_hash: str, field: str, *, destination_union: Union) -> None:
    """One open request per person and destination: a second one from the same union is refused, requests from
    other unions are not (whoever asks first must not block the union the person really wants to join)."""
    if TransferRequest.objects.filter(
        id_hash=id_hash, destination_union=destination_union, status__in=OPEN_STATUSES
    ).exists():
        raise _error(field, "transfer_open", _transfer_open())


def _check_not_released(id_hash: str, field: str) -> None:
    """The origin lets a person go to one union at a time."""
    if TransferRequest.objects.filter(id_hash=id_hash, status=TransferStatus.RELEASED).exists():
        raise _error(field, "transfer_open", _released_elsewhere())


def _save_new(transfer: TransferRequest, field: str) -> TransferRequest:
    # The partial unique indexes are the last word (two requests at once).
    try:
        with transaction.atomic():
            transfer.save(force_insert=True)
    except IntegrityError:
        raise _error(field, "transfer_open", _transfer_open()) from None
    return transfer


def _check_destination_branch(union: Union, branch_id: int | None, field: str = "branch") -> int | None:
    if branch_id is None:
        return None

    with schema_context(union.schema_name):
        if not Branch.objects.filter(pk=branch_id).exists():
            raise _error(field, "not_found", _("所选分会不存在或不属于本工会。"))
    return branch_id


def _holding_member(union: Union, member_id: int, *, lock: bool = False):
    """The member row in `union` if it still holds membership there (active or retained), else None."""
    with schema_context(union.schema_name):
        rows = Member.objects.filter(pk=member_id, status__in=list(HOLDING_STATUSES))
        if lock:
            rows = rows.select_for_update()
        return rows.first()


def _person_index(id_hash: str, *, lock: bool = False):
    rows = PersonMembership.objects.filter(id_hash=id_hash)
    if lock:
        rows = rows.select_for_update()
    return rows.first()


def _check_still_at_origin(transfer: TransferRequest, *, lock: bool = False):
    """The origin member, locked when asked, if the person still holds membership there; a field error otherwise."""
    person = _person_index(transfer.id_hash, lock=lock)
    member = None
    if (
        person is not None
        and person.union_id == transfer.origin_union_id
        and person.member_id == transfer.origin_member_id
    ):
        member = _holding_member(transfer.origin_union, transfer.origin_member_id, lock=lock)
    if member is None:
        raise _error(
            "id",
            "membership_changed",
            _("该人员在转出工会的会籍已发生变化（已转出、退会或不在册），本转接申请无法继续，请拒绝或撤回。"),
        )
    return member


# --- starting a transfer ----------------------------------------------------------------------------------------


def transfer_request_send(
    *,
    origin_union: Union,
    member_id: int,
    destination_union: Union,
    note: str = "",
    actor_id: int | None = None,
) -> TransferRequest:
    """The origin union sends its member to `destination_union`. Released at once: the origin has agreed."""
    if destination_union.pk == origin_union.pk:
        raise _error("destination_union", "same_union", _("转入工会不能是本工会。"))
    if destination_union.status != UnionStatus.ACTIVE:
        raise _error("destination_union", "inactive", _("转入工会当前不能接收会员。"))
    with transaction.atomic():
        member = _holding_member(origin_union, member_id, lock=True)
        if member is None:
            raise _error("member", "not_found", _("会员不存在，或已不在本工会会籍中（已转出、退会等）。"))
        _check_not_released(member.id_hash, "member")
        _check_open_slot(member.id_hash, "member", destination_union=destination_union)
        now = timezone.now()
        transfer = TransferRequest(
            origin_union=origin_union,
            destination_union=destination_union,
            requested_by_side=TransferSide.ORIGIN,
            status=TransferStatus.RELEASED,
            id_hash=member.id_hash,
            id_kind=member.id_kind,
            id_number_encrypted=member.id_number_encrypted,
            id_number_masked=member.id_number_masked,
            id_last4=member.id_last4,
            name=member.name,
            employment_type=member.employment_type,
            original_join_date=member.join_date,
            origin_member_id=member.pk,
            note=(note or "").strip()[:500],
            requested_by_id=actor_id,
            released_at=now,
            released_by_id=actor_id,
        )
        return _save_new(transfer, "member")


def transfer_request_from_conflict(
    *,
    destination_union: Union,
    id_number: str,
    name: str,
    employment_type: str | None = None,
    branch_id: int | None = None,
    note: str = "",
    actor_id: int | None = None,
) -> TransferRequest:
    """The destination asks for a person who holds membership in another union (what `member_create` refused with
    PersonActiveElsewhere). Waits for the origin to release it.

    The destination learns only that the person is a member elsewhere and that a request was sent: which union and
    since when stay hidden from it until the origin releases (api.transfers.types); the origin sees who asked."""
    parsed = parse_identity_number(id_number)
    name = name_clean(name)
    sealed = seal(parsed.number)
    person_hash = sealed.hash
    with transaction.atomic():
        person = _person_index(person_hash, lock=True)
        if person is None:
            raise _error(
                "id_number", "not_active_elsewhere", _("该人员未在其他工会登记会籍，请直接办理入会。")
            )
        if person.union_id == destination_union.pk:
            raise _error("id_number", "already_member", _("该人员已是本工会会员。"))
        origin_union = Union.objects.get(pk=person.union_id)
        origin_member = _holding_member(origin_union, person.member_id)
        if origin_member is None:  # the index and the origin disagree; never guess
            raise _error(
                "id_number", "not_active_elsewhere", _("该人员未在其他工会登记会籍，请直接办理入会。")
            )
        employment_type = employment_type_clean(employment_type or origin_member.employment_type)
        branch_id = _check_destination_branch(destination_union, branch_id)
        _check_open_slot(person_hash, "id_number", destination_union=destination_union)
        transfer = TransferRequest(
            origin_union=origin_union,
            destination_union=destination_union,
            requested_by_side=TransferSide.DESTINATION,
            status=TransferStatus.REQUESTED,
            id_kind=parsed.kind,
            **sealed.fields(),
            name=name,
            employment_type=employment_type,
            original_join_date=origin_member.join_date,
            origin_member_id=person.member_id,
            destination_branch_id=branch_id,
            note=(note or "").strip()[:500],
            requested_by_id=actor_id,
        )
        return _save_new(transfer, "id_number")


def transfer_requested_notice() -> str:
    """What the destination is told when a person it registers is a member elsewhere: nothing about where."""
    return _("此人已是其他工会会员，已发出会员组织关系接转申请，待原工会同意转出后即可接收。")


@dataclass(frozen=True)
class JoinResult:
    """What joining produced: a new member, or (the person holds membership elsewhere) a transfer request."""

    member: object | None = None
    transfer: TransferRequest | None = None


def member_create_or_request_transfer(*, union: Union, note: str = "", **member_fields) -> JoinResult:
    """`membership.services.member_create`, but a person active in another union becomes a transfer request to
    this union instead of an error (one person, one membership). Other validation errors propagate."""
    try:
        with transaction.atomic():  # a savepoint: whatever member_create wrote before refusing is undone
            return JoinResult(member=member_create(union=union, **member_fields))
    except PersonActiveElsewhere:
        pass
    branch = member_fields.get("branch")  # a Branch or its id, as member_create takes it
    transfer = transfer_request_from_conflict(
        destination_union=union,
        id_number=member_fields["id_number"],
        name=member_fields["name"],
        employment_type=member_fields.get("employment_type"),
        branch_id=getattr(branch, "pk", branch),
        note=note,
        actor_id=member_fields.get("actor_id"),
    )
    return JoinResult(transfer=transfer)


# --- decisions --------------------------------------------------------------------------------------------------


def transfer_release(*, transfer: TransferRequest, actor_id: int | None = None) -> TransferRequest:
    """The origin lets the member go (only while REQUESTED, and only while the person still holds membership)."""
    with transaction.atomic():
        transfer = _locked(transfer)
        _check_open(transfer)
        if transfer.status == TransferStatus.RELEASED:
            raise _error("id", "already_released", _("该转接申请已同意转出，等待转入工会接收。"))
        _check_still_at_origin(transfer)
        _check_not_released(transfer.id_hash, "id")
        transfer.status = TransferStatus.RELEASED
        transfer.released_at = timezone.now()
        transfer.released_by_id = actor_id
        try:
            with transaction.atomic():  # a concurrent release of another request for the person
                transfer.save(update_fields=["status", "released_at", "released_by_id", "updated_at"])
        except IntegrityError:
            raise _error("id", "transfer_open", _released_elsewhere()) from None
    return transfer


def transfer_reject(
    *, transfer: TransferRequest, side: str, reason: str, actor_id: int | None = None
) -> TransferRequest:
    """The side whose decision it is says no: the origin while REQUESTED, the destination while RELEASED."""
    reason = (reason or "").strip()
    if not reason:
        raise _error("reason", "required", _("请填写拒绝原因。"))
    if len(reason) > 500:
        raise _error("reason", "too_long", _("拒绝原因不能超过500个字符。"))
    with transaction.atomic():
        transfer = _locked(transfer)
        _check_open(transfer)
        deciding = (
            TransferSide.ORIGIN if transfer.status == TransferStatus.REQUESTED else TransferSide.DESTINATION
        )
        if side != deciding:
            if deciding == TransferSide.ORIGIN:
                message = _("该申请正等待转出工会审核，转入工会如不再需要可撤回申请。")
            else:
                message = _("转出工会已同意转出，现等待转入工会处理；如需终止请撤回本工会发起的申请。")
            raise _error("id", "not_your_turn", message)
        transfer.status = TransferStatus.REJECTED
        transfer.rejected_by_side = side
        transfer.reject_reason = reason
        transfer.decided_at = timezone.now()
        transfer.decided_by_id = actor_id
        transfer.save(
            update_fields=[
                "status",
                "rejected_by_side",
                "reject_reason",
                "decided_at",
                "decided_by_id",
                "updated_at",
            ]
        )
    return transfer


def transfer_cancel(*, transfer: TransferRequest, side: str, actor_id: int | None = None) -> TransferRequest:
    """The side that started the transfer withdraws it while it is still open."""
    with transaction.atomic():
        transfer = _locked(transfer)
        _check_open(transfer)
        if side != transfer.requested_by_side:
            raise _error("id", "not_requester", _("只有发起转接的工会可以撤回申请。"))
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_at = timezone.now()
        transfer.decided_by_id = actor_id
        transfer.save(update_fields=["status", "decided_at", "decided_by_id", "updated_at"])
    return transfer


def transfer_accept(
    *, transfer: TransferRequest, branch_id: int | None = None, actor_id: int | None = None
) -> TransferRequest:
    """The destination takes the member in: both unions change in this one transaction, or neither does.

    `branch_id` (a branch of the destination) overrides the one named in the request. Accepting a decided transfer
    is a field error ("already_decided"), so a repeated click changes nothing.
    """
    with transaction.atomic():
        transfer = _locked(transfer)
        _check_open(transfer)
        if transfer.status != TransferStatus.RELEASED:
            raise _error("id", "not_released", _("转出工会尚未同意转出，暂不能接收。"))
        origin, destination = transfer.origin_union, transfer.destination_union
        branch_id = _check_destination_branch(
            destination, branch_id if branch_id is not None else transfer.destination_branch_id
        )
        member = _check_still_at_origin(transfer, lock=True)
        today = timezone.localdate()
        # The origin's row is the record of when the person joined (it may have been corrected since the request).
        joined = member.join_date or transfer.original_join_date
        dates = {"joined": f"{joined:%Y-%m-%d}", "on": f"{today:%Y-%m-%d}"}

        member_change_status(
            union=origin,
            member=member,
            to_status=MemberStatus.TRANSFERRED_OUT,
            reason=REASON_OUT,
            effective_on=today,
            note=_("%(on)s转入%(union)s") % {"union": destination.name, **dates},
            actor_id=actor_id,
        )
        new_member = member_create(
            union=destination,
            name=transfer.name,
            id_number=id_decrypt(transfer.id_number_encrypted),
            employment_type=transfer.employment_type,
            join_date=joined,  # continuous membership: the original join date, not the transfer date
            phone=member.phone,
            ethnicity=member.ethnicity,
            branch=branch_id,
            actor_id=actor_id,
            origin=MemberOrigin.TRANSFERRED_IN,  # not a new member: the person's figures move, they do not grow
        )
        # member_create dated the arrival at the join date; at the destination it took effect today. Dues paid at
        # the origin carry over, so a long-standing member is not in arrears the day they arrive.
        with schema_context(destination.schema_name):
            Member.objects.filter(pk=new_member.pk).update(
                status_changed_on=today, dues_paid_through=member.dues_paid_through
            )
            MemberStatusChange.objects.filter(member_id=new_member.pk).update(
                effective_on=today,
                note=_("%(on)s由%(union)s转入（入会日期%(joined)s）") % {"union": origin.name, **dates},
            )
        new_member.status_changed_on, new_member.dues_paid_through = today, member.dues_paid_through

        transfer.original_join_date = joined
        _transfer_mark_accepted(transfer, new_member_id=new_member.pk, on=today, actor_id=actor_id)
        _close_other_requests(transfer, actor_id=actor_id)
    return transfer


def _close_other_requests(transfer: TransferRequest, *, actor_id: int | None) -> None:
    """Other unions' requests for the person could never be released now: close them, saying only that the
    membership moved (not where)."""
    TransferRequest.objects.filter(
        id_hash=transfer.id_hash, origin_union_id=transfer.origin_union_id, status__in=OPEN_STATUSES
    ).exclude(pk=transfer.pk).update(
        status=TransferStatus.REJECTED,
        rejected_by_side=TransferSide.ORIGIN,
        reject_reason=str(_("该会员的会籍已转出，本申请自动关闭。")),
        decided_at=timezone.now(),
        decided_by_id=actor_id,
        updated_at=timezone.now(),
    )


def _transfer_mark_accepted(
    transfer: TransferRequest, *, new_member_id: int, on, actor_id: int | None
) -> None:
    """The last step of a completion (a separate function so tests can make it fail)."""
    transfer.status = TransferStatus.ACCEPTED
    transfer.destination_member_id = new_member_id
    transfer.transfer_date = on
    transfer.decided_at = timezone.now()
    transfer.decided_by_id = actor_id
    transfer.save(
        update_fields=[
            "status",
            "destination_member_id",
            "original_join_date",
            "transfer_date",
            "decided_at",
            "decided_by_id",
            "updated_at",
        ]
    )
