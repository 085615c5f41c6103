"""Transfers (会员组织关系接转) at the service level: the two-union completion, its atomicity, and every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from tests.support.members import make_id
from unionhub.errors import DomainValidationError


def _code(exc_info) -> tuple[str, str]:
    error = exc_info.value.errors[0]
    return error.field, error.code


def union_state(union) -> dict:
    """Everything a transfer may touch in one union: its member rows, their histories, its live facts."""
    from membership.facts import facts_count_union
    from membership.models import Member, MemberStatusChange
    from rollup.selectors import facts_for_union

    with schema_context(union.schema_name):
        members = list(
            Member.objects.order_by("pk").values_list(
                "pk", "name", "status", "status_reason", "branch_id", "origin"
            )
        )
        history = list(
            MemberStatusChange.objects.order_by("pk").values_list(
                "member_id", "from_status", "to_status", "reason"
            )
        )
        recount = facts_count_union()
    return {"members": members, "history": history, "facts": facts_for_union(union=union), "recount": recount}


def person_at(id_number):
    from people.identity import id_hash
    from people.models import PersonMembership

    return (
        PersonMembership.objects.filter(id_hash=id_hash(id_number))
        .values_list("union_id", "member_id")
        .first()
    )


def test_requested_released_accepted_moves_the_member_and_both_unions_figures(world, join):
    from membership.models import Member, MemberStatusChange
    from rollup import indicators as ind
    from transfers.services import member_create_or_request_transfer, transfer_accept, transfer_release

    number = make_id(female=True)
    staying = join(world.origin, name="李四")
    leaving = join(
        world.origin,
        name="王芳",
        id_number=number,
        employment_type="migrant",
        branch=world.origin_branch,
        phone="13800001111",
        ethnicity="回族",
        join_date=date(2019, 3, 8),
    )
    already_here = join(world.destination, name="赵六")
    before_dest = union_state(world.destination)
    assert before_dest["facts"][(0, ind.MEMBERS, "")] == 1

    # She wants to join the destination: member_create refuses (active elsewhere) and a transfer request appears.
    result = member_create_or_request_transfer(
        union=world.destination,
        name="王芳",
        id_number=number,
        employment_type="migrant",
        join_date="2025-01-01",
        branch=world.dest_branch,
        actor_id=world.dest_admin.pk,
    )
    assert result.member is None
    transfer = result.transfer
    assert (transfer.status, transfer.requested_by_side) == ("requested", "destination")
    assert (transfer.origin_union_id, transfer.destination_union_id) == (
        world.origin.pk,
        world.destination.pk,
    )
    assert transfer.origin_member_id == leaving.pk and transfer.destination_branch_id == world.dest_branch.pk
    # The request carries when she first joined, not the date the destination typed in.
    assert transfer.original_join_date == date(2019, 3, 8)
    assert transfer.id_number_masked == number[:6] + "********" + number[-4:]
    assert number not in transfer.id_number_encrypted
    assert union_state(world.destination) == before_dest  # nothing created at the destination yet

    transfer = transfer_release(transfer=transfer, actor_id=world.origin_admin.pk)
    assert transfer.status == "released" and transfer.released_by_id == world.origin_admin.pk

    transfer = transfer_accept(transfer=transfer, actor_id=world.dest_admin.pk)
    today = timezone.localdate()
    assert transfer.status == "accepted" and transfer.transfer_date == today
    transfer.refresh_from_db()
    assert (transfer.original_join_date, transfer.transfer_date) == (date(2019, 3, 8), today)

    # Origin: the member row stays, transferred out for reason "transfer", with its history.
    with schema_context(world.origin.schema_name):
        gone = Member.objects.get(pk=leaving.pk)
        assert (gone.status, gone.status_reason, gone.status_changed_on) == (
            "transferred_out",
            "transfer",
            today,
        )
        history = list(MemberStatusChange.objects.filter(member=gone).order_by("pk"))
        assert [(h.from_status, h.to_status, h.reason) for h in history] == [
            ("", "active", "joined"),
            ("active", "transferred_out", "transfer"),
        ]
        assert world.destination.name in history[-1].note and f"{today:%Y-%m-%d}" in history[-1].note
        assert history[-1].effective_on == today
        assert Member.objects.get(pk=staying.pk).status == "active"

    # Destination: a member from the transfer in the branch the request named. Membership is continuous: she keeps
    # her original join date; the transfer date is when her status there began.
    with schema_context(world.destination.schema_name):
        arrived = Member.objects.get(pk=transfer.destination_member_id)
        assert (
            arrived.name,
            arrived.status,
            arrived.origin,
            arrived.join_date,
            arrived.status_changed_on,
        ) == (
            "王芳",
            "active",
            "transferred_in",
            date(2019, 3, 8),
            today,
        )
        assert (
            arrived.branch_id,
            arrived.employment_type,
            arrived.sex,
            arrived.phone,
            arrived.ethnicity,
        ) == (world.dest_branch.pk, "migrant", "female", "13800001111", "回族")
        assert arrived.id_hash == leaving.id_hash
        (entry,) = MemberStatusChange.objects.filter(member=arrived)
        assert (entry.to_status, entry.reason, entry.effective_on) == ("active", "transferred_in", today)
        assert world.origin.name in entry.note
        assert f"{today:%Y-%m-%d}" in entry.note and "2019-03-08" in entry.note
        assert Member.objects.filter(pk=already_here.pk, status="active").exists()

    assert person_at(number) == (world.destination.pk, arrived.pk)

    # Both unions' live figures moved, and a recount from each members table agrees with them.
    origin_after, dest_after = union_state(world.origin), union_state(world.destination)
    assert origin_after["facts"][(0, ind.MEMBERS, "")] == 1
    assert (0, ind.FEMALE_MEMBERS, "") not in origin_after["facts"]
    assert (world.origin_branch.pk, ind.MIGRANT_MEMBERS, "") not in origin_after["facts"]
    assert dest_after["facts"][(0, ind.MEMBERS, "")] == 2
    assert dest_after["facts"][(world.dest_branch.pk, ind.MIGRANT_MEMBERS, "")] == 1
    assert dest_after["facts"][(0, ind.FEMALE_MEMBERS, "")] == 1
    # A transfer in is not a new member of the destination; the origin keeps her joining in its year.
    assert dest_after["facts"].get((0, ind.NEW_MEMBERS, ind.reporting_year(today)), 0) == before_dest[
        "facts"
    ].get((0, ind.NEW_MEMBERS, ind.reporting_year(today)), 0)
    for state in (origin_after, dest_after):
        assert state["facts"] == state["recount"]


def test_origin_sends_a_member_who_is_released_at_once(world, join):
    from membership.models import Member
    from transfers.services import transfer_accept, transfer_request_send

    member = join(world.origin, name="钱七")
    transfer = transfer_request_send(
        origin_union=world.origin,
        member_id=member.pk,
        destination_union=world.destination,
        note="工作调动",
        actor_id=world.origin_admin.pk,
    )
    assert (transfer.status, transfer.requested_by_side, transfer.released_by_id) == (
        "released",
        "origin",
        world.origin_admin.pk,
    )
    transfer = transfer_accept(
        transfer=transfer, branch_id=world.dest_branch.pk, actor_id=world.dest_admin.pk
    )
    with schema_context(world.destination.schema_name):
        assert Member.objects.get(pk=transfer.destination_member_id).branch_id == world.dest_branch.pk


def test_join_date_and_paid_dues_carry_over_and_the_arrival_is_not_in_arrears(world, join):
    from membership.models import Member
    from membership.selectors import members_in_arrears
    from membership.services import dues_record
    from transfers.services import transfer_accept, transfer_request_send

    today = timezone.localdate()
    member = join(world.origin, join_date=date(2015, 6, 1))
    dues_record(member=member, month=today, amount="10.00", paid_on=today, union=world.origin)
    with schema_context(world.origin.schema_name):
        member.refresh_from_db()
    assert member.dues_paid_through is not None
    transfer = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    assert transfer.original_join_date == date(2015, 6, 1)
    # The origin corrects the join date before the destination accepts: the origin's record wins.
    with schema_context(world.origin.schema_name):
        Member.objects.filter(pk=member.pk).update(join_date=date(2015, 5, 1))
    transfer = transfer_accept(transfer=transfer)
    assert transfer.original_join_date == date(2015, 5, 1)
    with schema_context(world.destination.schema_name):
        arrived = Member.objects.get(pk=transfer.destination_member_id)
        assert (arrived.join_date, arrived.status_changed_on, arrived.dues_paid_through) == (
            date(2015, 5, 1),
            today,
            member.dues_paid_through,
        )
        assert not members_in_arrears(months=6, today=today).filter(pk=arrived.pk).exists()


def test_a_failure_at_the_last_step_leaves_both_unions_unchanged(world, join, monkeypatch):
    from transfers import services
    from transfers.models import TransferRequest

    number = make_id()
    member = join(world.origin, id_number=number, branch=world.origin_branch)
    join(world.destination)
    transfer = services.transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    before = (union_state(world.origin), union_state(world.destination), person_at(number))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_transfer_mark_accepted", broken)
    with pytest.raises(RuntimeError):
        services.transfer_accept(transfer=transfer, actor_id=world.dest_admin.pk)

    assert (union_state(world.origin), union_state(world.destination), person_at(number)) == before
    assert TransferRequest.objects.get(pk=transfer.pk).status == "released"
    monkeypatch.undo()
    assert services.transfer_accept(transfer=transfer).status == "accepted"  # and it can still complete


def test_accepting_twice_is_a_field_error_and_changes_nothing(world, join):
    from transfers.services import transfer_accept, transfer_request_send

    member = join(world.origin)
    transfer = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    transfer_accept(transfer=transfer)
    after_first = (union_state(world.origin), union_state(world.destination))
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_accept(transfer=transfer)
    assert _code(exc_info) == ("id", "already_decided")
    assert (union_state(world.origin), union_state(world.destination)) == after_first


def test_rejections_follow_whose_turn_it_is(world, join):
    from transfers.services import (
        transfer_reject,
        transfer_release,
        transfer_request_from_conflict,
        transfer_request_send,
    )

    number = make_id()
    join(world.origin, id_number=number, name="孙八")
    asked = transfer_request_from_conflict(destination_union=world.destination, id_number=number, name="孙八")

    with pytest.raises(
        DomainValidationError
    ) as exc_info:  # waiting for the origin: not the destination's turn
        transfer_reject(transfer=asked, side="destination", reason="不需要了")
    assert _code(exc_info) == ("id", "not_your_turn")
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_reject(transfer=asked, side="origin", reason="  ")
    assert _code(exc_info) == ("reason", "required")

    rejected = transfer_reject(
        transfer=asked, side="origin", reason="尚有会费未结清", actor_id=world.origin_admin.pk
    )
    assert (rejected.status, rejected.rejected_by_side, rejected.reject_reason) == (
        "rejected",
        "origin",
        "尚有会费未结清",
    )
    assert rejected.decided_by_id == world.origin_admin.pk and rejected.decided_at is not None
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_release(transfer=rejected)
    assert _code(exc_info) == ("id", "already_decided")
    assert person_at(number)[0] == world.origin.pk

    # Released: now it is the destination's turn, and the origin can no longer say no.
    member = join(world.origin)
    sent = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_reject(transfer=sent, side="origin", reason="改主意了")
    assert _code(exc_info) == ("id", "not_your_turn")
    assert (
        transfer_reject(transfer=sent, side="destination", reason="岗位已满").rejected_by_side
        == "destination"
    )


def test_only_the_requester_cancels_and_only_while_open(world, join):
    from transfers.services import (
        transfer_accept,
        transfer_cancel,
        transfer_release,
        transfer_request_from_conflict,
    )

    number = make_id()
    join(world.origin, id_number=number)
    transfer = transfer_request_from_conflict(
        destination_union=world.destination, id_number=number, name="周九"
    )
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_cancel(transfer=transfer, side="origin")
    assert _code(exc_info) == ("id", "not_requester")
    transfer_release(transfer=transfer)
    cancelled = transfer_cancel(transfer=transfer, side="destination", actor_id=world.dest_admin.pk)
    assert cancelled.status == "cancelled" and cancelled.decided_by_id == world.dest_admin.pk
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_accept(transfer=transfer)
    assert _code(exc_info) == ("id", "already_decided")
    # The slot is free again: a new request for the same person is allowed.
    again = transfer_request_from_conflict(destination_union=world.destination, id_number=number, name="周九")
    assert again.status == "requested"


def test_one_open_request_per_union_and_one_release_per_person(world, join):
    from transfers.models import TransferRequest
    from transfers.services import transfer_release, transfer_request_from_conflict, transfer_request_send

    number = make_id()
    member = join(world.origin, id_number=number)
    asked = transfer_request_from_conflict(destination_union=world.destination, id_number=number, name="吴十")
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_request_from_conflict(destination_union=world.destination, id_number=number, name="吴十")
    assert _code(exc_info) == ("id_number", "transfer_open")
    # Another union's pending request does not block the origin sending the member elsewhere ...
    sent = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.stranger
    )
    assert sent.status == "released"
    # ... but the origin lets the person go to one union at a time.
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_release(transfer=asked)
    assert _code(exc_info) == ("id", "transfer_open")
    assert TransferRequest.objects.count() == 2


def test_requests_that_make_no_sense_are_refused(world, join):
    from transfers.models import TransferRequest
    from transfers.services import transfer_accept, transfer_request_from_conflict, transfer_request_send

    here = make_id()
    join(world.destination, id_number=here)
    member = join(world.origin)
    cases = [
        (
            lambda: transfer_request_from_conflict(
                destination_union=world.destination, id_number=make_id(), name="新人"
            ),
            ("id_number", "not_active_elsewhere"),
        ),
        (
            lambda: transfer_request_from_conflict(
                destination_union=world.destination, id_number=here, name="本会"
            ),
            ("id_number", "already_member"),
        ),
        (
            lambda: transfer_request_from_conflict(
                destination_union=world.destination, id_number="110105199002301234", name="错号"
            ),
            ("id_number", "invalid_birth_date"),
        ),
        (
            lambda: transfer_request_from_conflict(
                destination_union=world.stranger, id_number=make_id(), name=""
            ),
            ("name", "required"),
        ),
        (
            lambda: transfer_request_send(
                origin_union=world.origin, member_id=member.pk, destination_union=world.origin
            ),
            ("destination_union", "same_union"),
        ),
        (
            lambda: transfer_request_send(
                origin_union=world.origin, member_id=999999, destination_union=world.destination
            ),
            ("member", "not_found"),
        ),
    ]
    for call, expected in cases:
        with pytest.raises(DomainValidationError) as exc_info:
            call()
        assert _code(exc_info) == expected
    # A branch of the destination named at request time must exist there (the origin's branch id does not).
    number = make_id()
    join(world.origin, id_number=number)
    with schema_context(world.destination.schema_name):
        from organisation.models import Branch

        missing = Branch.objects.order_by("-pk").first().pk + 100
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_request_from_conflict(
            destination_union=world.destination, id_number=number, name="甲", branch_id=missing
        )
    assert _code(exc_info) == ("branch", "not_found")
    sent = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_accept(transfer=sent, branch_id=missing)
    assert _code(exc_info) == ("branch", "not_found")
    assert TransferRequest.objects.get(pk=sent.pk).status == "released"


def test_a_member_who_left_the_origin_meanwhile_cannot_be_released_or_accepted(world, join):
    from membership.services import member_change_status
    from transfers.services import (
        transfer_accept,
        transfer_reject,
        transfer_release,
        transfer_request_from_conflict,
        transfer_request_send,
    )

    number = make_id()
    member = join(world.origin, id_number=number, join_date=date(2020, 1, 1))
    transfer = transfer_request_from_conflict(
        destination_union=world.destination, id_number=number, name="郑一"
    )
    member_change_status(
        union=world.origin,
        member=member,
        to_status="withdrawn",
        reason="voluntary",
        effective_on=timezone.localdate(),
    )
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_release(transfer=transfer)
    assert _code(exc_info) == ("id", "membership_changed")
    assert transfer_reject(transfer=transfer, side="origin", reason="已退会").status == "rejected"

    # Sent (released), then the member died before the destination accepted: nothing is created there.
    sent_member = join(world.origin, join_date=date(2020, 1, 1))
    sent = transfer_request_send(
        origin_union=world.origin, member_id=sent_member.pk, destination_union=world.destination
    )
    member_change_status(
        union=world.origin,
        member=sent_member,
        to_status="deceased",
        reason="death",
        effective_on=timezone.localdate(),
    )
    before = union_state(world.destination)
    with pytest.raises(DomainValidationError) as exc_info:
        transfer_accept(transfer=sent)
    assert _code(exc_info) == ("id", "membership_changed")
    assert union_state(world.destination) == before


def test_a_retained_member_can_be_transferred(world, join):
    from membership.models import Member
    from membership.services import member_change_status
    from rollup import indicators as ind
    from transfers.services import transfer_accept, transfer_request_send

    member = join(world.origin, join_date=date(2020, 1, 1))
    member_change_status(
        union=world.origin,
        member=member,
        to_status="retained",
        reason="unemployed",
        effective_on=timezone.localdate(),
    )
    transfer = transfer_request_send(
        origin_union=world.origin, member_id=member.pk, destination_union=world.destination
    )
    transfer = transfer_accept(transfer=transfer)
    with schema_context(world.destination.schema_name):
        assert Member.objects.get(pk=transfer.destination_member_id).status == "active"
    origin_state = union_state(world.origin)
    assert (0, ind.RETAINED_MEMBERS, "") not in origin_state["facts"]
    assert origin_state["facts"] == origin_state["recount"]


def test_transfers_for_union_shows_each_union_its_own_only(world, join):
    from accounts.access import actor_for
    from transfers.selectors import transfers_for_union
    from transfers.services import transfer_request_send

    sent = transfer_request_send(
        origin_union=world.origin, member_id=join(world.origin).pk, destination_union=world.destination
    )

    def seen(user, union, **filters):
        return list(transfers_for_union(actor_for(user), union, **filters).values_list("pk", flat=True))

    assert seen(world.origin_admin, world.origin, direction="out") == [sent.pk]
    assert seen(world.origin_admin, world.origin, direction="in") == []
    assert seen(world.dest_admin, world.destination, direction="in", status="released") == [sent.pk]
    assert seen(world.dest_admin, world.destination, status="accepted") == []
    assert seen(world.fed_admin, world.origin) == seen(world.fed_admin, world.destination) == [sent.pk]
    assert seen(world.fed_staff, world.destination) == [sent.pk]  # federation staff view members above
    for user, union in (
        (world.dest_admin, world.origin),  # the destination cannot look at the origin's list
        (world.stranger_admin, world.origin),
        (world.stranger_admin, world.stranger),
        (world.far_fed_admin, world.destination),
        (world.dest_branch_officer, world.destination),  # one branch's view is not the union's
        (world.no_role, world.destination),
        (world.town_admin, world.destination),  # above the origin only
    ):
        assert seen(user, union) == [], user.username
