"""Root query fields for 职工之家 assessment."""

from __future__ import annotations

import graphene

from api.core.access import or_none
from api.core.pagination import connection_args, empty_connection, paginate_queryset
from assessment import selectors

from .access import participant_for, round_for, standard_for
from .loaders import ParticipantResultLoader
from .types import (
    AssessmentResultConnection,
    AssessmentRound,
    AssessmentRoundConnection,
    AssessmentStandard,
    AssessmentStandardConnection,
    HomeTitleConnection,
    RoundParticipant,
    RoundParticipantConnection,
    RoundStatusEnum,
    TitleStatusEnum,
)


def _blocked(context) -> bool:
    return context.union is not None and not context.union_visible


class AssessmentQueries(graphene.ObjectType):
    assessment_standards = graphene.Field(
        AssessmentStandardConnection,
        required=True,
        description="Scoring standards issued by the federations the viewer sees or by those above them (public "
        "host only), by issuer, code and version.",
        **connection_args(),
    )
    assessment_standard = graphene.Field(AssessmentStandard, id=graphene.ID(required=True))
    assessment_rounds = graphene.Field(
        AssessmentRoundConnection,
        required=True,
        status=RoundStatusEnum(),
        description="Rounds the viewer sees, newest first: organised by its federations or with a participant it "
        "may inspect; on a union host, the rounds that union takes part in.",
        **connection_args(),
    )
    assessment_round = graphene.Field(AssessmentRound, id=graphene.ID(required=True))
    assessment_participants = graphene.Field(
        RoundParticipantConnection,
        required=True,
        round=graphene.ID(required=True),
        description="Participants of a round the viewer may see (inspectors: their subtree; a union: itself).",
        **connection_args(),
    )
    round_participant = graphene.Field(RoundParticipant, id=graphene.ID(required=True))
    assessment_ranking = graphene.Field(
        AssessmentResultConnection,
        required=True,
        round=graphene.ID(required=True),
        branches=graphene.Boolean(description="True: the 职工小家 (branches) ranking; default the unions'."),
        description="Results of a round in rank order (ties share a rank) with breakdown; the viewer's visible "
        "participants only; on a union host its own published result only.",
        **connection_args(),
    )
    home_titles = graphene.Field(
        HomeTitleConnection,
        required=True,
        status=TitleStatusEnum(),
        description="职工之家 / 职工小家 titles of the unions the viewer sees (on a union host: its own), newest "
        "first, with their history.",
        **connection_args(),
    )

    @staticmethod
    def resolve_assessment_standards(root, info, first=None, after=None):
        context = info.context
        queryset = (
            selectors.standard_list(actor=context.actor, union=context.union)
            .select_related("issuer")
            .order_by("pk")
        )
        return paginate_queryset(
            queryset, AssessmentStandardConnection, keys=("pk",), first=first, after=after
        )

    @staticmethod
    def resolve_assessment_standard(root, info, id):
        return or_none(standard_for, info.context, id)

    @staticmethod
    def resolve_assessment_rounds(root, info, status=None, first=None, after=None):
        context = info.context
        if _blocked(context):
            return empty_connection(AssessmentRoundConnection)
        queryset = selectors.round_list(actor=context.actor, union=context.union).select_related(
            "standard", "organiser"
        )
        if status is not None:
            queryset = queryset.filter(status=getattr(status, "value", status))
        return paginate_queryset(
            queryset.order_by("-pk"),
            AssessmentRoundConnection,
            keys=("pk",),
            first=first,
            after=after,
            descending=True,
        )

    @staticmethod
    def resolve_assessment_round(root, info, id):
        return or_none(round_for, info.context, id)

    @staticmethod
    def resolve_assessment_participants(root, info, round, first=None, after=None):
        context = info.context
        found = or_none(round_for, context, round)
        if found is None:
            return empty_connection(RoundParticipantConnection)
        queryset = (
            selectors.participant_list(actor=context.actor, union=context.union)
            .filter(round=found)
            .select_related("union")
            .order_by("pk")
        )
        connection = paginate_queryset(
            queryset, RoundParticipantConnection, keys=("pk",), first=first, after=after
        )
        context.loader(ParticipantResultLoader).queue(p.pk for p in connection.items)
        return connection

    @staticmethod
    def resolve_round_participant(root, info, id):
        return or_none(participant_for, info.context, id)

    @staticmethod
    def resolve_assessment_ranking(root, info, round, branches=None, first=None, after=None):
        context = info.context
        found = or_none(round_for, context, round)
        if found is None:
            return empty_connection(AssessmentResultConnection)
        queryset = selectors.result_list(actor=context.actor, union=context.union).filter(round=found)
        queryset = (
            queryset.filter(participant__branch_id__gt=0)
            if branches
            else queryset.filter(participant__branch_id=0)
        )
        queryset = queryset.select_related("participant__union").order_by("rank", "participant_id")
        return paginate_queryset(
            queryset, AssessmentResultConnection, keys=("rank", "participant_id"), first=first, after=after
        )

    @staticmethod
    def resolve_home_titles(root, info, status=None, first=None, after=None):
        context = info.context
        if _blocked(context):
            return empty_connection(HomeTitleConnection)
        queryset = selectors.title_list(actor=context.actor, union=context.union).select_related(
            "union", "awarded_by"
        )
        if status is not None:
            queryset = queryset.filter(status=getattr(status, "value", status))
        return paginate_queryset(
            queryset.order_by("-pk"),
            HomeTitleConnection,
            keys=("pk",),
            first=first,
            after=after,
            descending=True,
        )
