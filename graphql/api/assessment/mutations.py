"""Mutations for 职工之家 assessment: thin calls into assessment.services, authorised through accounts.access.

Who may do what: federation admins (node.manage) author standards on their node, open, score and publish rounds
and set funding; inspectors (union.inspect on the union: federation staff and admins above it) record acceptance
scores, deductions and vetoes; titles are managed by whoever manages the awarding node.
"""

from __future__ import annotations

from decimal import Decimal

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from assessment.models import RoundParticipant
from assessment.services.funding import funding_allocate, funding_pool_set
from assessment.services.inspection import deduction_add, inspection_scores_set, veto_record
from assessment.services.results import round_publish, round_score
from assessment.services.rounds import UnitRef, round_open, round_participants_add
from assessment.services.standards import (
    GradeInput,
    ItemInput,
    SectionInput,
    StandardContent,
    standard_create,
    standard_new_version,
    standard_publish,
    standard_update,
)
from assessment.services.titles import title_award, title_downgrade, title_review, title_revoke
from unionhub.errors import DomainValidationError

from .types import (
    BRANCH,
    AssessmentDeduction,
    AssessmentFundingPool,
    AssessmentRound,
    AssessmentStandard,
    AssessmentVeto,
    FundingFormulaEnum,
    GradeCodeEnum,
    HomeTitle,
    ScoringMethodEnum,
    participant_for,
    round_for,
    standard_for,
    title_for,
)
from .types import (
    RoundParticipant as RoundParticipantType,
)


def _value(enum_value):
    return getattr(enum_value, "value", enum_value)


def _require(context, perm: Perm, *, node=None, union=None):
    allowed = (
        context.actor.can_on_node(perm, node) if node is not None else context.actor.can_on_union(perm, union)
    )
    if not allowed:
        raise AccessDenied


# --- Standards -----------------------------------------------------------------------------------------------------


class AssessmentItemInput(graphene.InputObjectType):
    item_code = graphene.String(required=True, description="Unique within the standard, e.g. 1.1.")
    text = graphene.String(required=True)
    max_points = graphene.Decimal(required=True)
    method = ScoringMethodEnum(required=True)
    step = graphene.Decimal(description="Graded items: scores must be multiples of this.")
    evidence_required = graphene.Boolean()
    mandatory = graphene.Boolean(description="必备项.")
    pass_points = graphene.Decimal(
        description="Mandatory graded item: least passing score (default full marks)."
    )
    veto = graphene.Boolean(description="一票否决项.")
    bonus = graphene.Boolean(description="加分项.")
    spot_check = graphene.Boolean(description="抽查扣分项.")


class AssessmentSectionInput(graphene.InputObjectType):
    title = graphene.String(required=True)
    # Not "items": input objects are dicts, and a field of that name would shadow dict.items().
    criteria = graphene.List(graphene.NonNull(AssessmentItemInput), required=True, description="The items.")


class AssessmentGradeInput(graphene.InputObjectType):
    grade = GradeCodeEnum(required=True)
    name = graphene.String(description="Default: the grade's usual name.")
    min_score = graphene.Decimal(required=True)
    min_join_rate = graphene.Decimal(description="0.9 = 90%.")
    min_satisfaction = graphene.Decimal(description="0.9 = 90%.")
    requires_lower_title = graphene.Boolean()
    validity_years = graphene.Int(description="Default 3.")


class AssessmentStandardContentInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    year = graphene.Int(required=True)
    unit_types = graphene.List(
        graphene.NonNull(graphene.String), description="Union unit types; empty = all."
    )
    applies_to_branches = graphene.Boolean(description="Also for branches' 职工小家.")
    base_max_points = graphene.Decimal(
        required=True, description="100 or 1000; the non-bonus items sum to it."
    )
    bonus_cap = graphene.Decimal()
    deduction_points = graphene.Decimal(description="Points per spot-check failure (default 1).")
    deduction_cap = graphene.Decimal(description="Cap on deductions (default none).")
    sections = graphene.List(graphene.NonNull(AssessmentSectionInput), required=True)
    grades = graphene.List(graphene.NonNull(AssessmentGradeInput), required=True)


class AssessmentStandardCreateInput(AssessmentStandardContentInput):
    issuer = graphene.ID(required=True, description="The federation node issuing the standard.")
    standard_code = graphene.String(required=True, description="Identifies the standard across versions.")


