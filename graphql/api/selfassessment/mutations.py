"""Mutations for the self-assessment and the member appraisal: thin calls into selfassessment.services."""

from __future__ import annotations

import graphene
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import AccessDenied
from api.core.errors import errors_from_validation, field_not_found
from api.core.mutations import BaseMutation
from api.core.uploads import MULTIPART_FILE_FIELD, decoded_base64
from audit.middleware import client_ip
from audit.services import audit_record
from files.checks import max_upload_bytes
from selfassessment import selectors, services
from selfassessment.links import invalid_link
from selfassessment.models import AREAS
from unionhub.errors import DomainValidationError

from .queries import appraisal_link_for
from .types import (
    AppraisalLink,
    AppraisalOverallEnum,
    AppraisalResults,
    AppraisalResultsView,
    AssessmentEvidence,
    SelfAssessment,
    evidence_for,
    participant_for,
)


def _participant(context, global_id, check):
    try:
        return participant_for(context, global_id, check)
    except AccessDenied:
        raise field_not_found("participant") from None


def _view(participant):
    return selectors.self_assessments_view(participants=[participant])[0]


class _UnionMutation(BaseMutation):
    """Audited against the host union's row named by `_target` (payload objects are views, not model rows)."""

    class Meta:
        abstract = True

    @classmethod
    def after_success(cls, info, arguments: dict, result: dict) -> None:
        target = result.pop("_target")
        audit_record(
            actor=info.context.actor,
            operation=info.field_name,
            object_type=type(target).__name__,
            object_id=target.pk,
            changes=cls.audit_changes(arguments, result),
            union=info.context.union,
        )


class SelfScoreInput(graphene.InputObjectType):
    item_code = graphene.String(required=True, description="The item's code in the standard, e.g. A1.")
    score = graphene.Decimal(description="Self score, 0 to the item's maximum; omitted = unchanged.")
    note = graphene.String(description="Self-assessment note (自评说明); omitted = unchanged.")
    clear_score = graphene.Boolean(description="True with no score: clear the score.")


class SelfAssessmentSave(_UnionMutation):
    """Save draft self scores and notes (union admin or officer), all or nothing; refused after submit or the
    deadline."""

    class Arguments:
        participant = graphene.ID(required=True)
        items = graphene.List(graphene.NonNull(SelfScoreInput), required=True)

    self_assessment = graphene.Field(SelfAssessment)

    @classmethod
    def perform(cls, info, context, participant, items):
        found = _participant(context, participant, selectors.can_edit)
        row = services.self_scores_save(
            union=context.union,
            participant=found,
            items=[
                services.ScoreInput(
                    item_code=entry.get("item_code"),
                    score=entry.get("score"),
                    note=entry.get("note"),
                    clear_score=bool(entry.get("clear_score")),
                )
                for entry in items
            ],
            actor=context.actor,
        )
        return {"self_assessment": _view(found), "_target": row}


class SelfAssessmentEvidenceUpload(_UnionMutation):
    """Upload an evidence file (PDF, JPEG, PNG, Word .docx or Excel .xlsx; type read from the content) for one
    item, as base64 (`evidenceBase64`) or as multipart part `file`."""

    class Arguments:
        participant = graphene.ID(required=True)
        item_code = graphene.String(required=True)
        evidence_name = graphene.String(required=True, description='Original file name, e.g. "会议记录.pdf".')
        evidence_base64 = graphene.String(description="The file, base64-encoded; omit it for multipart.")

    evidence = graphene.Field(AssessmentEvidence)

    audit_sensitive_fields = BaseMutation.audit_sensitive_fields | {"evidence_base64"}

    @classmethod
    def perform(cls, info, context, participant, item_code, evidence_name, evidence_base64=None):
        found = _participant(context, participant, selectors.can_edit)
        if evidence_base64 is not None:
            content = decoded_base64(
                evidence_base64, max_upload_bytes(services.EVIDENCE_AREA), field="evidence_base64"
            )
        else:
            content = context.request.FILES.get(MULTIPART_FILE_FIELD)
            if content is None:
                raise DomainValidationError.single(
                    "evidence_base64", "required", _("请选择要上传的佐证材料。")
                )
        evidence = services.evidence_upload(
            union=context.union,
            participant=found,
            item_code=item_code,
            filename=evidence_name,
            content=content,
            actor=context.actor,
        )
        return {"evidence": evidence, "_target": evidence}


class SelfAssessmentEvidenceDelete(_UnionMutation):
    """Remove an evidence file from a draft self-assessment."""

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID()

    @classmethod
    def perform(cls, info, context, id):
        try:
            evidence = evidence_for(context, id, selectors.can_edit)
        except AccessDenied:
            raise field_not_found("id") from None
        participant = selectors.participant_get(
            union=context.union, participant_id=evidence.assessment.participant_id
        )
        if participant is None:
            raise field_not_found("id")
        services.evidence_delete(union=context.union, participant=participant, evidence=evidence)
        return {"deleted_id": id, "_target": evidence}


class SelfAssessmentSubmit(_UnionMutation):
    """Submit the self-assessment (union admin): locks it and reports the scores to the federation."""

    class Arguments:
        participant = graphene.ID(required=True)

    self_assessment = graphene.Field(SelfAssessment)

    @classmethod
    def perform(cls, info, context, participant):
        found = _participant(context, participant, selectors.can_submit)
        row = services.self_assessment_submit(union=context.union, participant=found, actor=context.actor)
        found.refresh_from_db(fields=["self_submitted_at", "self_scores", "self_submitted_by_id"])
        return {"self_assessment": _view(found), "_target": row}


