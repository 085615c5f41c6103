"""Assessment round mutations: open, add units, score, publish."""

from __future__ import annotations

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import AccessDenied, Perm
from api.core import ids
from api.core.access import node_for, union_for
from api.core.errors import field_not_found
from api.core.mutations import BaseMutation
from assessment.models import AppraisalVerification, RoundParticipant
from assessment.services.results import (
    objection_record,
    objection_resolve,
    round_notice_open,
    round_publish,
    round_score,
)
from assessment.services.rounds import UnitRef, round_open, round_participants_add
from federations.models import Union, UnionStatus
from unionhub.errors import DomainValidationError

from ..access import (
    BRANCH,
    ROUND,
    objection_managed_for,
    participant_for,
    require,
    round_managed_for,
    standard_for,
)
from ..types import (
    AppraisalVerificationEnum,
    AssessmentObjection,
    AssessmentRound,
)

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
    reference_date = graphene.Date(
        description="Figures (staff count) are taken as of this date; default today or the inspection deadline."
    )
    appraisal_verification = AppraisalVerificationEnum(
        description="How member-appraisal respondents prove to be the member; default SMS (a one-time code to "
        "the member's phone: the union's officers know names and identity numbers)."
    )
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
                require(context, Perm.NODE_MANAGE, node=organiser)
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
            reference_date=input.get("reference_date"),
            units=refs,
            actor=context.actor,
            appraisal_verification=getattr(
                input.get("appraisal_verification"), "value", input.get("appraisal_verification")
            )
            or AppraisalVerification.SMS,
        )
        return {"round": rnd}


class AssessmentRoundAddUnits(BaseMutation):
    """Add participants while the round is open; omitted units = every eligible union not yet taking part."""

    class Arguments:
        round = graphene.ID(required=True)
        units = graphene.List(graphene.NonNull(AssessmentUnitInput))

    round = graphene.Field(AssessmentRound)
    added = graphene.Int()

    @classmethod
    def perform(cls, info, context, round, units=None):
        rnd = round_managed_for(context, round)
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
        rnd = round_managed_for(context, round)
        return {"round": round_score(round=rnd, actor=context.actor, at=timezone.now())}


class AssessmentRoundNoticeOpen(BaseMutation):
    """Post the results for 公示 (every item inspected or its self score accepted, staff counts verified)."""

    class Arguments:
        round = graphene.ID(required=True)
        starts_on = graphene.Date(required=True)
        ends_on = graphene.Date(required=True)

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, round, starts_on, ends_on):
        rnd = round_managed_for(context, round)
        return {
            "round": round_notice_open(
                round=rnd, starts_on=starts_on, ends_on=ends_on, actor=context.actor, at=timezone.now()
            )
        }


class AssessmentObjectionRecord(BaseMutation):
    """Record an objection received during the 公示."""

    class Arguments:
        participant = graphene.ID(required=True)
        content = graphene.String(required=True)
        received_on = graphene.Date(required=True)

    objection = graphene.Field(AssessmentObjection)

    @classmethod
    def perform(cls, info, context, participant, content, received_on):
        row = participant_for(context, participant)
        round_managed_for(context, ids.to_global_id(ROUND, row.round_id))
        objection = objection_record(
            participant=row, content=content, received_on=received_on, actor=context.actor
        )
        return {"objection": objection}


class AssessmentObjectionResolve(BaseMutation):
    """Record how an objection was resolved; the round publishes once every objection is resolved."""

    class Arguments:
        objection = graphene.ID(required=True)
        resolution = graphene.String(required=True)

    objection = graphene.Field(AssessmentObjection)

    @classmethod
    def perform(cls, info, context, objection, resolution):
        row = objection_managed_for(context, objection)
        return {
            "objection": objection_resolve(
                objection=row, resolution=resolution, actor=context.actor, at=timezone.now()
            )
        }


class AssessmentRoundPublish(BaseMutation):
    """Publish the results after the 公示 (no open objections): award titles under the decision number."""

    class Arguments:
        round = graphene.ID(required=True)
        decision_number = graphene.String(required=True, description="命名文号, e.g. 某工发〔2026〕8号.")

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, round, decision_number):
        rnd = round_managed_for(context, round)
        return {
            "round": round_publish(
                round=rnd, decision_number=decision_number, actor=context.actor, at=timezone.now()
            )
        }
