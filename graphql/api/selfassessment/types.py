"""GraphQL types for a union's self-assessment (职工之家自评), its evidence, and the member appraisal (会员评家)."""

from __future__ import annotations

import graphene

from accounts.access import AccessDenied
from api.core import ids
from api.core.types import TenantModelNode, enum_from_choices
from files.selectors import file_download_url
from selfassessment import selectors
from selfassessment.models import AREAS, Evidence, Overall, SelfAssessmentStatus

# Global-id type names. Round participants are public rows (assessment.RoundParticipant), so a plain id.
PARTICIPANT = "RoundParticipant"
EVIDENCE = "SelfAssessmentEvidence"
BRANCH = "Branch"
DOWNLOAD_SECONDS = 300

SelfAssessmentStatusEnum = enum_from_choices(SelfAssessmentStatus, "Where a self-assessment stands.")
AppraisalOverallEnum = enum_from_choices(Overall, "A member's overall rating of the union's 职工之家.")


def participant_for(context, global_id, check=selectors.can_view):
    """A round participant of the host's union behind `global_id` if `check(actor, union)` allows; AccessDenied
    otherwise (public host, another union's participant, malformed id)."""
    union = context.union
    pk = ids.decode_global_id(global_id, PARTICIPANT)
    if pk is None or union is None or not context.union_visible or not check(context.actor, union):
        raise AccessDenied
    participant = selectors.participant_get(union=union, participant_id=pk)
    if participant is None:
        raise AccessDenied
    return participant


def evidence_for(context, global_id, check=selectors.can_view) -> Evidence:
    union = context.union
    pk = ids.decode_tenant_global_id(global_id, EVIDENCE, union.pk if union is not None else None)
    if pk is None or union is None or not context.union_visible or not check(context.actor, union):
        raise AccessDenied
    evidence = selectors.evidence_get(evidence_id=pk)
    if evidence is None:
        raise AccessDenied
    return evidence


def _absolute(info, url: str) -> str:
    # Local storage gives a signed path on this host; S3 gives an absolute presigned URL.
    return info.context.request.build_absolute_uri(url) if url.startswith("/") else url


class AssessmentEvidence(TenantModelNode):
    """An evidence file (佐证材料) of one item."""

    class Meta:
        name = EVIDENCE
        model = Evidence
        fetch = evidence_for

    item_code = graphene.String(required=True)
    file_name = graphene.String(required=True)
    content_type = graphene.String(required=True)
    size = graphene.Int(required=True, description="Bytes.")
    uploaded_at = graphene.DateTime(required=True)
    download_url = graphene.String(required=True, description=f"Valid for {DOWNLOAD_SECONDS} seconds.")

    @staticmethod
    def resolve_uploaded_at(root, info):
        return root.created_at

    @staticmethod
    def resolve_download_url(root, info):
        url = file_download_url(
            key=root.file_key, user=info.context.user, expires=DOWNLOAD_SECONDS, download_name=root.file_name
        )
        return _absolute(info, url)


class SelfAssessmentItem(graphene.ObjectType):
    """One item of the standard with the union's self score, note and evidence."""

    code = graphene.String(required=True)
    section = graphene.String(required=True)
    text = graphene.String(required=True)
    max_points = graphene.Decimal(required=True)
    method = graphene.String(required=True, description="full_or_zero, graded or prerequisite.")
    method_label = graphene.String(required=True)
    step = graphene.Decimal(description="Graded items: scores are multiples of this.")
    evidence_required = graphene.Boolean(required=True)
    mandatory = graphene.Boolean(required=True)
    veto = graphene.Boolean(required=True)
    bonus = graphene.Boolean(required=True)
    score = graphene.Decimal(description="The self score; null while not filled in.")
    note = graphene.String(required=True)
    evidence = graphene.List(graphene.NonNull(AssessmentEvidence), required=True)

    @staticmethod
    def resolve_code(root, info):
        return root.item.code

    @staticmethod
    def resolve_section(root, info):
        return root.item.section.title

    @staticmethod
    def resolve_text(root, info):
        return root.item.text

    @staticmethod
    def resolve_max_points(root, info):
        return root.item.max_points

    @staticmethod
    def resolve_method(root, info):
        return root.item.method

    @staticmethod
    def resolve_method_label(root, info):
        return root.item.get_method_display()

    @staticmethod
    def resolve_step(root, info):
        return root.item.step

    @staticmethod
    def resolve_evidence_required(root, info):
        return root.item.evidence_required

    @staticmethod
    def resolve_mandatory(root, info):
        return root.item.mandatory

    @staticmethod
    def resolve_veto(root, info):
        return root.item.veto

    @staticmethod
    def resolve_bonus(root, info):
        return root.item.bonus


