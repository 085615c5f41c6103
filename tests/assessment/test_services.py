"""Services: standards, rounds, the tenant-facing copies, inspection, scoring, titles, funding; bad input writes
nothing."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from assessment.models import (
    Deduction,
    FundingAllocation,
    InspectionScore,
    Result,
    Round,
    RoundParticipant,
    Standard,
    StandardItem,
    StandardStatus,
    Title,
    TitleEvent,
    VetoFinding,
)
from assessment.services import titles
from assessment.services.funding import funding_allocate, funding_pool_set
from assessment.services.inspection import deduction_add, inspection_scores_set, veto_record
from assessment.services.results import round_publish, round_score
from assessment.services.rounds import (
    participant_appraisal_add,
    participant_appraisal_invited_set,
    participant_self_scores_submit,
    round_open,
    round_participants_add,
)
from assessment.services.standards import GradeInput, standard_create, standard_new_version, standard_update
from assessment.sheets import fujian_home_standard
from tests.assessment.conftest import DECISION_NUMBER, publish_round, to_notice
from tests.support.worlds.assessment import full_scores
from unionhub.errors import DomainValidationError


def facts(union, indicator, branch_id=0, period=None):
    from rollup.models import LiveFact

    rows = LiveFact.objects.filter(union=union, branch_id=branch_id, indicator=indicator)
    if period is not None:
        rows = rows.filter(period=period)
    return sum(rows.values_list("value", flat=True))


def fields(exc) -> set[str]:
    return {error.field for error in exc.value.errors}


# --- Standards -------------------------------------------------------------------------------------------------------


def test_the_fujian_sheet_is_a_valid_100_plus_3_standard(world):
    standard = world.standard
    assert standard.status == StandardStatus.PUBLISHED
    assert (standard.base_max_points, standard.bonus_cap, standard.deduction_cap) == (D(100), D(3), D(4))
    items = StandardItem.objects.filter(standard=standard)
    assert sum(i.max_points for i in items if not i.bonus) == D(100)
    assert items.filter(mandatory=True).count() == 4 and items.filter(veto=True).count() == 1
    assert list(standard.grades.values_list("code", "rank")) == [
        ("qualified", 1),
        ("advanced", 2),
        ("model", 3),
    ]


def test_standard_with_items_not_summing_to_the_maximum_is_refused(world):
    content = dataclasses.replace(fujian_home_standard(code="bad"), base_max_points=D(90))
    before = Standard.objects.count()
    with pytest.raises(DomainValidationError) as exc:
        standard_create(issuer=world.county, content=content, actor=None)
    assert "base_max_points" in fields(exc)
    assert "90" in exc.value.errors[0].message
    assert Standard.objects.count() == before


def test_editing_a_published_standard_is_refused_and_a_new_version_copies_it(world):
    content = dataclasses.replace(fujian_home_standard(), name="改过的名称")
    with pytest.raises(DomainValidationError) as exc:
        standard_update(standard=world.standard, content=content, actor=None)
    assert exc.value.errors[0].code == "published"
    assert "新版本" in exc.value.errors[0].message
    world.standard.refresh_from_db()
    assert world.standard.name != "改过的名称"

    draft = standard_new_version(standard=world.standard, actor=world.fed_admin)
    assert (draft.version, draft.previous_id, draft.status) == (2, world.standard.pk, StandardStatus.DRAFT)
    assert draft.items.count() == world.standard.items.count() and draft.grades.count() == 3
    with pytest.raises(DomainValidationError) as exc:
        standard_new_version(standard=world.standard, actor=None)
    assert exc.value.errors[0].code == "draft_exists"

    standard_update(standard=draft, content=content, actor=None)
    draft.refresh_from_db()
    assert draft.name == "改过的名称"
    assert Standard.objects.get(pk=world.standard.pk).name != "改过的名称"


def test_mixed_grade_schemes_and_bad_rates_are_refused(world):
    base = fujian_home_standard(code="mixed")
    grades = [
        GradeInput("qualified", D(60)),
        GradeInput("star2", D(80)),
    ]
    with pytest.raises(DomainValidationError) as exc:
        standard_create(issuer=world.county, content=dataclasses.replace(base, grades=grades), actor=None)
    assert exc.value.errors[0].code == "mixed"
    grades = [GradeInput("qualified", D(60), min_join_rate=D(90))]
    with pytest.raises(DomainValidationError) as exc:
        standard_create(issuer=world.county, content=dataclasses.replace(base, grades=grades), actor=None)
    assert "grades.0.min_join_rate" in fields(exc)


# --- Rounds ----------------------------------------------------------------------------------------------------------


def _open(world, **overrides):
    from assessment.services.rounds import UnitRef

    values = dict(
        organiser=world.county,
        standard=world.standard,
        name="第二批",
        self_assessment_due=world.now + timedelta(days=1),
        appraisal_due=world.now + timedelta(days=1),
        inspection_due=world.now + timedelta(days=2),
        units=[UnitRef(world.alpha)],
        actor=None,
    )
    values.update(overrides)
    return round_open(**values)


def test_round_refuses_a_union_outside_the_organisers_subtree_and_writes_nothing(world):
    from assessment.services.rounds import UnitRef

    rounds = Round.objects.count()
    with pytest.raises(DomainValidationError) as exc:
        _open(world, units=[UnitRef(world.alpha), UnitRef(world.stranger)])
    assert exc.value.errors[0].code == "out_of_scope" and exc.value.errors[0].field == "units.1"
    assert Round.objects.count() == rounds


def test_round_refuses_a_draft_standard_and_a_missing_branch(world):
    from assessment.services.rounds import UnitRef

    draft = standard_new_version(standard=world.standard, actor=None)
    with pytest.raises(DomainValidationError) as exc:
        _open(world, standard=draft)
    assert exc.value.errors[0].code == "not_published"
    with pytest.raises(DomainValidationError) as exc:
        _open(world, units=[UnitRef(world.alpha, 987654)])
    assert exc.value.errors[0].code == "branch_not_found"


def test_round_reporting_year_and_branch_name(world, participants):
    assert participants.branch.branch_name == "一车间分会"
    assert participants.alpha.node_path == world.alpha.node_path
    assert world.round.reporting_year


# --- The tenant-facing copies ------------------------------------------------------------------------------------


def test_self_scores_are_validated_per_item_and_nothing_is_written_on_error(world, participants):
    scores = full_scores(world.standard, **{"1_3": D(4), "1_1": D(1), "2_3": D("1.5")})
    with pytest.raises(DomainValidationError) as exc:
        participant_self_scores_submit(
            participant=participants.alpha, scores=scores, actor=world.alpha_admin, at=world.now
        )
    by_field = {error.field: error.code for error in exc.value.errors}
    assert by_field == {"scores.1.3": "max_value", "scores.1.1": "full_or_zero", "scores.2.3": "step"}
    assert "1.3" in next(e.message for e in exc.value.errors if e.field == "scores.1.3")
    participants.alpha.refresh_from_db()
    assert participants.alpha.self_submitted_at is None and participants.alpha.self_scores == {}


def test_self_scores_need_every_scored_item_and_refuse_negative_and_unknown(world, participants):
    scores = full_scores(world.standard)
    del scores["4.1"]
    scores["6.1"] = D(-1)
    scores["Z.9"] = D(1)
    with pytest.raises(DomainValidationError) as exc:
        participant_self_scores_submit(
            participant=participants.alpha, scores=scores, actor=None, at=world.now
        )
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("scores.4.1", "required"),
        ("scores.6.1", "min_value"),
        ("scores.Z.9", "unknown_item"),
    }


def test_self_submit_locks_and_refuses_after_the_deadline(world, participants):
    row = participant_self_scores_submit(
        participant=participants.alpha,
        scores=full_scores(world.standard),
        actor=world.alpha_admin,
        at=world.now,
    )
    assert row.self_scores["1.5"] == "5.00" and row.self_submitted_by_id == world.alpha_admin.pk
    with pytest.raises(DomainValidationError) as exc:
        participant_self_scores_submit(
            participant=participants.alpha, scores=full_scores(world.standard), actor=None, at=world.now
        )
    assert exc.value.errors[0].code == "already_submitted"
    late = world.round.self_assessment_due + timedelta(seconds=1)
    with pytest.raises(DomainValidationError) as exc:
        participant_self_scores_submit(
            participant=participants.beta, scores=full_scores(world.standard), actor=None, at=late
        )
    assert exc.value.errors[0].code == "deadline_passed"


def test_appraisal_counts_and_live_facts(world, participants):
    period = world.round.reporting_year
    participant_appraisal_invited_set(participant=participants.alpha, invited=20)
    participant_appraisal_invited_set(participant=participants.alpha, invited=12)
    for satisfied in (True, True, False):
        participant_appraisal_add(participant=participants.alpha, satisfied=satisfied)
    participant_appraisal_add(participant=participants.branch, satisfied=True)
    participants.alpha.refresh_from_db()
    assert (
        participants.alpha.appraisal_invited,
        participants.alpha.appraisal_responses,
        participants.alpha.appraisal_satisfied,
    ) == (12, 3, 2)
    assert facts(world.alpha, "home_appraisal_invited", period=period) == 12
    assert facts(world.alpha, "home_appraisal_responses", period=period) == 3
    assert facts(world.alpha, "home_appraisal_satisfied", period=period) == 2
    assert facts(world.alpha, "home_appraisal_responses", branch_id=world.branch.pk) == 1
    with pytest.raises(DomainValidationError):
        participant_appraisal_invited_set(participant=participants.alpha, invited=-1)


def test_appraisal_refused_after_its_deadline(world, participants):
    Round.objects.filter(pk=world.round.pk).update(appraisal_due=world.now - timedelta(days=1))
    with pytest.raises(DomainValidationError) as exc:
        participant_appraisal_add(participant=participants.alpha, satisfied=True)
    assert exc.value.errors[0].code == "deadline_passed"
    participants.alpha.refresh_from_db()
    assert participants.alpha.appraisal_responses == 0


# --- Inspection ------------------------------------------------------------------------------------------------------


def test_inspection_scores_above_max_or_below_zero_are_refused_with_nothing_written(world, participants):
    with pytest.raises(DomainValidationError) as exc:
        inspection_scores_set(
            participant=participants.alpha,
            scores={"1.3": D(2), "2.1": D(7), "6.1": D("-0.5")},
            actor=world.inspector,
            at=world.now,
        )
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("scores.2.1", "max_value"),
        ("scores.6.1", "min_value"),
    }
    assert not InspectionScore.objects.filter(participant=participants.alpha).exists()


def test_inspection_refused_after_the_deadline_and_corrections_overwrite(world, participants):
    inspection_scores_set(participant=participants.alpha, scores={"1.3": D(2)}, actor=None, at=world.now)
    inspection_scores_set(
        participant=participants.alpha,
        scores={"1.3": D(3)},
        notes={"1.3": "复核更正"},
        actor=None,
        at=world.now,
    )
    row = InspectionScore.objects.get(participant=participants.alpha)
    assert (row.score, row.note) == (D(3), "复核更正")
    late = world.round.inspection_due + timedelta(minutes=1)
    with pytest.raises(DomainValidationError) as exc:
        inspection_scores_set(participant=participants.alpha, scores={"1.3": D(1)}, actor=None, at=late)
    assert exc.value.errors[0].code == "deadline_passed"
    with pytest.raises(DomainValidationError):
        deduction_add(participant=participants.alpha, reason="台账缺页", actor=None, at=late)
    with pytest.raises(DomainValidationError):
        veto_record(participant=participants.alpha, reason="拖欠工资", actor=None, at=late)
    assert InspectionScore.objects.get(participant=participants.alpha).score == D(3)


def test_deductions_and_vetoes_check_their_items_and_reasons(world, participants):
    with pytest.raises(DomainValidationError) as exc:
        deduction_add(participant=participants.alpha, reason="x", item_code="1.3", actor=None, at=world.now)
    assert exc.value.errors[0].code == "not_spot_check"
    with pytest.raises(DomainValidationError) as exc:
        deduction_add(participant=participants.alpha, reason="  ", actor=None, at=world.now)
    assert exc.value.errors[0].field == "reason"
    with pytest.raises(DomainValidationError) as exc:
        veto_record(participant=participants.alpha, reason="x", item_code="6.3", actor=None, at=world.now)
    assert exc.value.errors[0].code == "not_veto"
    assert not Deduction.objects.exists() and not VetoFinding.objects.exists()
    deduction = deduction_add(
        participant=participants.alpha, reason="台账缺页", item_code="6.3", actor=None, at=world.now
    )
    assert deduction.points == D(1)
    veto_record(participant=participants.alpha, reason="拖欠工资", item_code="6.5", actor=None, at=world.now)


# --- Scoring, publication, titles -----------------------------------------------------------------------------


def _prepare(world, participants):
    participant_self_scores_submit(
        participant=participants.alpha, scores=full_scores(world.standard), actor=None, at=world.now
    )
    participant_self_scores_submit(
        participant=participants.beta, scores=full_scores(world.standard), actor=None, at=world.now
    )
    participant_self_scores_submit(
        participant=participants.branch, scores=full_scores(world.standard), actor=None, at=world.now
    )
    participant_appraisal_invited_set(participant=participants.alpha, invited=20)
    for _ in range(10):
        participant_appraisal_add(participant=participants.alpha, satisfied=True)
    inspection_scores_set(participant=participants.beta, scores={"6.1": D(2)}, actor=None, at=world.now)
    for _ in range(5):
        deduction_add(participant=participants.beta, reason="抽查不合格", actor=None, at=world.now)
    veto_record(participant=participants.branch, reason="发生重大安全事故", actor=None, at=world.now)


def test_score_rank_and_publish_with_titles_and_live_facts(world, participants):
    _prepare(world, participants)
    round_score(round=world.round, actor=None, at=world.now)
    results = {r.participant_id: r for r in Result.objects.filter(round=world.round)}
    alpha, beta, branch = (
        results[p.pk] for p in (participants.alpha, participants.beta, participants.branch)
    )
    assert (alpha.total, alpha.grade, alpha.rank) == (D(100), "advanced", 1)  # model needs the advanced title
    assert "模范职工之家" in alpha.reason
    assert (beta.total, beta.deduction_points, beta.grade, beta.rank) == (D(93), D(4), "qualified", 2)
    assert "参评率" in beta.reason  # no appraisal: participation unknown blocks 先进
    assert (branch.grade, branch.reason_code, branch.rank) == ("", "veto", 1)  # branches ranked apart
    line = next(line for line in beta.breakdown if line["code"] == "6.1")
    assert (line["self_score"], line["inspection_score"], line["awarded"], line["source"]) == (
        "5.00",
        "2.00",
        "2.00",
        "inspection",
    )

    to_notice(world.round, at=world.now)
    round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=world.now)
    period = world.round.reporting_year
    assert facts(world.alpha, "home_grade_advanced", period="") == 1
    assert facts(world.beta, "home_grade_qualified", period="") == 1
    assert facts(world.alpha, "home_results", period=period) == 1
    assert facts(world.alpha, "home_results", branch_id=world.branch.pk, period=period) == 1
    assert facts(world.beta, "home_score_centi", period=period) == 9300
    title = Title.objects.get(union=world.alpha, branch_id=0, status="active")
    assert (title.grade, title.round_id, title.valid_until.year - title.awarded_on.year) == (
        "advanced",
        world.round.pk,
        3,
    )
    assert not Title.objects.filter(branch_id=world.branch.pk).exists()
    assert title.decision_number == DECISION_NUMBER
    with pytest.raises(DomainValidationError) as exc:
        round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=world.now)
    assert exc.value.errors[0].code == "published"
    with pytest.raises(DomainValidationError):
        round_score(round=world.round, actor=None, at=world.now)
    with pytest.raises(DomainValidationError):
        inspection_scores_set(participant=participants.alpha, scores={"1.3": D(1)}, actor=None, at=world.now)


def test_the_satisfaction_gate_uses_the_real_counts_below_the_appraisal_minimum(
    world, participants, settings
):
    # 3 responses each, fewer than the minimum for showing a breakdown (5): the gate still sees 3/3 and 1/3
    for participant in (participants.alpha, participants.beta):
        participant_self_scores_submit(
            participant=participant, scores=full_scores(world.standard), actor=None, at=world.now
        )
    for participant in (participants.alpha, participants.beta):
        participant_appraisal_invited_set(participant=participant, invited=5)  # 3 of 5 took part: 60%
    for satisfied in (True, True, True):
        participant_appraisal_add(participant=participants.alpha, satisfied=satisfied)
    for satisfied in (True, False, False):
        participant_appraisal_add(participant=participants.beta, satisfied=satisfied)

    def scored():
        round_score(round=world.round, actor=None, at=world.now)
        return {
            r.participant_id: (r.total, r.grade, r.reason_code, r.reason, r.satisfaction)
            for r in Result.objects.filter(round=world.round)
        }

    assert settings.UNIONHUB_APPRAISAL_MIN_RESPONSES == 5
    withheld = scored()
    alpha, beta = withheld[participants.alpha.pk], withheld[participants.beta.pk]
    assert (alpha[1], alpha[4]) == ("advanced", D(1))
    assert (beta[1], beta[4]) == ("qualified", D("0.3333")) and "满意率" in beta[3]
    settings.UNIONHUB_APPRAISAL_MIN_RESPONSES = 1
    assert scored() == withheld


def test_publish_needs_the_notice_first(world):
    with pytest.raises(DomainValidationError) as exc:
        round_publish(round=world.round, decision_number=DECISION_NUMBER, actor=None, at=world.now)
    assert exc.value.errors[0].code == "not_in_notice"


def test_title_lifecycle_keeps_history_and_moves_live_facts(world):
    today = date(2026, 3, 1)
    title = titles.title_award(
        union=world.alpha,
        grade="model",
        awarded_by=world.county,
        awarded_on=today,
        valid_until=today + timedelta(days=3 * 365),
        actor=None,
    )
    assert facts(world.alpha, "home_grade_model") == 1
    titles.title_review(title=title, on=today + timedelta(days=365), actor=None, reason="年度复核合格")
    lowered = titles.title_downgrade(
        title=title,
        to_grade="advanced",
        on=today + timedelta(days=400),
        reason="复核发现台账不全",
        actor=None,
    )
    assert (facts(world.alpha, "home_grade_model"), facts(world.alpha, "home_grade_advanced")) == (0, 1)
    title.refresh_from_db()
    assert (title.status, lowered.grade, lowered.valid_until) == ("superseded", "advanced", title.valid_until)
    with pytest.raises(DomainValidationError) as exc:
        titles.title_downgrade(title=lowered, to_grade="star1", on=today, reason="x", actor=None)
    assert exc.value.errors[0].code == "not_lower"
    with pytest.raises(DomainValidationError):
        titles.title_revoke(title=title, on=today, reason="重复操作", actor=None)  # no longer active
    titles.title_revoke(title=lowered, on=today + timedelta(days=500), reason="发生拖欠工资问题", actor=None)
    assert facts(world.alpha, "home_grade_advanced") == 0
    kinds = list(
        TitleEvent.objects.filter(title__union=world.alpha).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["awarded", "reviewed", "downgraded", "downgraded", "revoked"]


def test_titles_expire(world):
    titles.title_award(
        union=world.beta,
        grade="qualified",
        awarded_by=world.county,
        awarded_on=date(2020, 1, 1),
        valid_until=date(2023, 1, 1),
        actor=None,
    )
    assert titles.titles_expire(on=date(2023, 1, 2)) == 1
    assert Title.objects.get(union=world.beta).status == "expired"
    assert facts(world.beta, "home_grade_qualified") == 0
    with pytest.raises(DomainValidationError):
        titles.title_award(
            union=world.stranger,
            grade="qualified",
            awarded_by=world.county,
            awarded_on=date(2020, 1, 1),
            valid_until=date(2023, 1, 1),
            actor=None,
        )


def test_titles_expire_beat_task_ends_titles_after_their_last_day_once(world, monkeypatch):
    """The daily beat task as Celery runs it: on the day after valid_until the title ends, a title still valid
    today is kept, and running it again the same day ends nothing more."""
    from jobs.assessment import titles_expire
    from tests.support.modelworker_care import freeze

    ending = titles.title_award(
        union=world.beta,
        grade="qualified",
        awarded_by=world.county,
        awarded_on=date(2020, 1, 1),
        valid_until=date(2023, 1, 1),
        actor=None,
    )
    lasting = titles.title_award(
        union=world.alpha,
        grade="qualified",
        awarded_by=world.county,
        awarded_on=date(2020, 1, 1),
        valid_until=date(2023, 1, 2),
        actor=None,
    )
    freeze(monkeypatch, date(2023, 1, 2))
    assert titles_expire.apply().get() == 1
    assert titles_expire.apply().get() == 0
    ending.refresh_from_db()
    lasting.refresh_from_db()
    assert (ending.status, ending.ended_on, lasting.status) == ("expired", date(2023, 1, 2), "active")
    assert TitleEvent.objects.filter(title=ending, kind="expired").count() == 1
    assert facts(world.beta, "home_grade_qualified") == 0
    assert facts(world.alpha, "home_grade_qualified") == 1


def test_every_beat_entry_names_a_registered_task():
    """A typo in CELERY_BEAT_SCHEDULE would only show at run time in production: each entry names a real task."""
    from django.conf import settings

    from jobs.celery_app import app

    app.loader.import_default_modules()
    missing = [
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] not in app.tasks
    ]
    assert missing == []


def test_requires_lower_title_means_the_same_title_from_the_next_lower_level(world, participants):
    # A county-level title does not open the county's own 模范 grade (Pingdingshan: the next-lower-level title).
    titles.title_award(
        union=world.alpha,
        grade="model",
        awarded_by=world.county,
        awarding_level="city",
        awarding_body_name="示范市总工会",
        awarded_on=date(2024, 1, 1),
        valid_until=date(2099, 1, 1),
        actor=None,
    )
    _prepare(world, participants)
    round_score(round=world.round, actor=None, at=world.now)
    assert Result.objects.get(participant=participants.alpha).grade == "advanced"
    # The township's 模范职工之家 does.
    township = titles.title_award(
        union=world.alpha,
        grade="model",
        awarded_by=world.town,
        awarded_on=date(2024, 1, 1),
        valid_until=date(2099, 1, 1),
        actor=None,
    )
    publish_round(world.round, at=world.now)
    assert Result.objects.get(participant=participants.alpha).grade == "model"
    township.refresh_from_db()
    assert township.status == "active"  # the county's title does not end the township's


# --- Funding -------------------------------------------------------------------------------------------------


def _published(world, participants):
    _prepare(world, participants)
    return publish_round(world.round, at=world.now)


def test_funding_per_grade_sums_to_the_pool(world, participants):
    rnd = _published(world, participants)
    funding_pool_set(
        round=rnd,
        amount_fen=1_000_001,
        formula="per_grade",
        params={"advanced": 300000, "qualified": 100000, "model": 500000},
        actor=None,
    )
    pool = funding_allocate(round=rnd, actor=None, at=world.now)
    shares = dict(FundingAllocation.objects.filter(pool=pool).values_list("participant_id", "amount_fen"))
    assert sum(shares.values()) == 1_000_001
    assert shares == {
        participants.alpha.pk: 750001,
        participants.beta.pk: 250000,
    }  # the vetoed branch: nothing
    with pytest.raises(DomainValidationError) as exc:
        funding_allocate(round=rnd, actor=None, at=world.now)
    assert exc.value.errors[0].code == "allocated"
    with pytest.raises(DomainValidationError):
        funding_pool_set(round=rnd, amount_fen=5, formula="per_grade", params={"model": 1}, actor=None)


def test_funding_proportional_above_threshold(world, participants):
    rnd = _published(world, participants)
    funding_pool_set(
        round=rnd, amount_fen=1000, formula="proportional", params={"threshold": "90"}, actor=None
    )
    pool = funding_allocate(round=rnd, actor=None, at=world.now)
    shares = dict(FundingAllocation.objects.filter(pool=pool).values_list("participant_id", "amount_fen"))
    # alpha 100 -> 10 points above, beta 93 -> 3 points above: 1000 * 10/13 = 769.23, * 3/13 = 230.77
    assert shares == {participants.alpha.pk: 769, participants.beta.pk: 231}


def test_funding_refuses_bad_input_and_unpublished_rounds(world):
    with pytest.raises(DomainValidationError) as exc:
        funding_pool_set(
            round=world.round, amount_fen=0, formula="per_grade", params={"star1": 5}, actor=None
        )
    assert fields(exc) == {"amount_fen", "params.star1"}
    with pytest.raises(DomainValidationError) as exc:
        funding_pool_set(
            round=world.round, amount_fen=10, formula="proportional", params={"threshold": "200"}, actor=None
        )
    assert fields(exc) == {"params.threshold"}
    funding_pool_set(round=world.round, amount_fen=10, formula="per_grade", params={"model": 1}, actor=None)
    with pytest.raises(DomainValidationError) as exc:
        funding_allocate(round=world.round, actor=None, at=world.now)
    assert exc.value.errors[0].code == "not_published"
    assert not FundingAllocation.objects.exists()


def test_participants_in_a_round_are_unique(world, participants):
    from assessment.services.rounds import UnitRef

    with pytest.raises(DomainValidationError) as exc:
        round_participants_add(round=world.round, units=[UnitRef(world.beta)], actor=None)
    assert exc.value.errors[0].code == "duplicate"
    assert RoundParticipant.objects.filter(round=world.round).count() == 3
