"""GraphQL types for 职工之家 assessment: standards, rounds, participants, inspection, results, titles, funding."""

from __future__ import annotations

from decimal import Decimal

import graphene

from api.core import ids
from api.core.access import or_none
from api.core.pagination import CountableConnection
from api.core.types import ModelNode, enum_from_choices
from assessment import models, selectors

from .access import (
    BRANCH,
    OBJECTION,
    PARTICIPANT,
    ROUND,
    STANDARD,
    TITLE,
    participant_for,
    round_for,
    standard_for,
    title_for,
)
from .loaders import ParticipantResultLoader, RoundFundingLoader

StandardStatusEnum = enum_from_choices(models.StandardStatus, "Draft or published (published = immutable).")
ScoringMethodEnum = enum_from_choices(models.ScoringMethod, "How an item is scored.")
GradeCodeEnum = enum_from_choices(models.GradeCode, "A grade: 合格/先进/模范 职工之家 or one to five stars.")
RoundStatusEnum = enum_from_choices(models.RoundStatus, "Where a round stands.")
AppraisalVerificationEnum = enum_from_choices(
    models.AppraisalVerification, "How member-appraisal respondents prove to be the member."
)
TitleStatusEnum = enum_from_choices(models.TitleStatus, "Whether a title is still held.")
TitleEventKindEnum = enum_from_choices(models.TitleEventKind, "What happened to a title.")
FundingFormulaEnum = enum_from_choices(models.FundingFormula, "How a subsidy pool is split.")


class AssessmentStandardItem(graphene.ObjectType):
    code = graphene.String(required=True)
    text = graphene.String(required=True)
    max_points = graphene.Decimal(required=True)
    method = graphene.Field(ScoringMethodEnum, required=True)
    step = graphene.Decimal(description="Graded items: scores are multiples of this.")
    evidence_required = graphene.Boolean(required=True)
    mandatory = graphene.Boolean(required=True, description="必备项: failing it fails the grade.")
    pass_points = graphene.Decimal(
        description="Mandatory graded item: least passing score (null = full marks)."
    )
    veto = graphene.Boolean(required=True, description="一票否决项.")
    bonus = graphene.Boolean(required=True, description="加分项 (within the standard's bonus cap).")
    spot_check = graphene.Boolean(required=True, description="Spot-check deductions may cite it.")


class AssessmentStandardSection(graphene.ObjectType):
    position = graphene.Int(required=True)
    title = graphene.String(required=True)
    max_points = graphene.Decimal(required=True, description="Sum of the section's non-bonus items.")
    items = graphene.List(graphene.NonNull(AssessmentStandardItem), required=True)

    @staticmethod
    def resolve_items(root, info):
        return root.item_rows

    @staticmethod
    def resolve_max_points(root, info):
        return sum((item.max_points for item in root.item_rows if not item.bonus), Decimal(0))


class AssessmentGrade(graphene.ObjectType):
    code = graphene.Field(GradeCodeEnum, required=True)
    name = graphene.String(required=True)
    rank = graphene.Int(required=True, description="1 = the lowest grade.")
    min_score = graphene.Decimal(required=True)
    min_join_rate = graphene.Decimal(description="入会率 gate, 0.9 = 90%.")
    min_satisfaction = graphene.Decimal(description="Member satisfaction gate (会员评家), 0.9 = 90%.")
    requires_lower_title = graphene.Boolean(required=True, description="The next-lower title must be held.")
    validity_years = graphene.Int(required=True)


class AssessmentStandard(ModelNode):
    """One version of a scoring standard; published versions never change."""

    class Meta:
        name = STANDARD
        model = models.Standard
        fetch = standard_for

    issuer_id = graphene.ID(required=True)
    issuer_name = graphene.String(required=True)
    code = graphene.String(required=True)
    version = graphene.Int(required=True)
    previous_id = graphene.ID(description="The version this one was copied from.")
    name = graphene.String(required=True)
    year = graphene.Int(required=True)
    unit_types = graphene.List(graphene.NonNull(graphene.String), required=True)
    applies_to_branches = graphene.Boolean(required=True)
    base_max_points = graphene.Decimal(required=True)
    bonus_cap = graphene.Decimal(required=True)
    deduction_points = graphene.Decimal(required=True)
    deduction_cap = graphene.Decimal(required=True, description="0 = no cap.")
    status = graphene.Field(StandardStatusEnum, required=True)
    published_at = graphene.DateTime()
    sections = graphene.List(graphene.NonNull(AssessmentStandardSection), required=True)
    grades = graphene.List(graphene.NonNull(AssessmentGrade), required=True)

    @staticmethod
    def resolve_issuer_id(root, info):
        return ids.to_global_id(ids.FEDERATION_NODE, root.issuer_id)

    @staticmethod
    def resolve_issuer_name(root, info):
        return root.issuer.name

    @staticmethod
    def resolve_previous_id(root, info):
        return ids.to_global_id(STANDARD, root.previous_id) if root.previous_id else None

    @staticmethod
    def resolve_sections(root, info):
        sections = list(root.sections.order_by("position"))
        items: dict[int, list] = {}
        for item in models.StandardItem.objects.filter(standard=root).order_by("position"):
            items.setdefault(item.section_id, []).append(item)
        for section in sections:
            section.item_rows = items.get(section.pk, [])
        return sections

    @staticmethod
    def resolve_grades(root, info):
        return list(root.grades.order_by("rank"))


