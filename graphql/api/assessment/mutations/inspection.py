"""Inspection mutations (验收): item scores, deductions, veto findings."""

from __future__ import annotations

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _

from api.core.mutations import BaseMutation
from assessment.services.inspection import (
    deduction_add,
    inspection_scores_set,
    participant_staff_count_verify,
    veto_record,
)
from unionhub.errors import DomainValidationError

from ..access import (
    participant_inspected_for,
)
from ..types import (
    AssessmentDeduction,
    AssessmentVeto,
)
from ..types import (
    RoundParticipant as RoundParticipantType,
)

# --- Inspection ----------------------------------------------------------------------------------------------------


class AssessmentScoreInput(graphene.InputObjectType):
    item_code = graphene.String(required=True)
    score = graphene.Decimal(required=True)
    note = graphene.String()


class AssessmentInspectionScoreSet(BaseMutation):
    """Record acceptance scores (验收) for items of a participant; all or nothing, until the inspection deadline."""

    class Arguments:
        participant = graphene.ID(required=True)
        scores = graphene.List(graphene.NonNull(AssessmentScoreInput), required=True)
        accept_self = graphene.List(
            graphene.NonNull(graphene.String),
            description="Item codes whose self score the inspector accepts as the acceptance score (认可自评分).",
        )

    participant = graphene.Field(RoundParticipantType)

    @classmethod
    def perform(cls, info, context, participant, scores, accept_self=None):
        row = participant_inspected_for(context, participant)
        codes = [score["item_code"] for score in scores]
        if len(set(codes)) != len(codes):
            raise DomainValidationError.single("scores", "duplicate", _("同一条目只能填写一次。"))
        inspection_scores_set(
            participant=row,
            scores={score["item_code"]: score["score"] for score in scores},
            notes={score["item_code"]: score.get("note") or "" for score in scores},
            accept_self=list(accept_self or ()),
            actor=context.actor,
            at=timezone.now(),
        )
        return {"participant": row}


class AssessmentStaffCountVerify(BaseMutation):
    """The inspecting federation verifies (or corrects) the staff count the round uses for 入会率."""

    class Arguments:
        participant = graphene.ID(required=True)
        staff_count = graphene.Int(
            description="The verified figure; omitted = the recorded one is confirmed."
        )
        note = graphene.String()

    participant = graphene.Field(RoundParticipantType)

    @classmethod
    def perform(cls, info, context, participant, staff_count=None, note=None):
        row = participant_inspected_for(context, participant)
        verified = participant_staff_count_verify(
            participant=row, value=staff_count, note=note or "", actor=context.actor, at=timezone.now()
        )
        return {"participant": verified}


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
        row = participant_inspected_for(context, participant)
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
        row = participant_inspected_for(context, participant)
        veto = veto_record(
            participant=row, reason=reason, item_code=veto_item_code, actor=context.actor, at=timezone.now()
        )
        return {"veto": veto}
