"""Root query fields for the host union's self-assessments and member appraisal (union hosts only)."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied
from selfassessment import links, selectors
from selfassessment.models import AppraisalSurvey
from unionhub.links import link_qr_svg

from .types import AppraisalLink, AppraisalResults, AppraisalResultsView, SelfAssessment, participant_for


def appraisal_link_for(participant) -> AppraisalLink | None:
    """The link of an opened appraisal (None before it is opened: the link would only show "not started")."""
    if not AppraisalSurvey.objects.filter(participant_id=participant.pk).exists():
        return None
    token = links.appraisal_token(participant=participant)
    url = links.appraisal_url(union=participant.union, token=token)
    return AppraisalLink(
        url=url, token=token, qr_svg=link_qr_svg(url), closes_at=participant.round.appraisal_due
    )


class SelfAssessmentQueries(graphene.ObjectType):
    self_assessments = graphene.List(
        graphene.NonNull(SelfAssessment),
        required=True,
        description="The host union's self-assessments, one per round participant (its 职工之家 and its branches' "
        "职工小家), newest round first; empty on the public host and for branch officers.",
    )
    self_assessment = graphene.Field(
        SelfAssessment,
        participant=graphene.ID(required=True),
        description="One self-assessment of the host union with its items, scores, notes and evidence.",
    )
    appraisal_link = graphene.Field(
        AppraisalLink,
        participant=graphene.ID(required=True),
        description="The member-appraisal link and QR code, for those who manage the union once the appraisal is "
        "opened (appraisalOpen); null otherwise.",
    )
    appraisal_results = graphene.Field(
        AppraisalResults,
        participant=graphene.ID(required=True),
        description="The member appraisal as aggregates (never individual answers).",
    )

    @staticmethod
    def resolve_self_assessments(root, info):
        context = info.context
        if (
            context.union is None
            or not context.union_visible
            or not selectors.can_view(context.actor, context.union)
        ):
            return []
        participants = list(selectors.participations(union=context.union))
        return selectors.self_assessments_view(participants=participants)

    @staticmethod
    def resolve_self_assessment(root, info, participant):
        try:
            found = participant_for(info.context, participant)
        except AccessDenied:
            return None
        return selectors.self_assessments_view(participants=[found])[0]

    @staticmethod
    def resolve_appraisal_link(root, info, participant):
        try:
            found = participant_for(info.context, participant, selectors.can_edit)
        except AccessDenied:
            return None
        return appraisal_link_for(found)

    @staticmethod
    def resolve_appraisal_results(root, info, participant):
        try:
            found = participant_for(info.context, participant)
        except AccessDenied:
            return None
        return AppraisalResultsView(found, selectors.appraisal_aggregate(participant=found))