def _content(data, code: str) -> StandardContent:
    def decimal(value, default=None):
        return default if value is None else value

    return StandardContent(
        code=code,
        name=data["name"],
        year=data["year"],
        unit_types=tuple(data.get("unit_types") or ()),
        applies_to_branches=bool(data.get("applies_to_branches")),
        base_max_points=data["base_max_points"],
        bonus_cap=decimal(data.get("bonus_cap"), Decimal(0)),
        deduction_points=decimal(data.get("deduction_points"), Decimal(1)),
        deduction_cap=decimal(data.get("deduction_cap"), Decimal(0)),
        sections=[
            SectionInput(
                title=section["title"],
                items=[
                    ItemInput(
                        code=item["item_code"],
                        text=item["text"],
                        max_points=item["max_points"],
                        method=_value(item["method"]),
                        step=item.get("step"),
                        evidence_required=bool(item.get("evidence_required")),
                        mandatory=bool(item.get("mandatory")),
                        pass_points=item.get("pass_points"),
                        veto=bool(item.get("veto")),
                        bonus=bool(item.get("bonus")),
                        spot_check=bool(item.get("spot_check")),
                    )
                    for item in section["criteria"]
                ],
            )
            for section in data["sections"]
        ],
        grades=[
            GradeInput(
                code=_value(grade["grade"]),
                name=grade.get("name") or "",
                min_score=grade["min_score"],
                min_join_rate=grade.get("min_join_rate"),
                min_satisfaction=grade.get("min_satisfaction"),
                requires_lower_title=bool(grade.get("requires_lower_title")),
                validity_years=grade.get("validity_years") or 3,
            )
            for grade in data["grades"]
        ],
    )


def _managed_standard(context, global_id):
    standard = standard_for(context, global_id)
    _require(context, Perm.NODE_MANAGE, node=standard.issuer)
    return standard


class AssessmentStandardCreate(BaseMutation):
    """Author a new scoring standard (version 1, draft) on a node the actor manages."""

    class Arguments:
        input = AssessmentStandardCreateInput(required=True)

    standard = graphene.Field(AssessmentStandard)

    @classmethod
    def perform(cls, info, context, input):
        try:
            issuer = node_for(context, input["issuer"], Perm.NODE_MANAGE)
        except AccessDenied:
            raise field_not_found("issuer") from None
        standard = standard_create(
            issuer=issuer, content=_content(input, input["standard_code"]), actor=context.actor
        )
        return {"standard": standard}


class AssessmentStandardUpdate(BaseMutation):
    """Replace a draft standard's content; a published standard is refused (create a new version instead)."""

    class Arguments:
        id = graphene.ID(required=True)
        input = AssessmentStandardContentInput(required=True)

    standard = graphene.Field(AssessmentStandard)

    @classmethod
    def perform(cls, info, context, id, input):
        standard = _managed_standard(context, id)
        updated = standard_update(
            standard=standard, content=_content(input, standard.code), actor=context.actor
        )
        return {"standard": updated}


class AssessmentStandardPublish(BaseMutation):
    """Publish a draft: from now on it is immutable and rounds may use it."""

    class Arguments:
        id = graphene.ID(required=True)

    standard = graphene.Field(AssessmentStandard)

    @classmethod
    def perform(cls, info, context, id):
        standard = _managed_standard(context, id)
        return {"standard": standard_publish(standard=standard, actor=context.actor, at=timezone.now())}


class AssessmentStandardNewVersion(BaseMutation):
    """A new draft version copied from a standard (the way to change a published one)."""

    class Arguments:
        id = graphene.ID(required=True)

    standard = graphene.Field(AssessmentStandard)

    @classmethod
    def perform(cls, info, context, id):
        standard = _managed_standard(context, id)
        return {"standard": standard_new_version(standard=standard, actor=context.actor)}


# --- Rounds --------------------------------------------------------------------------------------------------------


class AssessmentUnitInput(graphene.InputObjectType):
    union = graphene.ID(required=True)
    branch = graphene.ID(description="One of its branches (职工小家); omitted = the union's 职工之家.")


def _units(context, units) -> list[UnitRef]:
    refs = []
    for unit in units:
        try:
            union = union_for(context, unit["union"], Perm.UNION_VIEW)
        except AccessDenied:
            raise field_not_found("units") from None
        branch_id = 0
        if unit.get("branch") is not None:
            branch_id = ids.decode_tenant_global_id(unit["branch"], BRANCH, union.pk)
            if branch_id is None:
                raise DomainValidationError.single("units", "unknown_branch", _("所选分会不属于该工会。"))
        refs.append(UnitRef(union=union, branch_id=branch_id))
    return refs


