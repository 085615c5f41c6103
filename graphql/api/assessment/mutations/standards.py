"""Assessment standard mutations: author, edit, publish, new version."""

from __future__ import annotations

from decimal import Decimal

import graphene
from django.utils import timezone

from accounts.access import AccessDenied, Perm
from api.core.access import node_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from api.core.types import enum_value
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

from ..access import (
    standard_managed_for,
)
from ..types import (
    AssessmentStandard,
    GradeCodeEnum,
    ScoringMethodEnum,
)

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
                        method=enum_value(item["method"]),
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
                code=enum_value(grade["grade"]),
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
        standard = standard_managed_for(context, id)
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
        standard = standard_managed_for(context, id)
        return {"standard": standard_publish(standard=standard, actor=context.actor, at=timezone.now())}


class AssessmentStandardNewVersion(BaseMutation):
    """A new draft version copied from a standard (the way to change a published one)."""

    class Arguments:
        id = graphene.ID(required=True)

    standard = graphene.Field(AssessmentStandard)

    @classmethod
    def perform(cls, info, context, id):
        standard = standard_managed_for(context, id)
        return {"standard": standard_new_version(standard=standard, actor=context.actor)}
