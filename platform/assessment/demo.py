"""Demo data: the county's 100+3-point model-Home standard (the Fujian sheet) and a finished, published round over
the demo unions, with self-assessments, member appraisal, inspection findings, titles and a funded subsidy pool.
Idempotent: a county that already has the round is left alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from django.utils import timezone

from .models import (
    Round,
    RoundParticipant,
    ScoringMethod,
    Standard,
    StandardItem,
    StandardStatus,
    Title,
    TitleStatus,
)
from .services.funding import funding_allocate, funding_pool_set
from .services.inspection import (
    deduction_add,
    inspection_scores_set,
    participant_staff_count_verify,
    veto_record,
)
from .services.results import round_notice_open, round_publish, round_score
from .services.rounds import (
    UnitRef,
    participant_appraisal_add,
    participant_appraisal_invited_set,
    participant_self_scores_submit,
    round_open,
)
from .services.standards import standard_create, standard_publish
from .services.titles import title_award
from .sheets import fujian_home_standard

ROUND_NAME = "年度模范职工之家建设验收"
STANDARD_CODE = "fj-model-home"


def _scores(standard, union_index: int) -> dict:
    """Deterministic, varied self scores: a few items short of full marks depending on the union."""
    scores = {}
    for position, item in enumerate(StandardItem.objects.filter(standard=standard).order_by("position")):
        if item.bonus:
            if (union_index + position) % 3 == 0:
                scores[item.code] = item.max_points
            continue
        value = item.max_points
        if item.method == ScoringMethod.GRADED and item.step and (union_index * 7 + position) % 4 == 0:
            value = max(D(0), item.max_points - item.step * (1 + union_index % 2))
        scores[item.code] = value
    return scores


def demo_assessment_load(*, county, unions_by_slug: dict, city_name: str = "示范市总工会") -> int:
    """Returns how many rounds were created (0 on a second run)."""
    now = timezone.now()
    year = timezone.localdate().year
    name = f"{year - 1}{ROUND_NAME}"
    if Round.objects.filter(organiser=county, name=name).exists():
        return 0
    standard = Standard.objects.filter(
        issuer=county, code=STANDARD_CODE, status=StandardStatus.PUBLISHED
    ).first()
    if standard is None:
        draft = standard_create(
            issuer=county, content=fujian_home_standard(code=STANDARD_CODE, year=year - 1), actor=None
        )
        standard = standard_publish(standard=draft, actor=None, at=now - timedelta(days=120))
    unions = [
        union
        for slug, union in sorted(unions_by_slug.items())
        if not standard.unit_types or union.unit_type in standard.unit_types
    ]
    if not unions:
        return 0
    opened = now - timedelta(days=90)
    rnd = round_open(
        organiser=county,
        standard=standard,
        name=name,
        self_assessment_due=now - timedelta(days=60),
        appraisal_due=now - timedelta(days=45),
        inspection_due=now - timedelta(days=30),
        units=[UnitRef(union) for union in unions],
        actor=None,
    )
    participants = list(
        RoundParticipant.objects.filter(round=rnd).select_related("round", "union").order_by("id")
    )
    for index, participant in enumerate(participants):
        participant_self_scores_submit(
            participant=participant,
            scores=_scores(standard, index),
            actor=None,
            at=opened + timedelta(days=10, hours=index),
        )
        invited = 20 + 5 * index
        participant_appraisal_invited_set(participant=participant, invited=invited)
        for response in range(invited - 3 - index % 4):
            participant_appraisal_add(
                participant=participant, satisfied=response % (8 + index) != 0, at=opened + timedelta(days=40)
            )
    inspected_at = now - timedelta(days=35)
    codes = list(StandardItem.objects.filter(standard=standard).values_list("code", flat=True))
    for index, participant in enumerate(participants):
        participant.refresh_from_db()
        # The inspectors corrected a few self scores down, accepted the other self scores item by item (bonus
        # items not claimed score 0) and found gaps in the records of every third union.
        corrected = {"6.3": D(5 - index % 3), "2.3": D(4 - index % 2)}
        unclaimed = {
            code: D(0) for code in codes if code not in corrected and code not in participant.self_scores
        }
        inspection_scores_set(
            participant=participant,
            scores={**corrected, **unclaimed},
            notes={"6.3": "现场查阅台账", "2.3": "核对帮扶记录"},
            accept_self=[code for code in codes if code not in corrected and code in participant.self_scores],
            actor=None,
            at=inspected_at,
        )
        participant_staff_count_verify(
            participant=participant,
            value=participant.staff_count or participant.union.staff_count,
            note="核对工资发放花名册",
            actor=None,
            at=inspected_at,
        )
        if index % 3 == 2:
            deduction_add(
                participant=participant,
                reason="抽查会议记录缺失",
                item_code="6.3",
                actor=None,
                at=inspected_at,
            )
    if len(participants) > 3:
        veto_record(
            participant=participants[-1],
            reason="年内发生拖欠职工工资问题，经劳动监察部门认定",
            item_code="6.5",
            actor=None,
            at=inspected_at,
        )
    round_score(round=rnd, actor=None, at=now - timedelta(days=25))
    notice_start = timezone.localdate(now - timedelta(days=28))
    round_notice_open(
        round=rnd,
        starts_on=notice_start,
        ends_on=notice_start + timedelta(days=6),
        actor=None,
        at=now - timedelta(days=28),
    )
    round_publish(
        round=rnd,
        decision_number=f"{county.name[:2]}工发〔{year}〕8号",
        actor=None,
        at=now - timedelta(days=20),
    )
    # A unit holds titles per awarding level: the best-placed union also holds the city federation's title,
    # awarded earlier and recorded by the county (the city is not on the platform).
    best = (
        Title.objects.filter(round=rnd, branch_id=0, status=TitleStatus.ACTIVE)
        .select_related("union")
        .order_by("-grade_rank", "id")
        .first()
    )
    if best is not None:
        awarded_on = timezone.localdate(now) - timedelta(days=400)
        title_award(
            union=best.union,
            grade="advanced",
            awarded_by=county,
            awarding_level="city",
            awarding_body_name=city_name,
            awarded_on=awarded_on,
            valid_until=awarded_on + timedelta(days=3 * 365),
            decision_number=f"市工发〔{awarded_on.year}〕21号",
            actor=None,
        )
    funding_pool_set(
        round=rnd,
        amount_fen=5_000_000,  # 5万元
        formula="per_grade",
        params={"model": 500_000, "advanced": 300_000, "qualified": 100_000},
        actor=None,
    )
    funding_allocate(round=rnd, actor=None, at=now - timedelta(days=15))
    return 1
