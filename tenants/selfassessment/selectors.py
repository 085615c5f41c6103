"""Reading a union's self-assessments and appraisal aggregates (in the union's schema).

Who may do what (decided here with accounts.access, used by GraphQL):
- view: whole-union viewers (union admin and officers, federation roles above the union); not branch officers,
  who see part of a union only;
- edit the draft and upload evidence, open the appraisal and hand out its link: union.manage or member.manage
  (union admin and union officers);
- submit (the union's formal declaration to the federation): union.manage (union admin).
Appraisal answers are only ever read as aggregates: no selector returns a ballot, and the breakdown is withheld
while there are fewer responses than UNIONHUB_APPRAISAL_MIN_RESPONSES.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Actor, Perm
from assessment.models import RoundParticipant, RoundStatus, StandardItem
from assessment.selectors import appraisal_breakdown_withheld

from .models import (
    AREAS,
    AppraisalBallot,
    AppraisalSurvey,
    Evidence,
    Overall,
    SelfAssessment,
    SelfScore,
)

EDIT_PERMS = (Perm.UNION_MANAGE, Perm.MEMBER_MANAGE)


def can_view(actor: Actor, union) -> bool:
    return actor.can_on_union(Perm.UNION_VIEW, union) and actor.branch_scope(Perm.UNION_VIEW, union) is None


def can_edit(actor: Actor, union) -> bool:
    return any(
        actor.can_on_union(perm, union) and actor.branch_scope(perm, union) is None for perm in EDIT_PERMS
    )


def can_submit(actor: Actor, union) -> bool:
    return actor.can_on_union(Perm.UNION_MANAGE, union)


def participations(*, union) -> QuerySet:
    """The union's round participants (its 职工之家 and its branches' 职工小家), newest round first."""
    return (
        RoundParticipant.objects.filter(union=union)
        .select_related("round", "round__standard", "union")
        .order_by("-round_id", "branch_id")
    )


def participant_get(*, union, participant_id) -> object | None:
    """One of the union's participants by id, or None (also for a malformed id or another union's)."""
    try:
        pk = int(participant_id)
    except (TypeError, ValueError):
        return None
    return participations(union=union).filter(pk=pk).first()


def self_assessment_editable(participant, assessment: SelfAssessment | None, *, now=None) -> bool:
    now = now or timezone.now()
    return (
        participant.self_submitted_at is None
        and (assessment is None or not assessment.is_submitted)
        and participant.round.status == RoundStatus.OPEN
        and now <= participant.round.self_assessment_due
    )


@dataclass
class ItemView:
    item: object  # assessment.StandardItem
    score: Decimal | None = None
    note: str = ""
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class SelfAssessmentView:
    participant: object  # assessment.RoundParticipant
    assessment: SelfAssessment | None
    items: list[ItemView]

    @property
    def editable(self) -> bool:
        return self_assessment_editable(self.participant, self.assessment)

    @property
    def total(self) -> Decimal:
        return sum((i.score for i in self.items if i.score is not None), Decimal(0))


def self_assessments_view(*, participants: list) -> list[SelfAssessmentView]:
    """Views for several participants of the union whose schema the connection is in, in a constant number of
    queries: items per standard (1), assessments (1), scores (1), evidence (1)."""
    if not participants:
        return []
    standard_ids = {p.round.standard_id for p in participants}
    items_by_standard: dict[int, list] = defaultdict(list)
    for item in (
        StandardItem.objects.filter(standard_id__in=standard_ids)
        .select_related("section")
        .order_by("standard_id", "section__position", "position")
    ):
        items_by_standard[item.standard_id].append(item)
    assessments = {
        a.participant_id: a
        for a in SelfAssessment.objects.filter(participant_id__in=[p.pk for p in participants])
    }
    by_assessment = {a.pk: a.participant_id for a in assessments.values()}
    scores: dict[tuple[int, str], SelfScore] = {}
    evidence: dict[tuple[int, str], list[Evidence]] = defaultdict(list)
    if assessments:
        for row in SelfScore.objects.filter(assessment_id__in=list(by_assessment)):
            scores[(by_assessment[row.assessment_id], row.item_code)] = row
        for row in Evidence.objects.filter(assessment_id__in=list(by_assessment)).order_by("id"):
            evidence[(by_assessment[row.assessment_id], row.item_code)].append(row)
    views = []
    for participant in participants:
        items = []
        for item in items_by_standard[participant.round.standard_id]:
            score = scores.get((participant.pk, item.code))
            items.append(
                ItemView(
                    item=item,
                    score=score.score if score else None,
                    note=score.note if score else "",
                    evidence=evidence.get((participant.pk, item.code), []),
                )
            )
        views.append(SelfAssessmentView(participant, assessments.get(participant.pk), items))
    return views


def evidence_get(*, evidence_id) -> Evidence | None:
    try:
        pk = int(evidence_id)
    except (TypeError, ValueError):
        return None
    return Evidence.objects.select_related("assessment").filter(pk=pk).first()


@dataclass(frozen=True)
class AppraisalAggregate:
    """Counts and averages only: never who answered what. Below the minimum number of responses
    (UNIONHUB_APPRAISAL_MIN_RESPONSES) the breakdown (answer counts, area averages) is None for every viewer."""

    opened: bool
    invited: int
    responses: int
    satisfied: int | None  # 满意
    basic: int | None  # 基本满意
    dissatisfied: int | None  # 不满意
    area_averages: dict[str, Decimal | None]
    min_responses: int

    @property
    def breakdown_withheld(self) -> bool:
        return self.satisfied is None

    @property
    def withheld_reason(self) -> str:
        if not self.breakdown_withheld:
            return ""
        return _("回复少于 %(minimum)d 份，不显示会员满意率和各项评分，以免推断出个人的评价") % {
            "minimum": self.min_responses
        }

    @property
    def satisfaction_permille(self) -> int | None:
        """(满意 + 基本满意) / responses, in per mille (rounded half up); None without responses or while withheld."""
        if not self.responses or self.breakdown_withheld:
            return None
        return ((self.satisfied + self.basic) * 2000 + self.responses) // (2 * self.responses)

    @property
    def participation_permille(self) -> int | None:
        if not self.invited:
            return None
        return (self.responses * 2000 + self.invited) // (2 * self.invited)


def appraisal_aggregate(*, participant) -> AppraisalAggregate:
    """The appraisal of one participant as aggregates (two queries), the breakdown withheld below the minimum number
    of responses. The scoring gate does not read this: it uses the counts on the public participant row."""
    minimum = settings.UNIONHUB_APPRAISAL_MIN_RESPONSES
    no_averages = {area: None for area in AREAS}
    survey = AppraisalSurvey.objects.filter(participant_id=participant.pk).first()
    if survey is None:
        return AppraisalAggregate(False, 0, 0, None, None, None, no_averages, minimum)
    row = AppraisalBallot.objects.filter(survey=survey).aggregate(
        responses=Count("id"),
        satisfied=Count("id", filter=Q(overall=Overall.SATISFIED)),
        basic=Count("id", filter=Q(overall=Overall.BASIC)),
        dissatisfied=Count("id", filter=Q(overall=Overall.DISSATISFIED)),
        **{f"avg_{area}": Avg(area) for area in AREAS},
    )
    if appraisal_breakdown_withheld(row["responses"]):
        return AppraisalAggregate(
            True, survey.invited, row["responses"], None, None, None, no_averages, minimum
        )
    averages = {
        area: (
            None if row[f"avg_{area}"] is None else Decimal(str(row[f"avg_{area}"])).quantize(Decimal("0.01"))
        )
        for area in AREAS
    }
    return AppraisalAggregate(
        opened=True,
        invited=survey.invited,
        responses=row["responses"],
        satisfied=row["satisfied"],
        basic=row["basic"],
        dissatisfied=row["dissatisfied"],
        area_averages=averages,
        min_responses=minimum,
    )
