"""Writing a union's self-assessment and member appraisal. Callers authorise (selectors.can_edit / can_submit);
these validate everything before writing and run in one transaction in the union's schema, together with the
public copy (assessment.services) and its live facts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.models import RoundParticipant, RoundStatus
from assessment.scores import CENT, as_decimal, item_score_error
from assessment.selectors import round_items
from assessment.services.rounds import (
    participant_appraisal_add,
    participant_appraisal_invited_set,
    participant_self_scores_submit,
)
from files.checks import DOCX, JPEG, PDF, PNG, XLSX, file_check_upload
from files.keys import tenant_file_key
from files.models import StoredFile
from files.services import file_store
from files.storage import file_storage
from membership.models import Member, MemberStatus
from organisation.selectors import branch_subtree_ids
from people.identity import id_hash, parse_identity_number
from unionhub.errors import DomainValidationError, FieldError
from unionhub.ratelimit import public_form_rate_check
from unionhub.tenancy import in_union

from .codes import code_check
from .links import AppraisalLink, appraisal_resolve
from .models import (
    AREAS,
    RATING_MAX,
    RATING_MIN,
    AppraisalBallot,
    AppraisalSurvey,
    AppraisalVoter,
    Evidence,
    Overall,
    SelfAssessment,
    SelfAssessmentStatus,
    SelfScore,
)

EVIDENCE_AREA = "evidence"
EVIDENCE_KINDS = frozenset({PDF, PNG, JPEG, DOCX, XLSX})
EVIDENCE_PER_ITEM_MAX = 20
NOTE_MAX = SelfScore._meta.get_field("note").max_length
NAME_MAX = 50


def _actor_id(actor) -> int | None:
    user = getattr(actor, "user", actor)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.pk


# --- Self-assessment --------------------------------------------------------------------------------------------


def _locked_assessment(participant) -> SelfAssessment:
    """The participant's self-assessment row, created on first write, locked for this transaction."""
    assessment, _created = SelfAssessment.objects.get_or_create(
        participant_id=participant.pk,
        defaults={"round_id": participant.round_id, "branch_id": participant.branch_id},
    )
    return SelfAssessment.objects.select_for_update().get(pk=assessment.pk)


def _check_editable(participant, assessment: SelfAssessment, *, field: str, now: datetime) -> None:
    if assessment.is_submitted or participant.self_submitted_at is not None:
        raise DomainValidationError.single(field, "already_submitted", _("自评已提交，不能再修改。"))
    if participant.round.status != RoundStatus.OPEN:
        raise DomainValidationError.single(
            field, "round_closed", _("该考核批次已评分或已公布，不能再修改自评。")
        )
    if now > participant.round.self_assessment_due:
        due = timezone.localtime(participant.round.self_assessment_due).strftime("%Y-%m-%d %H:%M")
        raise DomainValidationError.single(
            field, "deadline_passed", _("已超过自评截止时间（%(due)s），不能再修改自评。") % {"due": due}
        )


def _items_by_code(participant) -> dict:
    return {item.code: item for item in round_items(round=participant.round)}


@dataclass(frozen=True)
class ScoreInput:
    item_code: str
    score: object = None  # Decimal, int or numeric string; None clears the score
    note: str | None = None  # None leaves the note as it is
    clear_score: bool = False  # with score None: whether to clear (True) or leave the score


def self_scores_save(*, union, participant, items: list[ScoreInput], actor=None, now=None) -> SelfAssessment:
    """Save draft scores and notes for several items, all or nothing. Field errors are "items.<n>.<field>"."""
    now = now or timezone.now()
    with in_union(union), transaction.atomic():
        known = _items_by_code(participant)
        errors: list[FieldError] = []
        clean: list[tuple[str, object, str | None, bool]] = []
        if not items:
            errors.append(FieldError("items", "required", _("请至少填写一个条目的自评。")))
        seen: set[str] = set()
        for index, entry in enumerate(items):
            code = str(entry.item_code or "").strip()
            item = known.get(code)
            if item is None:
                errors.append(
                    FieldError(
                        f"items.{index}.item_code",
                        "unknown_item",
                        _("考核标准中没有条目 %(code)s。") % {"code": code or _("（空）")},
                    )
                )
                continue
            if code in seen:
                errors.append(
                    FieldError(
                        f"items.{index}.item_code",
                        "duplicate",
                        _("条目 %(code)s 重复填写。") % {"code": code},
                    )
                )
                continue
            seen.add(code)
            score = None
            if entry.score is not None:
                error = item_score_error(item, entry.score, f"items.{index}.score")
                if error:
                    errors.append(error)
                    continue
                score = as_decimal(entry.score).quantize(CENT)
            note = None
            if entry.note is not None:
                note = str(entry.note).strip()
                if len(note) > NOTE_MAX:
                    errors.append(
                        FieldError(
                            f"items.{index}.note",
                            "too_long",
                            _("条目 %(code)s 的自评说明不能超过%(max)s个字。")
                            % {"code": code, "max": NOTE_MAX},
                        )
                    )
                    continue
            clean.append((code, score, note, entry.score is not None or entry.clear_score))
        if errors:
            raise DomainValidationError(errors)
        assessment = _locked_assessment(participant)
        _check_editable(participant, assessment, field="items", now=now)
        existing = {row.item_code: row for row in SelfScore.objects.filter(assessment=assessment)}
        actor_id = _actor_id(actor)
        for code, score, note, set_score in clean:
            row = existing.get(code) or SelfScore(assessment=assessment, item_code=code)
            if set_score:
                row.score = score
            if note is not None:
                row.note = note
            row.updated_by_id = actor_id
            row.save()
        assessment.save(update_fields=["updated_at"])
    return assessment