class AppraisalOpen(_UnionMutation):
    """Open the member appraisal (会员评家) of a participant: fixes the invited count (active members now) and
    returns the link and QR code to hand out."""

    class Arguments:
        participant = graphene.ID(required=True)

    appraisal_link = graphene.Field(AppraisalLink)
    appraisal_results = graphene.Field(AppraisalResults)

    @classmethod
    def perform(cls, info, context, participant):
        found = _participant(context, participant, selectors.can_edit)
        survey = services.appraisal_open(union=context.union, participant=found, actor=context.actor)
        return {
            "appraisal_link": appraisal_link_for(found),
            "appraisal_results": AppraisalResultsView(
                found, selectors.appraisal_aggregate(participant=found)
            ),
            "_target": survey,
        }


class AppraisalInput(graphene.InputObjectType):
    respondent_name = graphene.String(required=True, description="The member's name as registered.")
    respondent_id_number = graphene.String(required=True, description="The member's identity number.")
    overall = AppraisalOverallEnum(required=True)
    rating_organisation = graphene.Int(required=True, description=f"1-5: {AREAS['organisation']}")
    rating_rights = graphene.Int(required=True, description=f"1-5: {AREAS['rights']}")
    rating_democracy = graphene.Int(required=True, description=f"1-5: {AREAS['democracy']}")
    rating_services = graphene.Int(required=True, description=f"1-5: {AREAS['services']}")
    rating_activities = graphene.Int(required=True, description=f"1-5: {AREAS['activities']}")
    sms_code = graphene.String(
        description="The one-time code texted to the member's phone (rounds verifying by SMS; appraisalCodeSend)."
    )


class AppraisalSubmit(BaseMutation):
    """A member's appraisal through the signed link (public, no login; rate-limited like joinByLink). The same
    service serves the /appraisal/<token>/ page. The audit entry records that a response arrived, never who gave
    it or what it said."""

    class Arguments:
        appraisal_token = graphene.String(required=True)
        input = AppraisalInput(required=True)

    ok = graphene.Boolean(required=True)

    login_required = False
    error_field_names = {
        "id_number": "respondentIdNumber",
        "name": "respondentName",
        "token": "appraisalToken",
        "code": "smsCode",
        **{area: f"rating{area.capitalize()}" for area in AREAS},
    }

    @classmethod
    def mutate(cls, root, info, **arguments):
        # Public on the union's host: the signed token is the authority (see JoinByLink).
        try:
            with transaction.atomic():
                result = cls.perform(info, info.context, **arguments)
                cls.after_success(info, arguments, result)
        except DomainValidationError as exc:
            return cls(errors=errors_from_validation(exc, cls.error_field_names), ok=False)
        return cls(errors=[], ok=True)

    @classmethod
    def perform(cls, info, context, appraisal_token, input):
        if context.union is None:
            raise invalid_link()
        overall = input["overall"]
        survey = services.appraisal_submit(
            token=appraisal_token,
            union=context.union,
            name=input["respondent_name"],
            id_number=input["respondent_id_number"],
            overall=getattr(overall, "value", overall),
            ratings={area: input.get(f"rating_{area}") for area in AREAS},
            client_address=client_ip(context.request),
            code=input.get("sms_code") or "",
        )
        return {"survey": survey}

    @classmethod
    def after_success(cls, info, arguments: dict, result: dict) -> None:
        survey = result.pop("survey")
        audit_record(
            actor=info.context.actor,
            operation=info.field_name,
            object_type=type(survey).__name__,
            object_id=survey.pk,
            changes={},  # answers and identity stay out of the log
            union=info.context.union,
        )


class AppraisalCodeSend(BaseMutation):
    """Text a one-time code to the phone on record of the member with this name and identity number, for an
    appraisal round that verifies respondents by SMS (public, no login; rate-limited like appraisalSubmit). The
    audit entry records that a code was sent, never to whom."""

    class Arguments:
        appraisal_token = graphene.String(required=True)
        respondent_name = graphene.String(required=True)
        respondent_id_number = graphene.String(required=True)

    ok = graphene.Boolean(required=True)
    phone_masked = graphene.String(description="Where the code went, masked (139****5678).")

    login_required = False
    error_field_names = AppraisalSubmit.error_field_names

    @classmethod
    def mutate(cls, root, info, **arguments):
        # Public on the union's host: the signed token is the authority (see JoinByLink).
        try:
            with transaction.atomic():
                result = cls.perform(info, info.context, **arguments)
                cls.after_success(info, arguments, result)
        except DomainValidationError as exc:
            return cls(errors=errors_from_validation(exc, cls.error_field_names), ok=False)
        return cls(errors=[], ok=True, phone_masked=result["phone_masked"])

    @classmethod
    def perform(cls, info, context, appraisal_token, respondent_name, respondent_id_number):
        if context.union is None:
            raise invalid_link()
        phone_masked = services.appraisal_code_send(
            token=appraisal_token,
            union=context.union,
            name=respondent_name,
            id_number=respondent_id_number,
            client_address=client_ip(context.request),
        )
        return {"phone_masked": phone_masked}

    @classmethod
    def after_success(cls, info, arguments: dict, result: dict) -> None:
        audit_record(
            actor=info.context.actor, operation=info.field_name, changes={}, union=info.context.union
        )


class SelfAssessmentMutations(graphene.ObjectType):
    self_assessment_save = SelfAssessmentSave.Field()
    self_assessment_evidence_upload = SelfAssessmentEvidenceUpload.Field()
    self_assessment_evidence_delete = SelfAssessmentEvidenceDelete.Field()
    self_assessment_submit = SelfAssessmentSubmit.Field()
    # Open before submit: the audit walk relies on this order.
    appraisal_open = AppraisalOpen.Field()
    appraisal_code_send = AppraisalCodeSend.Field()
    appraisal_submit = AppraisalSubmit.Field()


__all__ = ["SelfAssessmentMutations"]
