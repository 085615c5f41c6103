"""Approval creates the member, links it and counts it in the drive's progress, all in one transaction."""

from __future__ import annotations

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tests.support.drives import resident_id
from unionhub.errors import DomainValidationError


def _submit(world, link_for, union, branch=None, **overrides):
    from recruitment.services import application_submit

    values = {
        "name": "赵六",
        "id_number": resident_id(),
        "phone": "13900139000",
        "employment_type": "new_form",
        "consent": True,
        "client_address": "127.0.0.1",
    }
    values.update(overrides)
    with schema_context(union.schema_name):
        return application_submit(token=link_for(world.drive, union, branch), union=union, **values)


def _progress(drive):
    from drives.models import DriveProgress

    return {(p.union_id, p.branch_id): p.new_members for p in DriveProgress.objects.filter(drive=drive)}


def _state(union):
    """Everything approval may write: members, applications, person index, progress, live facts."""
    from drives.models import DriveProgress
    from membership.models import Member
    from people.models import PersonMembership
    from recruitment.models import Application
    from rollup.models import LiveFact

    with schema_context(union.schema_name):
        return (
            sorted(Member.objects.values_list("id", "status")),
            sorted(Application.objects.values_list("id", "status", "member_id", "decided_at")),
            sorted(PersonMembership.objects.values_list("id_hash", "union_id")),
            sorted(DriveProgress.objects.values_list("union_id", "branch_id", "new_members")),
            sorted(LiveFact.objects.values_list("union_id", "branch_id", "indicator", "period", "value")),
        )


def test_approve_creates_member_links_it_and_counts_progress(world, link_for):
    from membership.models import Member
    from people.identity import id_hash
    from people.models import PersonMembership
    from recruitment.services import application_approve
    from rollup.models import LiveFact

    number = resident_id(born="19950505")
    application = _submit(world, link_for, world.u1, world.b1, id_number=number, name="钱七")
    with schema_context(world.u1.schema_name):
        approved = application_approve(union=world.u1, application=application, actor_id=world.u1_admin.pk)
        member = Member.objects.get(pk=approved.member_id)
    assert approved.status == "approved" and approved.decided_by_id == world.u1_admin.pk
    assert (member.name, member.branch_id, member.employment_type, member.phone) == (
        "钱七",
        world.b1.pk,
        "new_form",
        "13900139000",
    )
    assert member.id_hash == id_hash(number) and member.birth_date.isoformat() == "1995-05-05"
    assert member.join_date == world.today
    assert PersonMembership.objects.get(id_hash=id_hash(number)).union_id == world.u1.pk
    assert _progress(world.drive) == {(world.u1.pk, world.b1.pk): 1, (world.u1.pk, 0): 1}
    members_fact = LiveFact.objects.get(union=world.u1, branch_id=0, indicator="members", period="")
    assert members_fact.value == 1


def test_approving_twice_is_already_decided_and_writes_nothing(world, link_for):
    from recruitment.services import application_approve

    application = _submit(world, link_for, world.u1)
    with schema_context(world.u1.schema_name):
        application_approve(union=world.u1, application=application)
    before = _state(world.u1)
    with schema_context(world.u1.schema_name), pytest.raises(DomainValidationError) as exc:
        application_approve(union=world.u1, application=application)
    assert [(e.field, e.code) for e in exc.value.errors] == [("id", "already_decided")]
    assert exc.value.errors[0].message == "该申请已处理，不能重复审核。"
    assert _state(world.u1) == before
    assert _progress(world.drive) == {(world.u1.pk, 0): 1}


def test_rejected_application_cannot_be_approved_and_reject_needs_a_reason(world, link_for):
    from recruitment.services import application_approve, application_reject

    application = _submit(world, link_for, world.u1)
    with schema_context(world.u1.schema_name):
        with pytest.raises(DomainValidationError) as exc:
            application_reject(union=world.u1, application=application, reason="  ")
        assert exc.value.errors[0].code == "required"
        rejected = application_reject(union=world.u1, application=application, reason="非本单位职工")
        assert (rejected.status, rejected.reason) == ("rejected", "非本单位职工")
        before = _state(world.u1)
        with pytest.raises(DomainValidationError) as exc:
            application_approve(union=world.u1, application=application)
        assert exc.value.errors[0].code == "already_decided"
    assert _state(world.u1) == before
    assert _progress(world.drive) == {}


def test_a_failure_after_the_member_is_created_rolls_everything_back(world, link_for, monkeypatch):
    """Member, person index, live facts and application status commit together with the progress or not at all."""
    import recruitment.services as recruitment

    application = _submit(world, link_for, world.u1, world.b1)
    before = _state(world.u1)

    def broken(**kwargs):
        raise RuntimeError("progress write failed")

    monkeypatch.setattr(recruitment, "drive_progress_apply", broken)
    with schema_context(world.u1.schema_name), pytest.raises(RuntimeError):
        recruitment.application_approve(union=world.u1, application=application)
    assert _state(world.u1) == before
    assert connection.schema_name == "public"


def test_person_already_member_here_cannot_be_approved_again(world, link_for):
    from membership.services import member_create
    from recruitment.services import application_approve

    number = resident_id()
    application = _submit(world, link_for, world.u1, id_number=number)
    member_create(
        union=world.u1, name="赵六", id_number=number, employment_type="regular", join_date=world.today
    )
    before = _state(world.u1)
    with schema_context(world.u1.schema_name), pytest.raises(DomainValidationError) as exc:
        application_approve(union=world.u1, application=application)
    assert exc.value.errors[0].code == "duplicate"
    assert _state(world.u1) == before


def test_person_active_in_another_union_becomes_a_transfer_request(world, link_for):
    """One person, one membership: approval asks the other union to release the member instead."""
    from membership.services import member_create
    from recruitment.services import application_approve

    number = resident_id()
    member_create(
        union=world.u2, name="孙八", id_number=number, employment_type="regular", join_date=world.today
    )
    application = _submit(world, link_for, world.u1, id_number=number, name="孙八")
    try:
        from transfers.models import TransferRequest
    except ImportError:  # pragma: no cover - without the transfers app approval answers active_elsewhere
        pytest.skip("transfers app not installed")
    with schema_context(world.u1.schema_name):
        approved = application_approve(union=world.u1, application=application)
    transfer = TransferRequest.objects.get(pk=approved.transfer_request_id)
    assert (transfer.origin_union_id, transfer.destination_union_id, transfer.status) == (
        world.u2.pk,
        world.u1.pk,
        "requested",
    )
    assert approved.status == "approved" and approved.member_id is None
    # Counted when a member is created here, not for a transfer (u2's own member, added by hand during the drive,
    # is u2's new member).
    assert _progress(world.drive) == {(world.u2.pk, 0): 1}