def _content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def evidence_upload(
    *, union, participant, item_code: str, filename: str, content, actor=None, now=None
) -> Evidence:
    """Check an evidence file (real type from the content, size) and store it under a deterministic key
    tenants/<schema>/evidence/<round>/<branch>/<item>/<sha256 prefix>/<name>. The same content for the same item
    is the same evidence (returned, not stored twice). Nothing is stored when the file is refused."""
    now = now or timezone.now()
    with in_union(union), transaction.atomic():
        code = str(item_code or "").strip()
        if code not in _items_by_code(participant):
            raise DomainValidationError.single(
                "item_code",
                "unknown_item",
                _("考核标准中没有条目 %(code)s。") % {"code": code or _("（空）")},
            )
        checked = file_check_upload(
            area=EVIDENCE_AREA, filename=filename, content=content, allowed_kinds=EVIDENCE_KINDS
        )
        assessment = _locked_assessment(participant)
        _check_editable(participant, assessment, field="file", now=now)
        digest = _content_hash(checked.content)
        found = Evidence.objects.filter(assessment=assessment, item_code=code, sha256=digest).first()
        if found is not None:
            return found
        if Evidence.objects.filter(assessment=assessment, item_code=code).count() >= EVIDENCE_PER_ITEM_MAX:
            raise DomainValidationError.single(
                "file",
                "too_many_files",
                _("条目 %(code)s 最多上传%(max)s个佐证材料。") % {"code": code, "max": EVIDENCE_PER_ITEM_MAX},
            )
        key = tenant_file_key(
            union.schema_name,
            EVIDENCE_AREA,
            [participant.round_id, participant.branch_id, code, digest[:16]],
            checked.filename,
        )
        file_store(
            key=key,
            content=checked.content,
            content_type=checked.content_type,
            original_name=checked.filename,
        )
        evidence = Evidence.objects.create(
            assessment=assessment,
            item_code=code,
            file_key=key,
            file_name=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=digest,
            uploaded_by_id=_actor_id(actor),
        )
    return evidence


def evidence_delete(*, union, participant, evidence: Evidence, now=None) -> Evidence:
    """Remove an evidence file from a draft; the stored object goes once the transaction commits."""
    now = now or timezone.now()
    with in_union(union), transaction.atomic():
        assessment = _locked_assessment(participant)
        if evidence.assessment_id != assessment.pk:
            raise DomainValidationError.single("id", "not_found", _("对象不存在或无权访问。"))
        _check_editable(participant, assessment, field="id", now=now)
        key = evidence.file_key
        Evidence.objects.filter(pk=evidence.pk).delete()
        StoredFile.objects.filter(key=key).delete()
        transaction.on_commit(lambda: file_storage().delete(key))
    return evidence