class SelfAssessment(graphene.ObjectType):
    """The host union's self-assessment for one round participant: its 职工之家 (no branch) or a branch's 职工小家."""

    participant = graphene.ID(required=True, description="Global id of the round participant.")
    round_name = graphene.String(required=True)
    standard_name = graphene.String(required=True)
    standard_version = graphene.Int(required=True)
    reporting_year = graphene.String(required=True)
    branch_id = graphene.ID(description="Global id of the branch (职工小家); null for the union's 职工之家.")
    branch_name = graphene.String(required=True)
    self_assessment_due = graphene.DateTime(required=True)
    appraisal_due = graphene.DateTime(required=True)
    status = graphene.Field(SelfAssessmentStatusEnum, required=True)
    status_label = graphene.String(required=True)
    submitted_at = graphene.DateTime()
    editable = graphene.Boolean(required=True, description="Draft, round open and before the deadline.")
    self_total = graphene.Decimal(required=True, description="Sum of the self scores filled in.")
    base_max_points = graphene.Decimal(required=True)
    bonus_cap = graphene.Decimal(required=True)
    items = graphene.List(graphene.NonNull(SelfAssessmentItem), required=True)

    @staticmethod
    def resolve_participant(root, info):
        return ids.to_global_id(PARTICIPANT, root.participant.pk)

    @staticmethod
    def resolve_round_name(root, info):
        return root.participant.round.name

    @staticmethod
    def resolve_standard_name(root, info):
        return root.participant.round.standard.name

    @staticmethod
    def resolve_standard_version(root, info):
        return root.participant.round.standard.version

    @staticmethod
    def resolve_reporting_year(root, info):
        return root.participant.round.reporting_year

    @staticmethod
    def resolve_branch_id(root, info):
        branch_id = root.participant.branch_id
        return ids.to_tenant_global_id(BRANCH, root.participant.union_id, branch_id) if branch_id else None

    @staticmethod
    def resolve_branch_name(root, info):
        return root.participant.branch_name

    @staticmethod
    def resolve_self_assessment_due(root, info):
        return root.participant.round.self_assessment_due

    @staticmethod
    def resolve_appraisal_due(root, info):
        return root.participant.round.appraisal_due

    @staticmethod
    def resolve_status(root, info):
        return root.assessment.status if root.assessment else SelfAssessmentStatus.DRAFT

    @staticmethod
    def resolve_status_label(root, info):
        status = root.assessment.status if root.assessment else SelfAssessmentStatus.DRAFT
        return str(SelfAssessmentStatus(status).label)

    @staticmethod
    def resolve_submitted_at(root, info):
        return root.assessment.submitted_at if root.assessment else None

    @staticmethod
    def resolve_self_total(root, info):
        return root.total

    @staticmethod
    def resolve_base_max_points(root, info):
        return root.participant.round.standard.base_max_points

    @staticmethod
    def resolve_bonus_cap(root, info):
        return root.participant.round.standard.bonus_cap


class AppraisalLink(graphene.ObjectType):
    """The signed member-appraisal link of a participant and its QR code."""

    url = graphene.String(required=True, description="https://<union host>/appraisal/<token>/")
    token = graphene.String(required=True)
    qr_svg = graphene.String(required=True, description="The URL as a QR code (SVG markup, print as is).")
    closes_at = graphene.DateTime(required=True, description="The round's appraisal deadline.")


WITHHELD = "; null while the breakdown is withheld (breakdownWithheld)."


class AppraisalAreaAverage(graphene.ObjectType):
    area = graphene.String(required=True)
    label = graphene.String(required=True)
    average = graphene.Decimal(description="Mean rating 1-5 (two decimals)" + WITHHELD)


class AppraisalResults(graphene.ObjectType):
    """The member appraisal as aggregates only: no individual answers are kept with a member or returned. With fewer
    responses than minResponses the breakdown (answer counts, satisfaction, area averages) is withheld from every
    viewer, since it would reveal individual answers; the scoring gate still uses the real counts."""

    participant = graphene.ID(required=True)
    opened = graphene.Boolean(required=True)
    invited = graphene.Int(required=True, description="Active members when the appraisal opened.")
    responses = graphene.Int(required=True)
    min_responses = graphene.Int(required=True, description="Responses needed before the breakdown is shown.")
    breakdown_withheld = graphene.Boolean(required=True, description="Fewer responses than minResponses.")
    withheld_reason = graphene.String(description="Why the breakdown is withheld (Chinese); null when shown.")
    satisfied = graphene.Int(description="满意" + WITHHELD)
    basic = graphene.Int(description="基本满意" + WITHHELD)
    dissatisfied = graphene.Int(description="不满意" + WITHHELD)
    satisfaction_permille = graphene.Int(
        description="(满意 + 基本满意) / responses in per mille; null without responses or while withheld."
    )
    participation_permille = graphene.Int(description="responses / invited in per mille.")
    areas = graphene.List(graphene.NonNull(AppraisalAreaAverage), required=True)

    @staticmethod
    def resolve_withheld_reason(root, info):
        return root.aggregate.withheld_reason or None

    @staticmethod
    def resolve_participant(root, info):
        return ids.to_global_id(PARTICIPANT, root.participant.pk)

    @staticmethod
    def resolve_areas(root, info):
        return [
            AppraisalAreaAverage(area=area, label=str(label), average=root.aggregate.area_averages.get(area))
            for area, label in AREAS.items()
        ]


class AppraisalResultsView:
    """Root of AppraisalResults: a participant and its aggregate."""

    def __init__(self, participant, aggregate):
        self.participant = participant
        self.aggregate = aggregate

    def __getattr__(self, name):
        return getattr(self.aggregate, name)