def _eligible_units(organiser, standard, *, exclude_round=None) -> list[UnitRef]:
    """Every active union under the organiser whose unit type the standard covers (the default participants)."""
    from federations.models import Union, UnionStatus

    unions = Union.objects.filter(node_path__startswith=organiser.path, status=UnionStatus.ACTIVE).order_by(
        "pk"
    )
    if standard.unit_types:
        unions = unions.filter(unit_type__in=standard.unit_types)
    if exclude_round is not None:
        taken = RoundParticipant.objects.filter(round=exclude_round, branch_id=0).values("union_id")
        unions = unions.exclude(pk__in=taken)
    return [UnitRef(union=union) for union in unions]


class AssessmentRoundOpenInput(graphene.InputObjectType):
    standard = graphene.ID(
        required=True, description="A published standard of the organiser or a node above it."
    )
    organiser = graphene.ID(description="Default: the standard's issuer.")
    name = graphene.String(required=True)
    self_assessment_due = graphene.DateTime(required=True)
    appraisal_due = graphene.DateTime(required=True)
    inspection_due = graphene.DateTime(required=True)
    units = graphene.List(
        graphene.NonNull(AssessmentUnitInput),
        description="Participating unions and branches; omitted = every active union below the organiser whose "
        "unit type the standard covers.",
    )


class AssessmentRoundOpen(BaseMutation):
    class Arguments:
        input = AssessmentRoundOpenInput(required=True)

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, input):
        try:
            standard = standard_for(context, input["standard"])
        except AccessDenied:
            raise field_not_found("standard") from None
        try:
            if input.get("organiser") is not None:
                organiser = node_for(context, input["organiser"], Perm.NODE_MANAGE)
            else:
                organiser = standard.issuer
                _require(context, Perm.NODE_MANAGE, node=organiser)
        except AccessDenied:
            raise field_not_found("organiser") from None
        units = input.get("units")
        refs = _units(context, units) if units is not None else _eligible_units(organiser, standard)
        rnd = round_open(
            organiser=organiser,
            standard=standard,
            name=input["name"],
            self_assessment_due=input["self_assessment_due"],
            appraisal_due=input["appraisal_due"],
            inspection_due=input["inspection_due"],
            units=refs,
            actor=context.actor,
        )
        return {"round": rnd}


def _managed_round(context, global_id):
    rnd = round_for(context, global_id)
    _require(context, Perm.NODE_MANAGE, node=rnd.organiser)
    return rnd


class AssessmentRoundAddUnits(BaseMutation):
    """Add participants while the round is open; omitted units = every eligible union not yet taking part."""

    class Arguments:
        round = graphene.ID(required=True)
        units = graphene.List(graphene.NonNull(AssessmentUnitInput))

    round = graphene.Field(AssessmentRound)
    added = graphene.Int()

    @classmethod
    def perform(cls, info, context, round, units=None):
        rnd = _managed_round(context, round)
        if units is not None:
            refs = _units(context, units)
        else:
            refs = _eligible_units(rnd.organiser, rnd.standard, exclude_round=rnd)
        added = round_participants_add(round=rnd, units=refs, actor=context.actor)
        return {"round": rnd, "added": len(added)}


class AssessmentRoundScore(BaseMutation):
    """(Re)compute results and ranking (until published)."""

    class Arguments:
        round = graphene.ID(required=True)

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, round):
        rnd = _managed_round(context, round)
        return {"round": round_score(round=rnd, actor=context.actor, at=timezone.now())}


class AssessmentRoundPublish(BaseMutation):
    """Publish results (recomputed), award titles and update live figures."""

    class Arguments:
        round = graphene.ID(required=True)

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, round):
        rnd = _managed_round(context, round)
        return {"round": round_publish(round=rnd, actor=context.actor, at=timezone.now())}


# --- Inspection ----------------------------------------------------------------------------------------------------


def _inspected(context, global_id):
    participant = participant_for(context, global_id)
    _require(context, Perm.UNION_INSPECT, union=participant.union)
    return participant


class AssessmentScoreInput(graphene.InputObjectType):
    item_code = graphene.String(required=True)
    score = graphene.Decimal(required=True)
    note = graphene.String()