class AssessmentStandardConnection(CountableConnection):
    class Meta:
        node = AssessmentStandard


class AssessmentItemLine(graphene.ObjectType):
    """One item of a result's breakdown."""

    code = graphene.String(required=True)
    section = graphene.String(required=True)
    max_points = graphene.Decimal(required=True)
    self_score = graphene.Decimal()
    inspection_score = graphene.Decimal()
    awarded = graphene.Decimal(required=True)
    source = graphene.String(required=True, description="inspection, self or none.")
    method = graphene.Field(ScoringMethodEnum, required=True)
    mandatory = graphene.Boolean(required=True)
    bonus = graphene.Boolean(required=True)
    failed = graphene.Boolean(
        required=True, description="A mandatory or prerequisite item below its pass mark."
    )


class AssessmentResult(graphene.ObjectType):
    """The scoring engine's result for a participant, with the per-item breakdown and the reason for the grade."""

    participant_id = graphene.ID(required=True)
    union_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    branch_name = graphene.String(required=True)
    base_points = graphene.Decimal(required=True)
    bonus_points = graphene.Decimal(required=True, description="After the bonus cap.")
    deduction_points = graphene.Decimal(required=True, description="After the deduction cap.")
    total = graphene.Decimal(required=True)
    grade = graphene.Field(GradeCodeEnum, description="Null = no grade.")
    reason_code = graphene.String(required=True)
    reason = graphene.String(required=True)
    join_rate = graphene.Decimal()
    satisfaction = graphene.Decimal()
    rank = graphene.Int(
        required=True, description="Competition ranking (1, 2, 2, 4); unions and branches apart."
    )
    breakdown = graphene.List(graphene.NonNull(AssessmentItemLine), required=True)
    computed_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_participant_id(root, info):
        return ids.to_global_id(PARTICIPANT, root.participant_id)

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.participant.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.participant.union.name

    @staticmethod
    def resolve_branch_name(root, info):
        return root.participant.branch_name

    @staticmethod
    def resolve_grade(root, info):
        return root.grade or None

    @staticmethod
    def resolve_breakdown(root, info):
        return root.breakdown  # stored by assessment.scoring.breakdown_json


class AssessmentResultConnection(CountableConnection):
    class Meta:
        node = AssessmentResult


class AssessmentScore(graphene.ObjectType):
    item_code = graphene.String(required=True)
    score = graphene.Decimal(required=True)
    note = graphene.String(required=True)
    scored_at = graphene.DateTime()


class AssessmentDeduction(graphene.ObjectType):
    item_code = graphene.String()
    points = graphene.Decimal(required=True)
    reason = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_item_code(root, info):
        return root.item.code if root.item_id else None


class AssessmentVeto(graphene.ObjectType):
    item_code = graphene.String()
    reason = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_item_code(root, info):
        return root.item.code if root.item_id else None


