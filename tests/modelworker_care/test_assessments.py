"""Joint annual assessments: two sign-offs, the year inside the term, one per year, failure -> revocation."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, connection, transaction

from tests.support.modelworker_care import freeze, register_worker
from unionhub.errors import DomainValidationError


@pytest.fixture
def worker(world, monkeypatch):
    freeze(monkeypatch, date(2026, 11, 20))
    # Term 2022-04-29 .. 2027-04-28: assessment years 2022..2027 (2027 not yet begun).
    return register_worker(node=world.county, union=world.u1, awarded_on=date(2022, 4, 28))


def _sign(worker, side, result="pass", year=2025, **extra):
    from modelworker_care.services.assessments import assessment_sign

    return assessment_sign(worker=worker, year=year, side=side, result=result, **extra)


def _codes(exc_info) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc_info.value.errors]


@pytest.mark.parametrize("year, code", [(2021, "outside_term"), (2028, "outside_term"), (2027, "future")])
def test_a_year_outside_the_term_or_not_begun_is_refused_and_nothing_written(worker, world, year, code):
    from modelworker_care.models import AnnualAssessment

    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "federation", year=year, actor=world.staff)
    assert _codes(exc_info) == [("year", code)]
    assert (
        "不在延续管理期内" in exc_info.value.errors[0].message
        or "尚未开始" in exc_info.value.errors[0].message
    )
    assert not AnnualAssessment.objects.exists()


def test_the_first_and_last_partial_years_are_inside_the_term(world, monkeypatch):
    from modelworker_care.models import AnnualAssessment

    freeze(monkeypatch, date(2026, 11, 20))
    # Awarded 2021-12-31: the term starts 2022-01-01, so 2021 has no day of it; it ends 2026-12-31.
    worker = register_worker(node=world.county, union=world.u1, awarded_on=date(2021, 12, 31))
    with pytest.raises(DomainValidationError):
        _sign(worker, "federation", year=2021)
    _sign(worker, "federation", year=2022)
    _sign(worker, "federation", year=2026)
    assert set(AnnualAssessment.objects.values_list("year", flat=True)) == {2022, 2026}


def test_both_sign_offs_file_the_assessment_once_per_year(worker, world):
    first = _sign(worker, "federation", notes="成绩突出", actor=world.staff)
    assert first.status == "pending" and first.result == ""
    filed = _sign(worker, "employer", notes="表现良好", actor=world.u1_admin)
    assert filed.pk == first.pk and filed.status == "filed" and filed.result == "pass"
    assert (
        filed.federation_signed_by_id == world.staff.pk and filed.employer_signed_by_id == world.u1_admin.pk
    )
    assert filed.revocation_id is None
    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "federation", actor=world.staff)
    assert _codes(exc_info) == [("year", "already_filed")]


def test_a_side_may_amend_its_sign_off_until_the_other_signs(worker, world):
    _sign(worker, "employer", result="fail", actor=world.u1_admin)
    amended = _sign(worker, "employer", result="pass", notes="复核后合格", actor=world.u1_admin)
    assert amended.status == "pending" and amended.employer_result == "pass"
    assert _sign(worker, "federation", actor=world.staff).status == "filed"


def test_disagreeing_conclusions_are_refused_and_nothing_written(worker, world):
    from modelworker_care.models import AnnualAssessment

    _sign(worker, "federation", result="pass", actor=world.staff)
    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "employer", result="fail", actor=world.u1_admin)
    assert _codes(exc_info) == [("result", "disagree")]
    row = AnnualAssessment.objects.get()
    assert row.status == "pending" and row.employer_signed_at is None


def test_a_failed_assessment_opens_a_revocation_proposal(worker, world):
    from modelworkers.models import Revocation

    _sign(worker, "federation", result="fail", notes="未履行劳模职责", actor=world.staff)
    filed = _sign(worker, "employer", result="fail", notes="年度考核不称职", actor=world.u1_admin)
    revocation = Revocation.objects.get(worker=worker)
    assert filed.revocation_id == revocation.pk
    assert revocation.grounds == ["assessment_failed"] and revocation.source == "assessment"
    assert revocation.status == "proposed" and "2025年度考核不合格" in revocation.note
    assert "未履行劳模职责" in revocation.note and revocation.proposed_by_id == world.u1_admin.pk
    # Another failed year while that proposal is open links it instead of opening a second one.
    _sign(worker, "federation", result="fail", year=2024, actor=world.staff)
    second = _sign(worker, "employer", result="fail", year=2024, actor=world.u1_admin)
    assert second.revocation_id == revocation.pk and Revocation.objects.count() == 1


def test_the_employer_side_of_an_outside_employer_is_signed_on_its_behalf(world, monkeypatch):
    freeze(monkeypatch, date(2026, 11, 20))
    worker = register_worker(node=world.county, awarded_on=date(2023, 5, 1), employer_name="县外某公司")
    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "employer", actor=world.staff)
    assert _codes(exc_info) == [("side", "employer_outside")]
    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "employer", actor=world.staff, on_behalf=True)
    assert _codes(exc_info) == [("signatory", "required")]
    _sign(worker, "employer", actor=world.staff, on_behalf=True, signatory="王经理")
    filed = _sign(worker, "federation", actor=world.staff)
    assert filed.status == "filed" and filed.employer_on_behalf and filed.employer_signatory == "王经理"


def test_only_workers_in_continuation_management_are_assessed(worker, world):
    from modelworker_care.services.life_events import life_event_record

    life_event_record(worker=worker, kind="death", occurred_on=date(2026, 1, 5), actor=world.staff)
    with pytest.raises(DomainValidationError) as exc_info:
        _sign(worker, "federation", actor=world.staff)
    assert _codes(exc_info) == [("worker", "not_managed")]


def test_a_filed_assessment_cannot_be_changed_in_the_database(worker, world):
    pending = _sign(worker, "federation", year=2024, actor=world.staff)
    with connection.cursor() as cursor:  # a pending one is amended by its signers
        cursor.execute(
            "UPDATE modelworker_care_annualassessment SET federation_notes = 'x' WHERE id = %s", [pending.pk]
        )
    filed = _sign(worker, "employer", year=2024, actor=world.u1_admin)
    for statement in (
        "UPDATE modelworker_care_annualassessment SET result = 'fail' WHERE id = %s",
        "DELETE FROM modelworker_care_annualassessment WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [filed.pk])
