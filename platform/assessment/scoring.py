"""Feeding the engine from the database: a round's inputs in a constant number of queries, whatever its size."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from federations.models import next_lower_levels
from rollup import indicators
from rollup.models import LiveFact

from . import engine
from .models import (
    Deduction,
    Grade,
    InspectionScore,
    RoundParticipant,
    StandardItem,
    Title,
    TitleStatus,
    VetoFinding,
)


def standard_spec(standard) -> engine.StandardSpec:
    items = (
        StandardItem.objects.filter(standard=standard)
        .select_related("section")
        .order_by("section__position", "position")
    )
    grades = Grade.objects.filter(standard=standard).order_by("rank")
    return engine.StandardSpec(
        base_max_points=standard.base_max_points,
        bonus_cap=standard.bonus_cap,
        deduction_cap=standard.deduction_cap,
        min_participation=standard.min_appraisal_participation,
        items=tuple(
            engine.ItemSpec(
                code=item.code,
                max_points=item.max_points,
                method=item.method,
                section=item.section.title,
                mandatory=item.mandatory,
                pass_points=item.pass_points,
                veto=item.veto,
                bonus=item.bonus,
            )
            for item in items
        ),
        grades=tuple(
            engine.GradeSpec(
                code=grade.code,
                rank=grade.rank,
                min_score=grade.min_score,
                name=grade.name,
                min_join_rate=grade.min_join_rate,
                min_satisfaction=grade.min_satisfaction,
                requires_lower_title=grade.requires_lower_title,
            )
            for grade in grades
        ),
    )


def round_inputs(rnd, *, on: date) -> list[tuple[RoundParticipant, engine.Inputs]]:
    """Every participant of the round with its engine inputs (six queries in all).

    Membership figures are the union's (live fact `members` / the participant's staff count as of the round's
    reference date) for a union and for its branches alike: staff counts exist per union only. Titles held are the
    unit's titles valid on `on` awarded at the level just below the organiser's (the "lower title" of the gates).
    """
    participants = list(RoundParticipant.objects.filter(round=rnd).select_related("union").order_by("id"))
    lower_levels = next_lower_levels(rnd.organiser.level)
    inspection: dict[int, dict] = defaultdict(dict)
    for participant_id, code, score in InspectionScore.objects.filter(participant__round=rnd).values_list(
        "participant_id", "item__code", "score"
    ):
        inspection[participant_id][code] = score
    deductions: dict[int, list] = defaultdict(list)
    for participant_id, points in Deduction.objects.filter(participant__round=rnd).values_list(
        "participant_id", "points"
    ):
        deductions[participant_id].append(points)
    vetoes: dict[int, list] = defaultdict(list)

    for participant_id, reason in (
        VetoFinding.objects.filter(participant__round=rnd)
        .order_by("id")
        .values_list("participant_id", "reason")
    ):
        vetoes[participant_id].append(reason)
    union_ids = sorted({p.union_id for p in participants})
    members = dict(
        LiveFact.objects.filter(
            union_id__in=union_ids, branch_id=0, indicator=indicators.MEMBERS, period=indicators.STOCK
        ).values_list("union_id", "value")
    )
    titles: dict[tuple[int, int], set[str]] = defaultdict(set)
    for union_id, branch_id, grade in Title.objects.filter(
        union_id__in=union_ids,
        status=TitleStatus.ACTIVE,
        valid_until__gte=on,
        awarding_level__in=lower_levels,
    ).values_list("union_id", "branch_id", "grade"):
        titles[(union_id, branch_id)].add(grade)
    out = []
    for participant in participants:
        out.append(
            (
                participant,
                engine.Inputs(
                    self_scores={
                        code: engine.Decimal(value) for code, value in (participant.self_scores or {}).items()
                    },
                    inspection_scores=inspection.get(participant.pk, {}),
                    deductions=tuple(deductions.get(participant.pk, ())),
                    vetoes=tuple(vetoes.get(participant.pk, ())),
                    members=members.get(participant.union_id, 0),
                    staff=participant.staff_count or None,
                    appraisal_invited=participant.appraisal_invited,
                    appraisal_responses=participant.appraisal_responses,
                    appraisal_satisfied=participant.appraisal_satisfied,
                    titles_held=frozenset(titles.get((participant.union_id, participant.branch_id), ())),
                ),
            )
        )
    return out


def breakdown_json(outcome: engine.Outcome) -> list[dict]:
    return [
        {
            "code": line.code,
            "section": line.section,
            "max_points": str(line.max_points),
            "self_score": None if line.self_score is None else str(line.self_score),
            "inspection_score": None if line.inspection_score is None else str(line.inspection_score),
            "awarded": str(line.awarded),
            "source": line.source,
            "method": line.method,
            "mandatory": line.mandatory,
            "bonus": line.bonus,
            "failed": line.failed,
        }
        for line in outcome.lines
    ]