def self_assessment_submit(*, union, participant, actor=None, now=None) -> SelfAssessment:
    """Lock the self-assessment and copy its scores to the public participant row, in one transaction.

    Refused (nothing written) when items required by the standard have no score (assessment.services checks) or
    items needing evidence have none, after the deadline, or when already submitted."""
    now = now or timezone.now()
    with in_union(union), transaction.atomic():
        assessment = _locked_assessment(participant)
        _check_editable(participant, assessment, field="participant", now=now)
        items = _items_by_code(participant)
        with_evidence = set(
            Evidence.objects.filter(assessment=assessment)
            .values("item_code")
            .annotate(n=Count("id"))
            .values_list("item_code", flat=True)
        )
        missing = [
            code for code, item in items.items() if item.evidence_required and code not in with_evidence
        ]
        if missing:
            raise DomainValidationError.single(
                "evidence",
                "evidence_required",
                _("以下条目须上传佐证材料后才能提交：%(codes)s。") % {"codes": "、".join(missing)},
            )
        scores = {
            row.item_code: row.score
            for row in SelfScore.objects.filter(assessment=assessment, score__isnull=False)
            if row.item_code in items
        }
        participant_self_scores_submit(participant=participant, scores=scores, actor=actor, at=now)
        assessment.status = SelfAssessmentStatus.SUBMITTED
        assessment.submitted_at = now
        assessment.submitted_by_id = _actor_id(actor)
        assessment.save(update_fields=["status", "submitted_at", "submitted_by_id", "updated_at"])
    return assessment


# --- Member appraisal (会员评家) -----------------------------------------------------------------------------------


def _check_appraisal_period(participant, *, field: str, now: datetime) -> None:
    if participant.round.status != RoundStatus.OPEN:
        raise DomainValidationError.single(
            field, "round_closed", _("该考核批次已评分或已公布，会员评家已结束。")
        )
    if now > participant.round.appraisal_due:
        raise DomainValidationError.single(field, "expired_token", _("本次会员评家已截止，感谢您的关注。"))


def _active_members(participant):
    members = Member.objects.filter(status=MemberStatus.ACTIVE)
    if participant.branch_id:
        members = members.filter(branch_id__in=sorted(branch_subtree_ids([participant.branch_id])))
    return members


def appraisal_open(*, union, participant, actor=None, now=None) -> AppraisalSurvey:
    """Open the participant's member appraisal: the invited count is the active members now (of the branch and
    the branches below it for a 职工小家), copied to the public row with its live fact."""
    now = now or timezone.now()
    with in_union(union), transaction.atomic():
        _check_appraisal_period(participant, field="participant", now=now)
        if AppraisalSurvey.objects.filter(participant_id=participant.pk).exists():
            raise DomainValidationError.single(
                "participant", "already_open", _("会员评家已开启，无需重复开启。")
            )
        invited = _active_members(participant).count()
        if invited == 0:
            raise DomainValidationError.single(
                "participant", "no_members", _("没有在册的正常会员，无法开启会员评家。")
            )
        try:
            with transaction.atomic():
                survey = AppraisalSurvey.objects.create(
                    participant_id=participant.pk,
                    round_id=participant.round_id,
                    branch_id=participant.branch_id,
                    invited=invited,
                    opened_at=now,
                    opened_by_id=_actor_id(actor),
                )
        except IntegrityError:  # opened concurrently
            raise DomainValidationError.single(
                "participant", "already_open", _("会员评家已开启，无需重复开启。")
            ) from None
        participant_appraisal_invited_set(participant=participant, invited=invited)
    return survey


def appraisal_link_check(*, token, union, client_address: str | None = None, rate_limit: bool = True):
    """Resolve an appraisal link on `union`'s host and its open survey: (link, participant, survey).

    Rate limited like the joining form (settings.UNIONHUB_JOIN_RATE_LIMITS: per address, per link and address,
    per link), with counters of its own; refused links count against the address."""
    try:
        link: AppraisalLink = appraisal_resolve(token, union=union)
    except DomainValidationError:
        if rate_limit:
            public_form_rate_check(link_key=None, client_address=client_address, scope="appraisal")
        raise
    if rate_limit:
        public_form_rate_check(link_key=link.key, client_address=client_address, scope="appraisal")

    participant = (
        RoundParticipant.objects.select_related("round", "union")
        .filter(pk=link.participant_id, union=union)
        .first()
    )
    if participant is None:
        raise DomainValidationError.single(
            "token", "invalid_token", _("会员评家链接无效，请向工会索取新的链接或二维码。")
        )
    with in_union(union):
        survey = AppraisalSurvey.objects.filter(participant_id=participant.pk).first()
    if survey is None:
        raise DomainValidationError.single("token", "not_started", _("本次会员评家尚未开始，请稍后再来。"))
    _check_appraisal_period(participant, field="token", now=timezone.now())
    return link, participant, survey


