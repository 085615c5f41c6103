"""Assessment objects for the schema walks (tests/audit/test_mutation_audit.py, tests/isolation/test_isolation.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from graphql_relay import to_global_id


def _simple_standard(issuer, code: str, name: str, *, inspection_items: bool = False):
    """A one-item 10-point standard with one gate-free grade (a unit with full marks gets 合格); with
    `inspection_items` its items are the walk's hinted codes: A1 (spot-checked) and the veto item V1."""
    from assessment.services.standards import (
        GradeInput,
        ItemInput,
        SectionInput,
        StandardContent,
        standard_create,
        standard_publish,
    )

    if inspection_items:
        items = [
            ItemInput("A1", "建家基本条件", D(10), spot_check=True),
            ItemInput("V1", "无拖欠工资（一票否决）", D(0), "full_or_zero", veto=True),
        ]
    else:
        items = [ItemInput("X1", "建家基本条件", D(10))]
    content = StandardContent(
        code=code,
        name=name,
        year=2026,
        applies_to_branches=inspection_items,
        base_max_points=D(10),
        sections=[SectionInput("基本条件", items)],
        grades=[GradeInput("qualified", D(5))],
    )
    standard = standard_create(issuer=issuer, content=content, actor=None)
    return standard_publish(standard=standard, actor=None, at=standard.created_at)


def _inspect_fully(participant, *, at) -> None:
    """Accept the self score of every item and confirm the staff count (the union's profile figure)."""
    from assessment.services.inspection import inspection_scores_set, participant_staff_count_verify

    participant.refresh_from_db()
    inspection_scores_set(
        participant=participant, scores={}, accept_self=list(participant.self_scores), actor=None, at=at
    )
    participant_staff_count_verify(
        participant=participant, value=max(participant.union.staff_count, 1), actor=None, at=at
    )


def _round_in_notice(county, union, standard, name: str):
    """A round of `union` on `standard` (one item, X1) in 公示 until a few days from now, with one objection."""
    from django.utils import timezone

    from assessment.models import RoundParticipant
    from assessment.services.results import objection_record, round_notice_open, round_score
    from assessment.services.rounds import UnitRef, participant_self_scores_submit, round_open

    now = timezone.now()
    today = timezone.localdate()
    rnd = round_open(
        organiser=county,
        standard=standard,
        name=name,
        self_assessment_due=now + timedelta(days=1),
        appraisal_due=now + timedelta(days=1),
        inspection_due=now + timedelta(days=2),
        units=[UnitRef(union)],
        actor=None,
    )
    participant = RoundParticipant.objects.get(round=rnd, union=union)
    participant_self_scores_submit(participant=participant, scores={"X1": D(10)}, actor=None, at=now)
    _inspect_fully(participant, at=now)
    round_score(round=rnd, actor=None, at=now)
    round_notice_open(
        round=rnd, starts_on=today - timedelta(days=3), ends_on=today + timedelta(days=3), actor=None, at=now
    )
    objection = objection_record(
        participant=participant, content=f"{name}异议", received_on=today, actor=None
    )
    return rnd, objection


def assessment_audit_objects(union, *, county) -> list[str]:
    """Global ids for the audit walk, in the order the walk needs them (see AssessmentMutations' field order):

    - a draft standard (update, then publish take it) and a published Fujian standard (newVersion, roundOpen);
    - an open round with one branch of `union` (roundAddUnits adds the union itself; inspection, deduction and
      veto act on the branch; it is vetoed, so funding has nobody eligible there);
    - a round past its inspection deadline with `union`'s full self scores (score, publish, then funding succeed);
    - an advanced title (review, downgrade to 合格) and a star title (revoke; a downgrade to 合格 is refused).
    """
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from assessment.models import RoundParticipant
    from assessment.services.rounds import UnitRef, participant_self_scores_submit, round_open
    from assessment.services.standards import (
        standard_create,
        standard_publish,
    )
    from assessment.services.titles import title_award
    from assessment.sheets import fujian_home_standard
    from organisation.models import Branch

    now = timezone.now()
    draft = standard_create(issuer=county, content=fujian_home_standard(code="audit-draft"), actor=None)
    published = standard_create(issuer=county, content=fujian_home_standard(code="audit-fj"), actor=None)
    standard_publish(standard=published, actor=None, at=now)
    with schema_context(union.schema_name):
        home = Branch.objects.create(name="审计职工小家", is_small_home=True)
        starred = Branch.objects.create(name="审计星级小家", is_small_home=True)
    inspection_standard = _simple_standard(county, "audit-insp", "审计验收标准", inspection_items=True)
    open_round = round_open(
        organiser=county,
        standard=inspection_standard,
        name="审计验收批次",
        self_assessment_due=now + timedelta(days=30),
        appraisal_due=now + timedelta(days=30),
        inspection_due=now + timedelta(days=60),
        # The branch's 职工小家 only: roundAddUnits (units = [the union]) then adds the union's 职工之家.
        units=[UnitRef(union, home.pk)],
        actor=None,
    )
    inspected = RoundParticipant.objects.get(round=open_round, union=union, branch_id=home.pk)

    simple = _simple_standard(county, "audit-simple", "审计简易标准")
    done_round = round_open(
        organiser=county,
        standard=simple,
        name="审计已验收批次",
        self_assessment_due=now - timedelta(days=3),
        appraisal_due=now - timedelta(days=3),
        inspection_due=now - timedelta(days=1),
        units=[UnitRef(union)],
        actor=None,
    )
    done = RoundParticipant.objects.get(round=done_round, union=union)
    participant_self_scores_submit(
        participant=done, scores={"X1": D(10)}, actor=None, at=now - timedelta(days=4)
    )
    # Inspected and verified before its deadline, so the walk can score it, post it for 公示 and publish it.
    _inspect_fully(done, at=now - timedelta(days=2))
    # A round in 公示 with an objection to resolve (objectionRecord and objectionResolve act on it).
    notice_round, objection = _round_in_notice(county, union, simple, "审计公示批次")

    today = timezone.localdate()
    advanced = title_award(
        union=union,
        branch_id=home.pk,
        grade="advanced",
        awarded_by=county,
        awarded_on=today - timedelta(days=30),
        valid_until=today + timedelta(days=700),
        actor=None,
    )
    star = title_award(
        union=union,
        branch_id=starred.pk,
        grade="star3",
        awarded_by=county,
        awarded_on=today - timedelta(days=30),
        valid_until=today + timedelta(days=700),
        actor=None,
    )
    return [
        to_global_id("AssessmentStandard", draft.pk),
        to_global_id("AssessmentStandard", published.pk),
        to_global_id("AssessmentRound", open_round.pk),
        to_global_id("RoundParticipant", inspected.pk),
        to_global_id("AssessmentRound", done_round.pk),
        to_global_id("AssessmentRound", notice_round.pk),
        to_global_id("RoundParticipant", notice_round.participants.get().pk),
        to_global_id("AssessmentObjection", objection.pk),
        to_global_id("HomeTitle", advanced.pk),
        to_global_id("HomeTitle", star.pk),
    ]


