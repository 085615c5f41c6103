"""Domain rules of issue 15 for 职工之家 (docs/assessment.md, "Rules as federations apply them"), one test per rule."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from assessment.models import InspectionScore, Result, RoundStatus, Title
from assessment.services import titles
from assessment.services.inspection import inspection_scores_set, participant_staff_count_verify
from assessment.services.results import (
    objection_record,
    objection_resolve,
    round_notice_open,
    round_publish,
    round_score,
)
from assessment.services.rounds import (
    UnitRef,
    participant_appraisal_add,
    participant_appraisal_invited_set,
    participant_self_scores_submit,
    round_open,
)
from federations.models import StaffCount
from federations.services import staff_count_record, union_update_profile
from tests.assessment.conftest import DECISION_NUMBER, complete_inspection, to_notice
from tests.support.worlds.assessment import full_scores
from unionhub.errors import DomainValidationError


def _codes(exc) -> list[str]:
    return [error.code for error in exc.value.errors]


def _submit_all(world, participants):
    for participant in (participants.alpha, participants.beta, participants.branch):
        participant_self_scores_submit(
            participant=participant, scores=full_scores(world.standard), actor=None, at=world.now
        )
        participant_appraisal_invited_set(participant=participant, invited=10)
        for _ in range(10):
            participant_appraisal_add(participant=participant, satisfied=True)


# --- 6. Titles per awarding level ----------------------------------------------------------------------------------


def test_titles_are_held_per_awarding_level_so_a_county_result_does_not_end_a_city_title(world, participants):
    city = titles.title_award(
        union=world.alpha,
        grade="model",
        awarded_by=world.county,
        awarding_level="city",
        awarding_body_name="示范市总工会",
        awarded_on=date(2025, 1, 10),
        valid_until=date(2099, 1, 1),
        decision_number="市工发〔2025〕3号",
        actor=None,
    )
    _submit_all(world, participants)
    inspection_scores_set(participant=participants.alpha, scores={"6.1": D(0)}, actor=None, at=world.now)
    to_notice(world.round, at=world.now)
    round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=world.now)
    county = Title.objects.get(union=world.alpha, branch_id=0, awarding_level="county", status="active")
    assert county.grade in {"qualified", "advanced"}  # not the model title the city awarded
    city.refresh_from_db()
    assert (city.status, city.awarding_body_name) == ("active", "示范市总工会")
    # A second county award replaces the county title only.
    titles.title_award(
        union=world.alpha,
        grade="advanced",
        awarded_by=world.county,
        awarded_on=timezone.localdate(),
        valid_until=date(2099, 1, 1),
        actor=None,
    )
    active = dict(
        Title.objects.filter(union=world.alpha, branch_id=0, status="active").values_list(
            "awarding_level", "grade"
        )
    )
    assert active == {"city": "model", "county": "advanced"}


def test_recording_a_higher_bodys_title_needs_a_higher_level_and_its_name(world):
    with pytest.raises(DomainValidationError) as exc:
        titles.title_award(
            union=world.alpha,
            grade="model",
            awarded_by=world.county,
            awarding_level="township",
            awarded_on=date(2025, 1, 10),
            valid_until=date(2099, 1, 1),
            actor=None,
        )
    assert set(_codes(exc)) == {"not_higher", "required"}
    assert not Title.objects.exists()


# --- 7. Inspection, 公示 and decision before titles ---------------------------------------------------------------


def test_a_round_goes_to_notice_only_when_every_item_is_inspected_or_its_self_score_accepted(
    world, participants
):
    _submit_all(world, participants)
    round_score(round=world.round, actor=None, at=world.now)
    today = timezone.localdate()
    with pytest.raises(DomainValidationError) as exc:
        round_notice_open(round=world.round, starts_on=today, ends_on=today, actor=None, at=world.now)
    assert set(_codes(exc)) == {"not_inspected", "staff_unverified"} and len(exc.value.errors) == 6
    assert world.round.__class__.objects.get(pk=world.round.pk).status == RoundStatus.SCORED

    # Accepting self scores is recorded per item, with the self score as the acceptance score.
    inspection_scores_set(
        participant=participants.alpha, scores={"1.1": D(3)}, accept_self=["1.2"], actor=None, at=world.now
    )
    participants.alpha.refresh_from_db()
    rows = {row.item.code: row for row in InspectionScore.objects.filter(participant=participants.alpha)}
    assert (rows["1.2"].self_accepted, rows["1.2"].score) == (True, D(participants.alpha.self_scores["1.2"]))
    assert rows["1.1"].self_accepted is False
    with pytest.raises(DomainValidationError) as exc:
        inspection_scores_set(
            participant=participants.alpha,
            scores={"1.3": D(1)},
            accept_self=["1.3"],
            actor=None,
            at=world.now,
        )
    assert _codes(exc) == ["both"]

    complete_inspection(world.round, at=world.now)
    round_score(round=world.round, actor=None, at=world.now)
    rnd = round_notice_open(
        round=world.round, starts_on=today, ends_on=today + timedelta(days=6), actor=None, at=world.now
    )
    assert rnd.status == RoundStatus.NOTICE
    # Results are frozen during the notice: no rescoring, no more inspection.
    with pytest.raises(DomainValidationError):
        round_score(round=world.round, actor=None, at=world.now)
    with pytest.raises(DomainValidationError):
        inspection_scores_set(participant=participants.alpha, scores={"1.1": D(1)}, actor=None, at=world.now)


def test_titles_are_awarded_only_after_the_notice_with_every_objection_resolved_under_the_decision_number(
    world, participants
):
    _submit_all(world, participants)
    complete_inspection(world.round, at=world.now)
    round_score(round=world.round, actor=None, at=world.now)
    today = timezone.localdate()
    round_notice_open(
        round=world.round, starts_on=today, ends_on=today + timedelta(days=6), actor=None, at=world.now
    )
    objection = objection_record(
        participant=participants.beta, content="该厂去年拖欠工资未如实申报", received_on=today, actor=None
    )
    with pytest.raises(DomainValidationError) as exc:
        objection_record(
            participant=participants.beta,
            content="逾期异议",
            received_on=today + timedelta(days=7),
            actor=None,
        )
    assert _codes(exc) == ["outside_notice"]
    # While the notice runs: no titles.
    with pytest.raises(DomainValidationError) as exc:
        round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=world.now)
    assert _codes(exc) == ["notice_running"]
    after = world.now + timedelta(days=8)
    with pytest.raises(DomainValidationError) as exc:
        round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=after)
    assert _codes(exc) == ["objections_open"]
    with pytest.raises(DomainValidationError) as exc:
        round_publish(round=world.round, decision_number="  ", actor=None, at=after)
    assert _codes(exc) == ["required"]
    assert not Title.objects.exists()
    objection_resolve(
        objection=objection, resolution="经核查，工资已按期发放，异议不成立", actor=None, at=after
    )
    round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=after)
    awarded = Title.objects.filter(round=world.round)
    assert awarded.exists() and set(awarded.values_list("decision_number", flat=True)) == {DECISION_NUMBER}


# --- 8. Staff count history -----------------------------------------------------------------------------------------


def test_a_round_uses_the_staff_count_as_of_its_reference_date_verified_by_the_inspecting_federation(world):
    today = timezone.localdate()
    staff_count_record(
        union=world.beta, value=150, effective_on=today - timedelta(days=400), source="statistics"
    )
    staff_count_record(
        union=world.beta, value=250, effective_on=today - timedelta(days=30), source="statistics"
    )
    rnd = round_open(
        organiser=world.county,
        standard=world.standard,
        name="按基准日期的批次",
        self_assessment_due=world.now + timedelta(days=1),
        appraisal_due=world.now + timedelta(days=1),
        inspection_due=world.now + timedelta(days=2),
        reference_date=today - timedelta(days=100),
        units=[UnitRef(world.beta)],
        actor=None,
    )
    participant = rnd.participants.get()
    assert (participant.staff_count, participant.staff_count_source) == (150, "statistics")
    # The union edits its profile afterwards: history grows, the round's figure does not move.
    union_update_profile(union=world.beta, staff_count=180)
    participant.refresh_from_db()
    assert participant.staff_count == 150
    assert StaffCount.objects.filter(union=world.beta, value=180, source="profile").exists()
    # The inspector corrects it; the correction enters the history as verified, at the reference date.
    verified = participant_staff_count_verify(participant=participant, value=160, actor=None, at=world.now)
    assert (verified.staff_count, verified.staff_count_source) == (160, "verified")
    assert verified.staff_verified_at is not None
    assert StaffCount.objects.filter(
        union=world.beta, value=160, source="verified", effective_on=rnd.reference_date
    ).exists()
    with pytest.raises(DomainValidationError) as exc:
        participant_staff_count_verify(participant=participant, value=0, actor=None, at=world.now)
    assert _codes(exc) == ["min_value"]


def test_the_join_rate_gate_reads_the_round_figure_not_the_profile(world, participants):
    _submit_all(world, participants)
    union_update_profile(union=world.beta, staff_count=1000)  # 190 members / 1000: would fail the 90% gate
    to_notice(world.round, at=world.now)
    beta = Result.objects.get(participant=participants.beta)
    assert beta.join_rate == D("0.95")  # 190 / 200, the figure as of the reference date
