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
from assessment.services.results import round_publish, round_score
from assessment.services.rounds import UnitRef, round_open, round_participants_add
from federations.models import Union, UnionStatus
from unionhub.errors import DomainValidationError

from ..access import (
    BRANCH,
    require,
    round_managed_for,
    standard_for,
)
from ..types import (
    AppraisalVerificationEnum,
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


class AssessmentRoundPublish(BaseMutation):
    """Publish results (recomputed), award titles and update live figures."""

    class Arguments:
        round = graphene.ID(required=True)

    round = graphene.Field(AssessmentRound)

    @classmethod
    def perform(cls, info, context, round):
        rnd = round_managed_for(context, round)
        return {"round": round_publish(round=rnd, actor=context.actor, at=timezone.now())}
