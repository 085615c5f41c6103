"""Self-assessment objects for the schema walks (tests/audit/test_mutation_audit.py and
tests/isolation/test_isolation.py)."""

from __future__ import annotations

from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from tests.support.selfassessment import PDF_BYTES, PNG_BYTES, add_participant, make_round


def _evidence(union, participant, name, content):
    from selfassessment.services import evidence_upload

    return evidence_upload(
        union=union, participant=participant, item_code="A1", filename=name, content=content
    )


def selfassessment_audit_objects(union, *, county) -> tuple[list[str], dict]:
    """For the audit walk on `union`'s host: (global ids, value hints for this walk only).

    - the union's 职工之家 in an open round, scored except for what the walk's selfAssessmentSave sets, with two
      evidence files on A1 (the walk's delete takes the first, so selfAssessmentSubmit still finds evidence);
      appraisalOpen opens its appraisal;
    - a branch's 职工小家 whose appraisal is already open, with a member: appraisalSubmit answers it through the
      "appraisalToken", "respondentName" and "respondentIdNumber" hints (not IDs, so hinted for the audit run only).
      The round verifies respondents by SMS: a code was texted to the member before the walk (the "smsCode" hint).
    """
    from django.test import override_settings

    from api.core.ids import to_tenant_global_id
    from membership.services import member_create
    from organisation.models import Branch
    from selfassessment.links import appraisal_token
    from selfassessment.services import ScoreInput, appraisal_open, self_scores_save
    from tests.support.members import make_id, member_kwargs

    round_ = make_round(county, name="审计职工之家考核", appraisal_verification="sms")
    home = add_participant(round_, union)
    with schema_context(union.schema_name):
        branch = Branch.objects.create(name="审计评家分会")
    small_home = add_participant(round_, union, branch)
    self_scores_save(
        union=union,
        participant=home,
        items=[ScoreInput("A1", "4"), ScoreInput("A2", "3"), ScoreInput("B1", "5")],
    )
    first = _evidence(union, home, "审计佐证一.pdf", PDF_BYTES)
    second = _evidence(union, home, "审计佐证二.png", PNG_BYTES)
    # Not offered to the walk, whose selfAssessmentEvidenceDelete removes every listed file: submit needs one left.
    _evidence(union, home, "审计佐证三.pdf", PDF_BYTES + b"%kept")
    number = make_id()
    member_create(union=union, **member_kwargs(name="审计评家会员", id_number=number, branch=branch.pk))
    appraisal_open(union=union, participant=small_home)
    from datetime import timedelta

    from django.utils import timezone

    from people.identity import id_hash
    from selfassessment.codes import code_send
    from selfassessment.models import AppraisalSurvey
    from unionhub.sms import LocmemSmsBackend

    # Dated 20 minutes ahead, so however long the walk takes to reach appraisalCodeSend, that call finds a code
    # "just sent", sends none, and the hinted code stays valid for appraisalSubmit.
    with (
        schema_context(union.schema_name),
        override_settings(UNIONHUB_SMS_BACKEND="unionhub.sms.LocmemSmsBackend"),
    ):
        code_send(
            survey=AppraisalSurvey.objects.get(participant_id=small_home.pk),
            person_hash=id_hash(number),
            phone=member_kwargs()["phone"],
            union_name=union.name,
            now=timezone.now() + timedelta(minutes=20),
        )
    code = sms_code(LocmemSmsBackend.outbox[-1].text)
    ids = [
        to_global_id("RoundParticipant", home.pk),
        to_global_id("RoundParticipant", small_home.pk),
        to_tenant_global_id("SelfAssessmentEvidence", union.pk, first.pk),
        to_tenant_global_id("SelfAssessmentEvidence", union.pk, second.pk),
    ]
    hints = {
        "appraisalToken": lambda: appraisal_token(participant=small_home),
        "respondentName": lambda: "审计评家会员",
        "respondentIdNumber": lambda: number,
        "smsCode": lambda: code,
    }
    return ids, hints


def sms_code(text: str) -> str:
    """The six-digit code of an appraisal text message."""
    import re

    return re.search(r"验证码为(\d{6})", text).group(1)


def selfassessment_victim_objects(*, union, county) -> tuple[list[str], list[str]]:
    """For the isolation walk: the victim's self-assessment with a note and evidence, and an open appraisal with
    one response. Returns (global ids, strings only the victim's side may see)."""
    from api.core.ids import to_tenant_global_id
    from membership.services import member_create
    from selfassessment.links import appraisal_token
    from selfassessment.services import ScoreInput, appraisal_open, appraisal_submit, self_scores_save
    from tests.support.members import make_id, member_kwargs

    round_ = make_round(county, name="受害县职工之家考核")
    home = add_participant(round_, union)
    note = "受害者自评说明：建家领导小组"
    self_scores_save(union=union, participant=home, items=[ScoreInput("A1", "4", note)])
    evidence = _evidence(union, home, "受害者佐证材料.pdf", PDF_BYTES)
    number = make_id()
    member_create(union=union, **member_kwargs(name="受害者评家会员", id_number=number))
    appraisal_open(union=union, participant=home)
    with schema_context(union.schema_name):
        appraisal_submit(
            token=appraisal_token(participant=home),
            union=union,
            name="受害者评家会员",
            id_number=number,
            overall="satisfied",
            ratings={"organisation": 5, "rights": 5, "democracy": 5, "services": 5, "activities": 5},
        )
    ids = [
        to_global_id("RoundParticipant", home.pk),
        to_tenant_global_id("SelfAssessmentEvidence", union.pk, evidence.pk),
    ]
    return ids, [note, evidence.file_name, evidence.file_key, round_.name]