class AssessmentInspectionScoreSet(BaseMutation):
    """Record acceptance scores (验收) for items of a participant; all or nothing, until the inspection deadline."""

    class Arguments:
        participant = graphene.ID(required=True)
        scores = graphene.List(graphene.NonNull(AssessmentScoreInput), required=True)

    participant = graphene.Field(RoundParticipantType)

    @classmethod
    def perform(cls, info, context, participant, scores):
        row = _inspected(context, participant)
        codes = [score["item_code"] for score in scores]
        if len(set(codes)) != len(codes):
            raise DomainValidationError.single("scores", "duplicate", _("同一条目只能填写一次。"))
        inspection_scores_set(
            participant=row,
            scores={score["item_code"]: score["score"] for score in scores},
            notes={score["item_code"]: score.get("note") or "" for score in scores},
            actor=context.actor,
            at=timezone.now(),
        )
        return {"participant": row}


class AssessmentDeductionAdd(BaseMutation):
    """A spot-check deduction with its reason (default points: the standard's per failure)."""

    class Arguments:
        participant = graphene.ID(required=True)
        reason = graphene.String(required=True)
        item_code = graphene.String(description="The spot-check item it concerns.")
        points = graphene.Decimal()

    deduction = graphene.Field(AssessmentDeduction)

    @classmethod
    def perform(cls, info, context, participant, reason, item_code=None, points=None):
        row = _inspected(context, participant)
        deduction = deduction_add(
            participant=row,
            reason=reason,
            points=points,
            item_code=item_code,
            actor=context.actor,
            at=timezone.now(),
        )
        return {"deduction": deduction}


class AssessmentVetoRecord(BaseMutation):
    """A 一票否决 finding with its reason: the participant gets no grade this round."""

    class Arguments:
        participant = graphene.ID(required=True)
        reason = graphene.String(required=True)
        veto_item_code = graphene.String(description="The veto item it concerns.")

    veto = graphene.Field(AssessmentVeto)

    @classmethod
    def perform(cls, info, context, participant, reason, veto_item_code=None):
        row = _inspected(context, participant)
        veto = veto_record(
            participant=row, reason=reason, item_code=veto_item_code, actor=context.actor, at=timezone.now()
        )
        return {"veto": veto}


# --- Funding -------------------------------------------------------------------------------------------------------


class GradeAmountInput(graphene.InputObjectType):
    grade = GradeCodeEnum(required=True)
    amount_fen = graphene.Int(required=True)


class AssessmentFundingPoolInput(graphene.InputObjectType):
    amount_fen = graphene.Float(required=True, description="The pool in fen (分), a whole number.")
    formula = FundingFormulaEnum(required=True)
    per_grade = graphene.List(
        graphene.NonNull(GradeAmountInput), description="per_grade: the amount (weight) per grade in fen."
    )
    threshold = graphene.Decimal(description="proportional: only points above this count.")


class AssessmentFundingPoolSet(BaseMutation):
    """Set the round's subsidy pool and formula (until allocated)."""

    class Arguments:
        round = graphene.ID(required=True)
        input = AssessmentFundingPoolInput(required=True)

    funding_pool = graphene.Field(AssessmentFundingPool)

    @classmethod
    def perform(cls, info, context, round, input):
        rnd = _managed_round(context, round)
        amount = input["amount_fen"]
        if amount != int(amount):
            raise DomainValidationError.single("amount_fen", "invalid", _("资金总额须为整数（单位：分）。"))
        formula = _value(input["formula"])
        if formula == "per_grade":
            params = {}
            for entry in input.get("per_grade") or ():
                params[_value(entry["grade"])] = entry["amount_fen"]
        else:
            params = {"threshold": input.get("threshold")}
        pool = funding_pool_set(
            round=rnd, amount_fen=int(amount), formula=formula, params=params, actor=context.actor
        )
        return {"funding_pool": pool}


class AssessmentFundingAllocate(BaseMutation):
    """Split the pool over the published results (largest remainder; sums exactly to the pool)."""

    class Arguments:
        round = graphene.ID(required=True)

    funding_pool = graphene.Field(AssessmentFundingPool)

    @classmethod
    def perform(cls, info, context, round):
        rnd = _managed_round(context, round)
        return {"funding_pool": funding_allocate(round=rnd, actor=context.actor, at=timezone.now())}


# --- Titles --------------------------------------------------------------------------------------------------------


