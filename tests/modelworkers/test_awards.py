"""Award batches, nomination -> public notice -> award, and every refusal with nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from modelworkers import quotas
from modelworkers.awards.batches import batch_create, batch_quota_status
from modelworkers.awards.common import AttachmentSpec
from modelworkers.awards.nominations import nomination_accept, nomination_reject, nomination_submit
from modelworkers.awards.notices import notice_approve, notice_publish, objection_record, objection_resolve
from modelworkers.models import ModelWorker, Nomination, NominationStatus, Objection, WorkerStatus
from tests.support.files import PDF
from tests.support.members import make_id
from unionhub.errors import DomainValidationError

from .helpers import error_of, history, mw_facts

NO_QUOTAS: list = []


def make_batch(world, **overrides):
    values = {
        "awarding_node": world.county,
        "name": "劳模县第八届劳动模范评选",
        "session": 8,
        "year": 2026,
        "places": 4,
        "actor": world.fed_admin,
    }
    values.update(overrides)
    return batch_create(**values)


def nominate(world, batch, member, *, union=None, category="frontline", **overrides):
    values = {
        "batch": batch,
        "union": union or world.factory,
        "member_id": member.pk,
        "title": "model_worker",
        "category": category,
        "deeds": "扎根一线二十年，主持技术革新12项。",
        "congress_date": date(2026, 9, 15),
        "congress_attendance": 80,
        "congress_votes_for": 72,
        "actor": world.factory_admin,
    }
    values.update(overrides)
    return nomination_submit(**values)


def state():
    """Everything nominating and awarding may write."""
    from files.models import StoredFile
    from modelworkers.models import ModelWorkerStatusChange, NominationAttachment, PublicNotice
    from rollup.models import LiveFact

    return (
        list(Nomination.objects.order_by("pk").values_list("pk", "status", "notice_id", "worker_id")),
        ModelWorker.objects.count(),
        ModelWorkerStatusChange.objects.count(),
        NominationAttachment.objects.count(),
        StoredFile.objects.count(),
        list(PublicNotice.objects.values_list("pk", "approved_on")),
        Objection.objects.count(),
        list(
            LiveFact.objects.filter(indicator__startswith="mw_").values_list("union_id", "indicator", "value")
        ),
    )


# --- batches -----------------------------------------------------------------------------------------------------


def test_batch_gets_the_national_quotas_by_default_and_the_county_level(world):
    batch = make_batch(world)
    assert batch.level == "county"
    assert sorted(batch.quota_rules.values_list("code", flat=True)) == [
        "enterprise_head_max",
        "enterprise_min",
        "farmer_min",
        "frontline_min",
        "township_head_max",
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"places": 0}, "places"),
        ({"name": "  "}, "name"),
        ({"notice_days": 0}, "notice_days"),
        ({"rules": [quotas.Rule("x", ("farmer",), "min", 2000)]}, "quota_rules.0.permille"),
    ],
)
def test_bad_batch_input_is_refused(world, overrides, field):
    from modelworkers.models import AwardBatch

    with pytest.raises(DomainValidationError) as exc_info:
        make_batch(world, **overrides)
    assert exc_info.value.errors[0].field == field
    assert not AwardBatch.objects.exists()


def test_townships_do_not_award_and_sessions_are_unique(world):
    with pytest.raises(DomainValidationError) as exc_info:
        make_batch(world, awarding_node=world.town)
    assert error_of(exc_info) == ("awarding_node", "cannot_award")
    make_batch(world)
    with pytest.raises(DomainValidationError) as exc_info:
        make_batch(world)
    assert error_of(exc_info) == ("session", "duplicate")


# --- nominating --------------------------------------------------------------------------------------------------


def test_nomination_copies_the_member_and_warns_about_quotas(world, join, local_storage):
    batch = make_batch(world)
    member = join(world.factory, name="李工", id_number=make_id(female=True))
    nomination, warnings = nominate(
        world,
        batch,
        member,
        attachments=[AttachmentSpec(filename="职代会决议.pdf", content=PDF, label="职代会决议")],
    )
    assert (nomination.name, nomination.sex, nomination.person_hash, nomination.status) == (
        "李工",
        "female",
        member.id_hash,
        NominationStatus.SUBMITTED,
    )
    attachment = nomination.attachments.get()
    assert attachment.label == "职代会决议"
    assert attachment.file.key.startswith(f"tenants/{world.factory.schema_name}/modelworkers/nominations/")
    # One front-line worker: enterprise share is fine, farmers are missing (at least 1 of 1).
    assert len(warnings) == 1 and "农民不低于25%" in warnings[0]


def test_only_active_members_of_the_nominating_union(world, join):
    from membership.services import member_change_status

    batch = make_batch(world)
    elsewhere = join(world.hospital, name="医院会员")
    left = join(world.factory, name="退休保留会籍会员")  # retained membership is not active
    member_change_status(
        member=left,
        to_status="retained",
        reason="retired",
        effective_on=date(2026, 10, 1),
        union=world.factory,
    )
    before = state()
    for member in (elsewhere, left):
        with pytest.raises(DomainValidationError) as exc_info:
            nominate(world, batch, member)
        assert error_of(exc_info) == ("member", "not_active_member")
    assert state() == before


def test_unions_outside_the_awarding_node_cannot_nominate(world, join):
    batch = make_batch(world)
    member = join(world.stranger)
    with pytest.raises(DomainValidationError) as exc_info:
        nominate(world, batch, member, union=world.stranger)
    assert error_of(exc_info) == ("batch", "outside_node")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"congress_votes_for": 40}, "congress_votes_for", "not_passed"),  # exactly half is not a majority
        ({"congress_votes_for": 81}, "congress_votes_for", "exceeds_attendance"),
        ({"congress_attendance": 0}, "congress_attendance", "out_of_range"),
        ({"congress_date": date(2999, 1, 1)}, "congress_date", "in_future"),
        ({"congress_date": None}, "congress_date", "required"),
        ({"deeds": " "}, "deeds", "required"),
        ({"title": "hero"}, "title", "invalid_choice"),
        ({"category": "student"}, "category", "invalid_choice"),
        (
            {"attachments": [AttachmentSpec(filename="a.exe", content=b"MZ\x90\x00")]},
            "attachments",
            "file_extension_not_allowed",
        ),
    ],
)
def test_bad_nominations_write_nothing(world, join, local_storage, overrides, field, code):
    batch = make_batch(world)
    member = join(world.factory)
    before = state()
    with pytest.raises(DomainValidationError) as exc_info:
        nominate(world, batch, member, **overrides)
    assert (exc_info.value.errors[0].field, exc_info.value.errors[0].code) == (field, code)
    assert state() == before


def test_a_person_is_nominated_once_per_batch(world, join):
    batch = make_batch(world)
    member = join(world.factory)
    nominate(world, batch, member)
    with pytest.raises(DomainValidationError) as exc_info:
        nominate(world, batch, member)
    assert error_of(exc_info) == ("member", "already_nominated")


def test_nominations_after_the_deadline_or_in_a_closed_batch_are_refused(world, join):
    batch = make_batch(world, nomination_deadline=date(2026, 10, 1))
    with pytest.raises(DomainValidationError) as exc_info:
        nominate(world, batch, join(world.factory), today=date(2026, 10, 2))
    assert error_of(exc_info) == ("batch", "deadline_passed")
    nominate(world, batch, join(world.factory), today=date(2026, 10, 1))


# --- review, notice, objections, approval ------------------------------------------------------------------------


@pytest.fixture
def on_notice(world, join):
    """A batch (4 places, national quotas) with four nominees on a notice from 2026-11-01 to 2026-11-07."""
    batch = make_batch(world)
    nominations = [
        nominate(world, batch, join(world.factory, name="一线甲"), category="frontline")[0],
        nominate(world, batch, join(world.factory, name="一线乙"), category="frontline")[0],
        nominate(world, batch, join(world.hospital, name="农民丙"), union=world.hospital, category="farmer")[
            0
        ],
        nominate(
            world,
            batch,
            join(world.hospital, name="医生丁"),
            union=world.hospital,
            category="public_institution",
        )[0],
    ]
    for nomination in nominations:
        nomination_accept(nomination=nomination, actor=world.fed_admin)
    notice = notice_publish(batch=batch, starts_on=date(2026, 11, 1), actor=world.fed_admin)
    return batch, nominations, notice


def test_the_whole_way_to_the_award(world, on_notice):
    batch, nominations, notice = on_notice
    assert notice.ends_on == date(2026, 11, 7)  # 7 days including the first
    assert set(Nomination.objects.values_list("status", flat=True)) == {NominationStatus.ON_NOTICE}

    workers = notice_approve(notice=notice, approval_document="劳模县政府〔2026〕8号", on=date(2026, 11, 8))
    assert len(workers) == 4
    worker = ModelWorker.objects.get(name="一线甲")
    assert (
        worker.status,
        worker.awarded_on,
        worker.continuation_last_day,
        worker.level,
        worker.batch_id,
    ) == (
        WorkerStatus.MANAGED,
        date(2026, 11, 8),
        date(2031, 11, 8),
        "county",
        batch.pk,
    )
    assert worker.employing_union_id == world.factory.pk
    assert history(worker) == [("", "managed")]
    assert mw_facts(world.factory) == {
        "mw_status_managed": 2,
        "mw_level_county": 2,
        "mw_category_frontline": 2,
    }
    assert mw_facts(world.hospital) == {
        "mw_status_managed": 2,
        "mw_level_county": 2,
        "mw_category_farmer": 1,
        "mw_category_public_institution": 1,
    }
    assert set(Nomination.objects.values_list("status", flat=True)) == {NominationStatus.AWARDED}
    notice.refresh_from_db()
    assert (notice.approved_on, notice.approval_document) == (date(2026, 11, 8), "劳模县政府〔2026〕8号")


def test_no_award_before_the_notice_period_is_over(world, on_notice):
    _, _, notice = on_notice
    before = state()
    with pytest.raises(DomainValidationError) as exc_info:
        notice_approve(notice=notice, on=date(2026, 11, 7))  # the last day of the notice
    assert error_of(exc_info) == ("id", "notice_running")
    assert state() == before


def test_no_award_while_an_objection_is_open_and_upheld_objections_remove_the_nominee(world, on_notice):
    _, nominations, notice = on_notice
    objection = objection_record(
        notice=notice,
        nomination=nominations[2],
        content="实际不从事农业生产。",
        received_on=date(2026, 11, 3),
    )
    before = state()
    with pytest.raises(DomainValidationError) as exc_info:
        notice_approve(notice=notice, on=date(2026, 11, 9))
    assert error_of(exc_info) == ("id", "objections_open")
    assert state() == before

    objection_resolve(objection=objection, upheld=True, resolution="经核查属实，取消人选资格。")
    nominations[2].refresh_from_db()
    assert nominations[2].status == NominationStatus.WITHDRAWN
    # Without the farmer the list breaks the farmer quota: refused, nothing written.
    before = state()
    with pytest.raises(DomainValidationError) as exc_info:
        notice_approve(notice=notice, on=date(2026, 11, 9))
    assert error_of(exc_info) == ("quota", "quota_broken")
    assert "农民不低于25%" in exc_info.value.errors[0].message
    assert state() == before


def test_dismissed_objection_keeps_the_nominee(world, on_notice):
    _, nominations, notice = on_notice
    objection = objection_record(
        notice=notice, nomination=nominations[0], content="事迹夸大。", received_on=date(2026, 11, 7)
    )
    objection_resolve(objection=objection, upheld=False, resolution="经核查事迹属实。")
    assert len(notice_approve(notice=notice, on=date(2026, 11, 8))) == 4


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"received_on": date(2026, 10, 31)}, "received_on", "outside_notice"),
        ({"received_on": date(2026, 11, 8)}, "received_on", "outside_notice"),
        ({"content": ""}, "content", "required"),
    ],
)
def test_bad_objections_write_nothing(world, on_notice, overrides, field, code):
    _, nominations, notice = on_notice
    values = {
        "notice": notice,
        "nomination": nominations[0],
        "content": "异议",
        "received_on": date(2026, 11, 2),
    }
    values.update(overrides)
    with pytest.raises(DomainValidationError) as exc_info:
        objection_record(**values)
    assert error_of(exc_info) == (field, code)
    assert not Objection.objects.exists()


def test_places_are_enforced_at_approval(world, on_notice):
    batch, _, notice = on_notice
    batch.places = 3
    batch.save(update_fields=["places"])
    with pytest.raises(DomainValidationError) as exc_info:
        notice_approve(notice=notice, on=date(2026, 11, 8))
    assert error_of(exc_info) == ("quota", "places_exceeded")
    assert not ModelWorker.objects.exists()


def test_review_rejects_with_a_reason_and_only_accepted_nominations_go_on_notice(world, join):
    batch = make_batch(world, rules=NO_QUOTAS)
    nomination, _ = nominate(world, batch, join(world.factory))
    with pytest.raises(DomainValidationError) as exc_info:
        nomination_reject(nomination=nomination, reason=" ")
    assert error_of(exc_info) == ("reason", "required")
    with pytest.raises(DomainValidationError) as exc_info:
        notice_publish(batch=batch, starts_on=date(2026, 11, 1))
    assert error_of(exc_info) == ("nominations", "required")
    nomination_reject(nomination=nomination, reason="事迹材料不充分")
    with pytest.raises(DomainValidationError) as exc_info:
        nomination_accept(nomination=nomination)
    assert error_of(exc_info) == ("id", "wrong_status")


def test_quota_status_counts_awarded_and_live_lists(world, on_notice):
    batch, _, notice = on_notice
    status = batch_quota_status(batch)
    assert (status.awarded, status.projected, status.places) == (0, 4, 4)
    assert all(r.ok for r in status.projected_results)
    assert all(r.ok for r in status.awarded_results)  # an empty list breaks nothing


# --- the registry ------------------------------------------------------------------------------------------------


def test_register_hashes_the_number_and_never_stores_it(world, register):
    number = make_id(female=True, birth="19800101")
    worker = register(id_number=number, awarded_on=date(2024, 2, 29))
    from people.identity import id_hash

    assert worker.person_hash == id_hash(number)
    assert (worker.sex, worker.birth_date.year, worker.continuation_last_day) == (
        "female",
        1980,
        date(2029, 2, 28),
    )
    assert number not in str(ModelWorker.objects.filter(pk=worker.pk).values().get())
    assert worker.employer_name == world.factory.name


def test_register_an_award_whose_term_is_over_records_the_end(world, register):
    worker = register(awarded_on=date(2016, 4, 28))
    assert worker.status == WorkerStatus.ENDED
    assert worker.status_changed_on == date(2021, 4, 29)
    assert history(worker) == [("", "managed"), ("managed", "ended")]
    assert mw_facts(world.factory) == {"mw_status_ended": 1}  # an ended term no longer holds the title


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "33012219700101"}, "id_number"),
        ({"name": ""}, "name"),
        ({"level": "galactic"}, "level"),
        ({"awarded_on": date(2999, 1, 1)}, "awarded_on"),
    ],
)
def test_bad_registrations_write_nothing(world, register, overrides, field):
    before = state()
    with pytest.raises(DomainValidationError) as exc_info:
        register(**overrides)
    assert exc_info.value.errors[0].field == field
    assert state() == before


def test_register_outside_the_node_is_refused(world, register):
    with pytest.raises(DomainValidationError) as exc_info:
        register(employing_union=world.stranger)
    assert error_of(exc_info) == ("employing_union", "outside_node")


def test_member_record_is_found_from_the_worker_hash(world, join, register):
    from people.selectors import person_membership_by_hash

    number = make_id()
    member = join(world.factory, id_number=number)
    worker = register(id_number=number)
    found = person_membership_by_hash(person_hash=worker.person_hash)
    assert (found.union_id, found.member_id) == (world.factory.pk, member.pk)