def assessment_victim_objects(*, union, county) -> tuple[list[str], list[str]]:
    """For the isolation walk: the victim county's standard, an open round and a published round with the victim
    union, inspection findings, a title and a funding pool. Returns (global ids, strings only the victim's side
    may see)."""
    from django.utils import timezone

    from assessment.models import RoundParticipant, Title
    from assessment.services.funding import funding_allocate, funding_pool_set
    from assessment.services.inspection import deduction_add
    from assessment.services.results import round_notice_open, round_publish, round_score
    from assessment.services.rounds import UnitRef, participant_self_scores_submit, round_open

    now = timezone.now()
    standard = _simple_standard(county, "victim-home", "受害县建家标准")
    open_round = round_open(
        organiser=county,
        standard=standard,
        name="受害县职工之家验收",
        self_assessment_due=now + timedelta(days=30),
        appraisal_due=now + timedelta(days=30),
        inspection_due=now + timedelta(days=60),
        units=[UnitRef(union)],
        actor=None,
    )
    participant = RoundParticipant.objects.get(round=open_round, union=union)
    participant_self_scores_submit(participant=participant, scores={"X1": D(9)}, actor=None, at=now)
    deduction_add(participant=participant, reason="受害者台账缺页", actor=None, at=now)

    done_round = round_open(
        organiser=county,
        standard=standard,
        name="受害县已公布批次",
        self_assessment_due=now + timedelta(days=1),
        appraisal_due=now + timedelta(days=1),
        inspection_due=now + timedelta(days=2),
        units=[UnitRef(union)],
        actor=None,
    )
    done = RoundParticipant.objects.get(round=done_round, union=union)
    participant_self_scores_submit(participant=done, scores={"X1": D(10)}, actor=None, at=now)
    _inspect_fully(done, at=now)
    round_score(round=done_round, actor=None, at=now)
    today = timezone.localdate()
    round_notice_open(
        round=done_round,
        starts_on=today - timedelta(days=9),
        ends_on=today - timedelta(days=2),
        actor=None,
        at=now,
    )
    round_publish(round=done_round, decision_number="受害县工发〔2026〕1号", actor=None, at=now)
    notice_round, objection = _round_in_notice(county, union, standard, "受害县公示批次")
    funding_pool_set(
        round=done_round, amount_fen=100000, formula="per_grade", params={"qualified": 1}, actor=None
    )
    funding_allocate(round=done_round, actor=None, at=now)
    title = Title.objects.get(union=union, status="active")
    ids = [
        to_global_id("AssessmentStandard", standard.pk),
        to_global_id("AssessmentRound", open_round.pk),
        to_global_id("AssessmentRound", done_round.pk),
        to_global_id("RoundParticipant", participant.pk),
        to_global_id("RoundParticipant", done.pk),
        to_global_id("HomeTitle", title.pk),
        to_global_id("AssessmentRound", notice_round.pk),
        to_global_id("AssessmentObjection", objection.pk),
    ]
    return ids, [standard.name, open_round.name, done_round.name, "受害者台账缺页", "受害县公示批次异议"]


def full_scores(standard, **overrides):
    """Full marks on every non-bonus item (veto items 0), with overrides {code: Decimal}."""
    from assessment.models import StandardItem

    scores = {
        item.code: item.max_points for item in StandardItem.objects.filter(standard=standard, bonus=False)
    }
    scores.update({code.replace("_", "."): value for code, value in overrides.items()})
    return scores