class HomeTitleAwardInput(graphene.InputObjectType):
    grade = GradeCodeEnum(required=True)
    awarded_on = graphene.Date(required=True)
    valid_until = graphene.Date(required=True)
    reason = graphene.String()
    branch = graphene.ID(description="A branch's 职工小家; omitted = the union's 职工之家.")
    awarded_by = graphene.ID(description="The awarding node; default the union's parent node.")


class HomeTitleAward(BaseMutation):
    """Enter a title awarded outside a round (e.g. an earlier one); the unit's current title is superseded."""

    class Arguments:
        union = graphene.ID(required=True)
        input = HomeTitleAwardInput(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, union, input):
        from organisation.models import Branch

        target = union_for(context, union, Perm.UNION_VIEW)
        try:
            if input.get("awarded_by") is not None:
                node = node_for(context, input["awarded_by"], Perm.NODE_MANAGE)
            else:
                node = target.parent_node
                _require(context, Perm.NODE_MANAGE, node=node)
        except AccessDenied:
            raise field_not_found("awarded_by") from None
        branch_id = 0
        if input.get("branch") is not None:
            branch_id = ids.decode_tenant_global_id(input["branch"], BRANCH, target.pk)
            with schema_context(target.schema_name):
                if branch_id is None or not Branch.objects.filter(pk=branch_id).exists():
                    raise DomainValidationError.single(
                        "branch", "unknown_branch", _("所选分会不属于该工会。")
                    )
        title = title_award(
            union=target,
            branch_id=branch_id,
            grade=_value(input["grade"]),
            awarded_by=node,
            awarded_on=input["awarded_on"],
            valid_until=input["valid_until"],
            reason=input.get("reason") or "",
            actor=context.actor,
        )
        return {"title": title}


def _managed_title(context, global_id):
    title = title_for(context, global_id)
    _require(context, Perm.NODE_MANAGE, node=title.awarded_by)
    return title


class HomeTitleReview(BaseMutation):
    """Record a passed annual review (年度复核)."""

    class Arguments:
        title = graphene.ID(required=True)
        effective_on = graphene.Date(required=True)
        note = graphene.String()

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, effective_on, note=None):
        row = _managed_title(context, title)
        return {"title": title_review(title=row, on=effective_on, reason=note or "", actor=context.actor)}


class HomeTitleDowngrade(BaseMutation):
    """Lower a title to a lower grade of its scheme (e.g. after a failed review); history kept."""

    class Arguments:
        title = graphene.ID(required=True)
        to_grade = GradeCodeEnum(required=True)
        effective_on = graphene.Date(required=True)
        reason = graphene.String(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, to_grade, effective_on, reason):
        row = _managed_title(context, title)
        new = title_downgrade(
            title=row, to_grade=_value(to_grade), on=effective_on, reason=reason, actor=context.actor
        )
        return {"title": new}


class HomeTitleRevoke(BaseMutation):
    class Arguments:
        title = graphene.ID(required=True)
        effective_on = graphene.Date(required=True)
        reason = graphene.String(required=True)

    title = graphene.Field(HomeTitle)

    @classmethod
    def perform(cls, info, context, title, effective_on, reason):
        row = _managed_title(context, title)
        return {"title": title_revoke(title=row, on=effective_on, reason=reason, actor=context.actor)}


class AssessmentMutations(graphene.ObjectType):
    # Lifecycle order: the audit walk (tests/audit) relies on it (draft before publish, inspection before publish).
    assessment_standard_create = AssessmentStandardCreate.Field()
    assessment_standard_update = AssessmentStandardUpdate.Field()
    assessment_standard_publish = AssessmentStandardPublish.Field()
    assessment_standard_new_version = AssessmentStandardNewVersion.Field()
    assessment_round_open = AssessmentRoundOpen.Field()
    assessment_round_add_units = AssessmentRoundAddUnits.Field()
    assessment_inspection_score_set = AssessmentInspectionScoreSet.Field()
    assessment_deduction_add = AssessmentDeductionAdd.Field()
    assessment_veto_record = AssessmentVetoRecord.Field()
    assessment_round_score = AssessmentRoundScore.Field()
    assessment_round_publish = AssessmentRoundPublish.Field()
    assessment_funding_pool_set = AssessmentFundingPoolSet.Field()
    assessment_funding_allocate = AssessmentFundingAllocate.Field()
    home_title_award = HomeTitleAward.Field()
    home_title_review = HomeTitleReview.Field()
    home_title_downgrade = HomeTitleDowngrade.Field()
    home_title_revoke = HomeTitleRevoke.Field()