def _clean_answers(*, name, id_number, overall, ratings: Mapping[str, object]) -> dict:
    errors: list[FieldError] = []
    clean: dict = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors.append(FieldError("name", "required", _("请填写姓名。")))
    elif len(name) > NAME_MAX:
        errors.append(FieldError("name", "too_long", _("姓名不能超过50个字。")))
    clean["name"] = name
    try:
        clean["identity"] = parse_identity_number(id_number)
    except DomainValidationError as exc:
        errors.extend(exc.errors)
    if overall not in Overall.values:
        errors.append(FieldError("overall", "required", _("请选择对本工会“职工之家”建设的总体评价。")))
    clean["overall"] = overall
    for area, label in AREAS.items():
        value = ratings.get(area)
        try:
            number = int(value) if value not in (None, "") and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not RATING_MIN <= number <= RATING_MAX:
            errors.append(
                FieldError(
                    area,
                    "invalid_rating",
                    _("请为“%(area)s”打分（%(min)s至%(max)s分）。")
                    % {"area": label, "min": RATING_MIN, "max": RATING_MAX},
                )
            )
        clean[area] = number
    if errors:
        raise DomainValidationError(errors)
    return clean


def _already_responded() -> DomainValidationError:
    return DomainValidationError.single(
        "id_number", "already_responded", _("您已参加过本次会员评家，每位会员只能评价一次。")
    )


def _respondent(participant, survey, *, name: str, identity):
    """(member, person hash) of the active member of the participant's unit with this name and identity number
    who has not responded yet; one answer for "no such member", "wrong name" and "other branch"."""
    from membership.models import Member, MemberStatus

    person = id_hash(identity.number)
    member = Member.objects.filter(id_hash=person, status=MemberStatus.ACTIVE).first()
    in_unit = member is not None and (
        not participant.branch_id or _active_members(participant).filter(pk=member.pk).exists()
    )
    if not in_unit or " ".join(member.name.split()) != name:
        raise DomainValidationError.single(
            "id_number",
            "not_member",
            _("未找到与您填写的姓名和身份证号码相符的在册会员，请核对后重试。"),
        )
    if AppraisalVoter.objects.filter(survey=survey, person_hash=person).exists():
        raise _already_responded()
    return member, person


def _by_sms(participant) -> bool:
    from assessment.models import AppraisalVerification

    return participant.round.appraisal_verification == AppraisalVerification.SMS


def appraisal_code_send(
    *, token: str, union, name: str, id_number: str, client_address: str | None = None
) -> str:
    """Text a one-time code to the phone on record of the member with this name and identity number (rounds
    verifying by SMS, see codes.py). Returns the phone number masked, for the page to say where it went."""
    from people.identity import parse_identity_number

    from .codes import code_send

    _link, participant, survey = appraisal_link_check(token=token, union=union, client_address=client_address)
    if not _by_sms(participant):
        raise DomainValidationError.single("code", "not_needed", _("本次会员评家无需短信验证码。"))
    with in_union(union), transaction.atomic():
        name = " ".join(str(name or "").split())
        if not name:
            raise DomainValidationError.single("name", "required", _("请填写姓名。"))
        member, person = _respondent(
            participant, survey, name=name, identity=parse_identity_number(id_number)
        )
        return code_send(survey=survey, person_hash=person, phone=member.phone, union_name=union.name)


def appraisal_submit(
    *,
    token: str,
    union,
    name: str,
    id_number: str,
    overall: str,
    ratings: Mapping[str, object],
    client_address: str | None = None,
    code: str = "",
) -> AppraisalSurvey:
    """One member's appraisal through the signed link (public: no account). The respondent must be an active
    member of the union (of the branch or below it for a 职工小家) whose name and identity number match and, when
    the round verifies by SMS, type the code sent to the member's phone (`appraisal_code_send`); one response per
    member per survey. Writes a voter row and an unlinked ballot, and counts the response on the public row and its
    live facts, all in one transaction."""
    _link, participant, survey = appraisal_link_check(token=token, union=union, client_address=client_address)
    with in_union(union), transaction.atomic():
        clean = _clean_answers(name=name, id_number=id_number, overall=overall, ratings=ratings)
        _member, person = _respondent(participant, survey, name=clean["name"], identity=clean["identity"])
        if _by_sms(participant):
            code_check(survey=survey, person_hash=person, code=code)
        try:
            with transaction.atomic():
                AppraisalVoter.objects.create(survey=survey, person_hash=person, responded_at=timezone.now())
        except IntegrityError:  # a concurrent response of the same member won
            raise _already_responded() from None
        AppraisalBallot.objects.create(
            survey=survey, overall=clean["overall"], **{area: clean[area] for area in AREAS}
        )
        participant_appraisal_add(
            participant=participant, satisfied=clean["overall"] in (Overall.SATISFIED, Overall.BASIC)
        )
    return survey
