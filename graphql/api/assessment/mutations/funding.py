"""Funding mutations: the round's pool and its allocation."""

from __future__ import annotations

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _

from api.core.mutations import BaseMutation
from api.core.types import enum_value
from assessment.services.funding import funding_allocate, funding_pool_set
from unionhub.errors import DomainValidationError

from ..access import (
    round_managed_for,
)
from ..types import (
    AssessmentFundingPool,
    FundingFormulaEnum,
    GradeCodeEnum,
)

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
        rnd = round_managed_for(context, round)
        amount = input["amount_fen"]
        if amount != int(amount):
            raise DomainValidationError.single("amount_fen", "invalid", _("资金总额须为整数（单位：分）。"))
        formula = enum_value(input["formula"])
        if formula == "per_grade":
            params = {}
            for entry in input.get("per_grade") or ():
                params[enum_value(entry["grade"])] = entry["amount_fen"]
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
        rnd = round_managed_for(context, round)
        return {"funding_pool": funding_allocate(round=rnd, actor=context.actor, at=timezone.now())}