class RoundParticipant(ModelNode):
    """A union's 职工之家 (no branch) or a branch's 职工小家 in a round."""

    class Meta:
        name = PARTICIPANT
        model = models.RoundParticipant
        fetch = participant_for

    round_id = graphene.ID(required=True)
    union_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    branch_id = graphene.ID(description="Global id of the branch (职工小家); null for the union's 职工之家.")
    branch_name = graphene.String(required=True)
    self_submitted_at = graphene.DateTime()
    self_scores = graphene.List(graphene.NonNull(AssessmentScore), required=True)
    appraisal_invited = graphene.Int(required=True)
    staff_count = graphene.Int(description="职工人数 as of the round's reference date (入会率 denominator).")
    staff_count_on = graphene.Date()
    staff_count_source = graphene.String(required=True)
    staff_verified_at = graphene.DateTime(
        description="When the inspecting federation verified the staff count."
    )
    appraisal_responses = graphene.Int(required=True)
    appraisal_satisfied = graphene.Int(
        description="Responses rating the union 满意 or 基本满意; null while appraisalBreakdownWithheld."
    )
    appraisal_breakdown_withheld = graphene.Boolean(
        required=True,
        description="Fewer 会员评家 responses than the minimum (UNIONHUB_APPRAISAL_MIN_RESPONSES): the answer counts "
        "would reveal individual answers. Scoring uses the real counts.",
    )
    inspection_scores = graphene.List(graphene.NonNull(AssessmentScore), required=True)
    deductions = graphene.List(graphene.NonNull(AssessmentDeduction), required=True)
    vetoes = graphene.List(graphene.NonNull(AssessmentVeto), required=True)
    result = graphene.Field(
        AssessmentResult, description="Null until scored (on a union host: until published)."
    )

    @staticmethod
    def resolve_round_id(root, info):
        return ids.to_global_id(ROUND, root.round_id)

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.union.name

    @staticmethod
    def resolve_branch_id(root, info):
        return ids.to_tenant_global_id(BRANCH, root.union_id, root.branch_id) if root.branch_id else None

    @staticmethod
    def resolve_appraisal_satisfied(root, info):
        return (
            None
            if selectors.appraisal_breakdown_withheld(root.appraisal_responses)
            else root.appraisal_satisfied
        )

    @staticmethod
    def resolve_appraisal_breakdown_withheld(root, info):
        return selectors.appraisal_breakdown_withheld(root.appraisal_responses)

    @staticmethod
    def resolve_self_scores(root, info):
        return [
            AssessmentScore(item_code=code, score=value, note="", scored_at=root.self_submitted_at)
            for code, value in sorted((root.self_scores or {}).items())
        ]

    @staticmethod
    def resolve_inspection_scores(root, info):
        return [
            AssessmentScore(item_code=row.item.code, score=row.score, note=row.note, scored_at=row.scored_at)
            for row in root.inspection_scores.select_related("item").order_by("item__position")
        ]

    @staticmethod
    def resolve_deductions(root, info):
        return list(root.deductions.select_related("item").order_by("id"))

    @staticmethod
    def resolve_vetoes(root, info):
        return list(root.vetoes.select_related("item").order_by("id"))

    @staticmethod
    def resolve_result(root, info):
        return info.context.loader(ParticipantResultLoader).load(root.pk)


class RoundParticipantConnection(CountableConnection):
    class Meta:
        node = RoundParticipant


