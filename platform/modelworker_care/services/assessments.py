"""Joint annual assessments (年度考核) and the revocation a failed one proposes."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    ModelWorker,
    Revocation,
    RevocationGround,
    RevocationSource,
    RevocationStatus,
    WorkerStatus,
)

from .. import due
from ..models import (
    AnnualAssessment,
    AssessmentResult,
    AssessmentSide,
    AssessmentStatus,
)
from .common import _clean_text, _error, _locked_worker, _term_range_text

# --- annual assessment -------------------------------------------------------------------------------------------


def assessment_sign(
    *,
    worker: ModelWorker,
    year: int,
    side: str,
    result: str,
    notes: str = "",
    actor=None,
    on_behalf: bool = False,
    signatory: str = "",
) -> AnnualAssessment:
    """One side's sign-off of the year's assessment (年度考核), with its conclusion and notes.

    The federation signs for itself; the employer side is signed by the employing union's admin, or by the
    federation on its behalf (`on_behalf`, naming the employer's `signatory`; the only way for an employer outside
    the system). A side may amend its sign-off until the other side has signed. The second sign-off files the
    assessment when both conclusions agree (they must), and a failed assessment opens a revocation proposal
    (modelworkers.services.revocation_propose; an already open proposal is linked instead). Filed assessments are
    immutable. One assessment per worker and calendar year; the year must overlap the continuation term.
    """
    if side not in AssessmentSide.values:
        raise _error("side", "invalid_choice", _("请选择签署方。"))
    if result not in AssessmentResult.values:
        raise _error("result", "invalid_choice", _("请选择考核结论（合格或不合格）。"))
    if isinstance(year, bool) or not isinstance(year, int):
        raise _error("year", "required", _("请填写考核年度。"))
    notes = _clean_text(notes, "notes", _("考核意见"))
    signatory = _clean_text(signatory, "signatory", _("单位签字人"), 100)
    if on_behalf and side != AssessmentSide.EMPLOYER:
        raise _error("side", "on_behalf_employer_only", _("只能代所在单位签署。"))
    if on_behalf and not signatory:
        raise _error("signatory", "required", _("代所在单位签署时，请填写单位签字人。"))
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        worker = _locked_worker(worker)
        if worker.status != WorkerStatus.MANAGED:
            raise _error(
                "worker",
                "not_managed",
                _("该劳模当前状态为“%(status)s”，不在延续管理期内，不能进行年度考核。")
                % {"status": WorkerStatus(worker.status).label},
            )
        if not due.year_in_term(
            awarded_on=worker.awarded_on, last_day=worker.continuation_last_day, year=year
        ):
            raise _error(
                "year",
                "outside_term",
                _("考核年度%(year)s不在延续管理期内（%(from)s至%(to)s）。")
                % {"year": year, **_term_range_text(worker)},
            )
        if year > today.year:
            raise _error("year", "future", _("考核年度%(year)s尚未开始，不能考核。") % {"year": year})
        if side == AssessmentSide.EMPLOYER and worker.employing_union_id is None and not on_behalf:
            raise _error(
                "side", "employer_outside", _("该劳模的所在单位不在本平台，请由总工会代所在单位签署。")
            )
        assessment = AnnualAssessment.objects.select_for_update().filter(worker=worker, year=year).first()
        if assessment is None:
            assessment = AnnualAssessment(worker=worker, year=year)
        elif assessment.status == AssessmentStatus.FILED:
            raise _error(
                "year", "already_filed", _("%(year)s年度考核已归档，不能再次签署。") % {"year": year}
            )
        actor_id = registry.actor_id_of(actor)
        if side == AssessmentSide.FEDERATION:
            assessment.federation_result = result
            assessment.federation_notes = notes
            assessment.federation_signed_by_id = actor_id
            assessment.federation_signed_at = now
        else:
            assessment.employer_result = result
            assessment.employer_notes = notes
            assessment.employer_signed_by_id = actor_id
            assessment.employer_signed_at = now
            assessment.employer_on_behalf = bool(on_behalf)
            assessment.employer_signatory = signatory
        both = assessment.federation_signed_at is not None and assessment.employer_signed_at is not None
        if both and assessment.federation_result != assessment.employer_result:
            raise _error(
                "result",
                "disagree",
                _("双方考核结论不一致（总工会：%(fed)s；所在单位：%(emp)s），请协商一致后再签署。")
                % {
                    "fed": AssessmentResult(assessment.federation_result).label,
                    "emp": AssessmentResult(assessment.employer_result).label,
                },
            )
        if both:
            assessment.status = AssessmentStatus.FILED
            assessment.result = result
            assessment.filed_at = now
            if result == AssessmentResult.FAIL:
                assessment.revocation = _revocation_for_failure(worker, assessment, actor)
        try:
            with transaction.atomic():
                assessment.save()
        except IntegrityError:
            # Two first sign-offs at once: the unique (worker, year) lets one through.
            raise _error("year", "conflict", _("该年度考核正在由另一方签署，请刷新后重试。")) from None
    return assessment


def _revocation_for_failure(worker: ModelWorker, assessment: AnnualAssessment, actor) -> Revocation:
    existing = Revocation.objects.filter(worker=worker, status=RevocationStatus.PROPOSED).first()
    if existing is not None:
        return existing
    parts = [
        _("%(year)s年度考核不合格。") % {"year": assessment.year},
        assessment.federation_notes and _("总工会意见：%(notes)s") % {"notes": assessment.federation_notes},
        assessment.employer_notes and _("所在单位意见：%(notes)s") % {"notes": assessment.employer_notes},
    ]
    return registry.revocation_propose(
        worker=worker,
        grounds=[RevocationGround.ASSESSMENT_FAILED],
        note="\n".join(str(part) for part in parts if part),
        source=RevocationSource.ASSESSMENT,
        actor=actor,
    )