class AssessmentFundingAllocation(graphene.ObjectType):
    participant_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    branch_name = graphene.String(required=True)
    amount_fen = graphene.Float(required=True, description="Fen (分), an integer.")

    @staticmethod
    def resolve_participant_id(root, info):
        return ids.to_global_id(PARTICIPANT, root.participant_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.participant.union.name

    @staticmethod
    def resolve_branch_name(root, info):
        return root.participant.branch_name


class GradeAmount(graphene.ObjectType):
    grade = graphene.Field(GradeCodeEnum, required=True)
    amount_fen = graphene.Float(required=True)


class AssessmentFundingPool(graphene.ObjectType):
    amount_fen = graphene.Float(required=True, description="The pool in fen (分), an integer.")
    formula = graphene.Field(FundingFormulaEnum, required=True)
    per_grade = graphene.List(graphene.NonNull(GradeAmount), required=True)
    threshold = graphene.Decimal(description="Proportional formula: the score above which points count.")
    allocated_at = graphene.DateTime()
    allocations = graphene.List(
        graphene.NonNull(AssessmentFundingAllocation),
        required=True,
        description="Shares of the participants the viewer may see.",
    )

    @staticmethod
    def resolve_per_grade(root, info):
        if root.formula != models.FundingFormula.PER_GRADE:
            return []
        return [GradeAmount(grade=code, amount_fen=amount) for code, amount in sorted(root.params.items())]

    @staticmethod
    def resolve_threshold(root, info):
        return root.params.get("threshold") if root.formula == models.FundingFormula.PROPORTIONAL else None

    @staticmethod
    def resolve_allocations(root, info):
        context = info.context
        visible = selectors.participant_list(actor=context.actor, union=context.union).values("pk")
        return list(
            root.allocations.filter(participant__in=visible)
            .select_related("participant__union")
            .order_by("-amount_fen", "participant_id")
        )


class AssessmentRound(ModelNode):
    """An assessment round opened by a federation node."""

    class Meta:
        name = ROUND
        model = models.Round
        fetch = round_for

    name = graphene.String(required=True)
    standard = graphene.Field(AssessmentStandard, description="Null on a union host.")
    standard_name = graphene.String(required=True)
    organiser_name = graphene.String(required=True)
    reporting_year = graphene.String(required=True)
    self_assessment_due = graphene.DateTime(required=True)
    appraisal_due = graphene.DateTime(required=True)
    inspection_due = graphene.DateTime(required=True)
    reference_date = graphene.Date(
        required=True, description="Figures (staff count) are taken as of this date."
    )
    appraisal_verification = graphene.Field(AppraisalVerificationEnum, required=True)
    status = graphene.Field(RoundStatusEnum, required=True)
    scored_at = graphene.DateTime()
    notice_starts_on = graphene.Date(description="公示 period, once the results are posted.")
    notice_ends_on = graphene.Date()
    objections = graphene.List(graphene.NonNull(lambda: AssessmentObjection), required=True)
    decision_number = graphene.String(
        required=True, description="命名文号 of the decision; empty until published."
    )
    published_at = graphene.DateTime()
    funding_pool = graphene.Field(AssessmentFundingPool)

    @staticmethod
    def resolve_standard(root, info):
        return or_none(standard_for, info.context, ids.to_global_id(STANDARD, root.standard_id))

    @staticmethod
    def resolve_standard_name(root, info):
        return f"{root.standard.name}（第{root.standard.version}版）"

    @staticmethod
    def resolve_organiser_name(root, info):
        return root.organiser.name

    @staticmethod
    def resolve_funding_pool(root, info):
        return info.context.loader(RoundFundingLoader).load(root.pk)

    @staticmethod
    def resolve_objections(root, info):
        if info.context.union is not None:  # objections are the organiser's file, not shown on union hosts
            return []
        return list(root.objections.select_related("participant__union").order_by("id"))


class AssessmentObjection(graphene.ObjectType):
    """An objection received during the 公示 and how it was resolved."""

    id = graphene.ID(required=True)
    participant_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    received_on = graphene.Date(required=True)
    content = graphene.String(required=True)
    resolution = graphene.String(required=True)
    resolved_at = graphene.DateTime()

    @staticmethod
    def resolve_id(root, info):
        return ids.to_global_id(OBJECTION, root.pk)

    @staticmethod
    def resolve_participant_id(root, info):
        return ids.to_global_id(PARTICIPANT, root.participant_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.participant.union.name


class AssessmentRoundConnection(CountableConnection):
    class Meta:
        node = AssessmentRound


class HomeTitleEvent(graphene.ObjectType):
    kind = graphene.Field(TitleEventKindEnum, required=True)
    from_grade = graphene.String(required=True)
    to_grade = graphene.String(required=True)
    on = graphene.Date(required=True)
    reason = graphene.String(required=True)


class HomeTitle(ModelNode):
    """A 职工之家 / 职工小家 title or star level, with its history."""

    class Meta:
        name = TITLE
        model = models.Title
        fetch = title_for

    union_id = graphene.ID(required=True)
    union_name = graphene.String(required=True)
    branch_id = graphene.ID()
    grade = graphene.Field(GradeCodeEnum, required=True)
    grade_name = graphene.String(required=True)
    awarded_by_name = graphene.String(required=True)
    awarding_level = graphene.String(
        required=True, description="Level of the awarding body (county, city...)."
    )
    decision_number = graphene.String(required=True)
    round_id = graphene.ID()
    awarded_on = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    last_reviewed_on = graphene.Date()
    status = graphene.Field(TitleStatusEnum, required=True)
    ended_on = graphene.Date()
    events = graphene.List(graphene.NonNull(HomeTitleEvent), required=True)

    @staticmethod
    def resolve_union_id(root, info):
        return ids.to_global_id(ids.UNION, root.union_id)

    @staticmethod
    def resolve_union_name(root, info):
        return root.union.name

    @staticmethod
    def resolve_branch_id(root, info):
        return ids.to_tenant_global_id(BRANCH, root.union_id, root.branch_id) if root.branch_id else None

    @staticmethod
    def resolve_awarded_by_name(root, info):
        return root.awarding_body_name or root.awarded_by.name

    @staticmethod
    def resolve_round_id(root, info):
        return ids.to_global_id(ROUND, root.round_id) if root.round_id else None

    @staticmethod
    def resolve_events(root, info):
        return list(root.events.order_by("id"))


class HomeTitleConnection(CountableConnection):
    class Meta:
        node = HomeTitle
