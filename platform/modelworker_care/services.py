"""Writes for continuation management and benefits: joint annual assessments, the scheduled term end, life
events, allowance rules and benefits given.

Every service validates before writing and raises DomainValidationError naming the field (nothing written), and
runs in one transaction (its own atomic block; GraphQL mutations wrap it in theirs). Status changes and employer
transfers go through the registry's services (modelworkers.services), which keep its history and live facts. The
benefits fact (mw_benefits_fen) is applied here in the same transaction as the benefit rows. Access is decided by
the caller (selectors.can_* and the GraphQL layer); services receive the side the caller acts for.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    Level,
    ModelWorker,
    Revocation,
    RevocationGround,
    RevocationSource,
    RevocationStatus,
    WorkerStatus,
)
from rollup.facts import facts_apply
from rollup.indicators import MW_BENEFITS_FEN, reporting_year
from unionhub.errors import DomainValidationError, FieldError

from . import due
from .models import (
    ANNUAL_BENEFIT_KINDS,
    AllowanceRule,
    AnnualAssessment,
    AssessmentResult,
    AssessmentSide,
    AssessmentStatus,
    BenefitGrant,
    BenefitKind,
    LifeEvent,
    LifeEventKind,
)

logger = logging.getLogger(__name__)

NOTES_MAX = 2000
# Sanity bound on one amount (¥1,000,000): a typo in fen, not a real payment.
AMOUNT_MAX_FEN = 100_000_000
# Arbitrary constant namespacing this app's advisory locks (allowance rules of one node and level).
_RULE_LOCK_CLASS = 0x4D57


def _error(field: str, code: str, message) -> DomainValidationError:
    return DomainValidationError.single(field, code, message)


def _locked_worker(worker: ModelWorker) -> ModelWorker:
    return (
        ModelWorker.objects.select_for_update(of=("self",))
        .select_related("employing_union", "awarding_node")
        .get(pk=worker.pk)
    )


def _clean_text(value, field: str, label, limit: int = NOTES_MAX) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise _error(field, "too_long", _("%(label)s不能超过%(n)s个字符。") % {"label": label, "n": limit})
    return value


def _clean_amount(value, field: str = "amount_fen", *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(field, "invalid", _("金额应为以分计的整数。"))
    if value < 0 or (positive and value == 0):
        raise _error(
            field,
            "not_positive" if positive else "negative",
            _("金额必须大于0。") if positive else _("金额不能为负数。"),
        )
    if value > AMOUNT_MAX_FEN:
        raise _error(field, "too_large", _("金额超出上限（100万元）。"))
    return value


def _term_range_text(worker: ModelWorker) -> dict:
    return {
        "from": (worker.awarded_on + timedelta(days=1)).isoformat(),
        "to": worker.continuation_last_day.isoformat(),
    }


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


# --- the scheduled term end --------------------------------------------------------------------------------------


def terms_end_run(*, today: date | None = None) -> list[int]:
    """Beat task body: every worker still managed after the last day of the term changes to ended, effective the
    day after that last day (not the day the task ran, so a late or missed run dates it right). Each worker in its
    own transaction with the row locked and re-checked, so a second or concurrent run changes nothing more."""
    today = today or timezone.localdate()
    candidates = list(
        ModelWorker.objects.filter(status=WorkerStatus.MANAGED, continuation_last_day__lt=today)
        .order_by("continuation_last_day", "pk")
        .values_list("pk", flat=True)
    )
    ended = []
    for worker_id in candidates:
        with transaction.atomic():
            worker = (
                ModelWorker.objects.select_for_update(of=("self",))
                .filter(pk=worker_id, status=WorkerStatus.MANAGED, continuation_last_day__lt=today)
                .first()
            )
            if worker is None:  # another run got there first
                continue
            registry.modelworker_transition(
                worker=worker,
                to_status=WorkerStatus.ENDED,
                on=worker.continuation_last_day + timedelta(days=1),
                reason=_("延续管理期已于%(day)s届满。") % {"day": worker.continuation_last_day.isoformat()},
                actor=None,
            )
            ended.append(worker_id)
    if ended:
        logger.info("continuation terms ended", extra={"count": len(ended)})
    return ended


# --- life events -------------------------------------------------------------------------------------------------

_STATUS_FOR_EVENT = {LifeEventKind.ABROAD: WorkerStatus.ABROAD, LifeEventKind.DEATH: WorkerStatus.DECEASED}
# The registry's field names, as the life-event input names them.
_EVENT_FIELDS = {
    "to_status": "kind",
    "on": "occurred_on",
    "employer_name": "to_employer_name",
    "reason": "note",
}


def _remap(exc: DomainValidationError) -> DomainValidationError:
    return DomainValidationError(
        [FieldError(_EVENT_FIELDS.get(e.field, e.field), e.code, e.message) for e in exc.errors]
    )


def life_event_record(
    *,
    worker: ModelWorker,
    kind: str,
    occurred_on: date,
    note: str = "",
    to_union=None,
    to_employer_name: str = "",
    actor=None,
) -> LifeEvent:
    """Record a life event (动态管理备案) and apply its effect through the registry: a transfer moves the worker to
    another union (or an employer outside the system) with the facts; going abroad to settle (出境定居) and death
    change the status; retirement is recorded only (the title and the term continue)."""
    if kind not in LifeEventKind.values:
        raise _error("kind", "invalid_choice", _("请选择事项类别。"))
    if not isinstance(occurred_on, date):
        raise _error("occurred_on", "required", _("请填写发生日期。"))
    note = _clean_text(note, "note", _("情况说明"))
    to_employer_name = _clean_text(to_employer_name, "to_employer_name", _("新工作单位"), 200)
    if occurred_on > timezone.localdate():
        raise _error("occurred_on", "in_future", _("发生日期不能晚于今天。"))
    if kind != LifeEventKind.TRANSFER and (to_union is not None or to_employer_name):
        raise _error("to_employer_name", "not_a_transfer", _("只有调动工作单位时才填写新工作单位。"))
    with transaction.atomic():
        worker = _locked_worker(worker)
        if occurred_on < worker.awarded_on:
            raise _error("occurred_on", "before_award", _("发生日期不能早于授予日期。"))
        if worker.status == WorkerStatus.DECEASED:
            raise _error("worker", "deceased", _("该劳模已故，不能再登记动态。"))
        event = LifeEvent(
            worker=worker,
            kind=kind,
            occurred_on=occurred_on,
            note=note,
            from_union=worker.employing_union,
            from_employer_name=worker.employer_name,
            recorded_by_id=registry.actor_id_of(actor),
        )
        if kind == LifeEventKind.RETIREMENT:
            if LifeEvent.objects.filter(worker=worker, kind=LifeEventKind.RETIREMENT).exists():
                raise _error("kind", "already_retired", _("该劳模已登记退休。"))
        elif kind == LifeEventKind.TRANSFER:
            if to_union is None and not to_employer_name:
                raise _error("to_employer_name", "required", _("请选择新的所在工会或填写新工作单位。"))
            if to_union is not None and to_union.pk == worker.employing_union_id:
                raise _error("to_union", "same_union", _("新的所在工会与原工会相同。"))
            try:
                worker = registry.modelworker_employer_change(
                    worker=worker, union=to_union, employer_name=to_employer_name, on=occurred_on, actor=actor
                )
            except DomainValidationError as exc:
                raise _remap(exc) from None
            event.to_union = to_union
            event.to_employer_name = worker.employer_name
        else:
            try:
                registry.modelworker_transition(
                    worker=worker,
                    to_status=_STATUS_FOR_EVENT[kind],
                    on=occurred_on,
                    reason=note or str(LifeEventKind(kind).label),
                    actor=actor,
                )
            except DomainValidationError as exc:
                raise _remap(exc) from None
            event.status_change = worker.status_changes.order_by("-id").first()
        event.save(force_insert=True)
    return event


# --- allowance rules ---------------------------------------------------------------------------------------------


def allowance_rule_create(
    *,
    node,
    level: str,
    effective_from: date,
    monthly_amount_fen: int,
    note: str = "",
    actor=None,
) -> AllowanceRule:
    """A node's honorary allowance (荣誉津贴) for one level from the first day of a month. Rules of a node and level
    form one sequence: a new rule must start after the latest one, which it supersedes (the latest then ends the
    day before). A rule starting on or before an existing one would overlap it and is refused."""
    if level not in Level.values:
        raise _error("level", "invalid_choice", _("请选择劳模级别。"))
    if not isinstance(effective_from, date):
        raise _error("effective_from", "required", _("请填写起始日期。"))
    if effective_from.day != 1:
        raise _error("effective_from", "not_month_start", _("津贴按月发放，起始日期应为某月1日。"))
    amount = _clean_amount(monthly_amount_fen, "monthly_amount_fen")
    note = _clean_text(note, "note", _("依据"), 500)
    with transaction.atomic():
        # Serialise rule changes of one node (two new rules at once could both pass the overlap check).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_RULE_LOCK_CLASS, node.pk])
        latest = (
            AllowanceRule.objects.select_for_update()
            .filter(node=node, level=level)
            .order_by("-effective_from")
            .first()
        )
        if latest is not None:
            if effective_from <= latest.effective_from:
                raise _error(
                    "effective_from",
                    "overlap",
                    _("与%(from)s起执行的津贴标准重叠：新标准只能在已有标准之后生效。")
                    % {"from": latest.effective_from.isoformat()},
                )
            if latest.effective_to is None:
                latest.effective_to = effective_from - timedelta(days=1)
                latest.save(update_fields=["effective_to"])
        return AllowanceRule.objects.create(
            node=node,
            level=level,
            effective_from=effective_from,
            monthly_amount_fen=amount,
            note=note,
            created_by_id=registry.actor_id_of(actor),
        )


def rule_spans(*, node_ids, levels=None) -> dict[tuple[int, str], list[due.RuleSpan]]:
    rows = AllowanceRule.objects.filter(node_id__in=list(node_ids))
    if levels is not None:
        rows = rows.filter(level__in=list(levels))
    spans: dict[tuple[int, str], list[due.RuleSpan]] = {}
    for rule in rows.order_by("effective_from"):
        spans.setdefault((rule.node_id, rule.level), []).append(
            due.RuleSpan(
                rule.pk,
                rule.node_id,
                rule.level,
                rule.effective_from,
                rule.effective_to,
                rule.monthly_amount_fen,
            )
        )
    return spans


# --- benefits given ----------------------------------------------------------------------------------------------


def _benefit_until(worker: ModelWorker) -> date | None:
    """The last day the worker is entitled to benefits: the term's last day, or the day the worker left (settled
    abroad or died); None once the title is revoked (待遇终止)."""
    if worker.status == WorkerStatus.REVOKED:
        return None
    if worker.status in (WorkerStatus.ABROAD, WorkerStatus.DECEASED) and worker.status_changed_on:
        return min(worker.continuation_last_day, worker.status_changed_on)
    return worker.continuation_last_day


def _check_given_on(given_on) -> date:
    if not isinstance(given_on, date):
        raise _error("given_on", "required", _("请填写发放日期。"))
    if given_on > timezone.localdate():
        raise _error("given_on", "in_future", _("发放日期不能晚于今天。"))
    return given_on


def _entitled(worker: ModelWorker, field: str) -> date:
    until = _benefit_until(worker)
    if until is None:
        raise _error(field, "revoked", _("该劳模称号已撤销，终止享受劳模待遇。"))
    return until


def _facts(worker: ModelWorker, given_on: date, amount_fen: int) -> None:
    if worker.employing_union is not None and amount_fen:
        facts_apply(
            union=worker.employing_union, deltas={(0, MW_BENEFITS_FEN, reporting_year(given_on)): amount_fen}
        )


def _month_label(month: date) -> str:
    return _("%(y)s年%(m)s月") % {"y": month.year, "m": month.month}


def allowance_pay(
    *,
    worker: ModelWorker,
    from_month: date,
    to_month: date | None = None,
    given_on: date,
    note: str = "",
    actor=None,
) -> list[BenefitGrant]:
    """Record the honorary allowance paid for the months `from_month`..`to_month` (any day of each; one row per
    month) at the amount of the awarding node's rule for the worker's level in force in that month. Refused for a
    month outside the term, without a rule, or already paid."""
    if not isinstance(from_month, date):
        raise _error("from_month", "required", _("请填写起始月份。"))
    to_month = to_month if isinstance(to_month, date) else from_month
    first, last = from_month.replace(day=1), to_month.replace(day=1)
    if last < first:
        raise _error("to_month", "before_start", _("截止月份不能早于起始月份。"))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = due.next_month(month)
    if len(months) > 12 * 5:
        raise _error("to_month", "too_long", _("一次最多登记60个月的津贴。"))
    given_on = _check_given_on(given_on)
    note = _clean_text(note, "note", _("备注"), 500)
    with transaction.atomic():
        worker = _locked_worker(worker)
        until = _entitled(worker, "worker")
        spans = rule_spans(node_ids=[worker.awarding_node_id], levels=[worker.level])
        paid = set(
            BenefitGrant.objects.filter(
                worker=worker, kind=BenefitKind.ALLOWANCE, month__in=months
            ).values_list("month", flat=True)
        )
        errors: list[FieldError] = []
        rows = []
        for month in months:
            label = {"month": _month_label(month)}
            if not due.month_in_term(awarded_on=worker.awarded_on, last_day=until, month=month):
                errors.append(
                    FieldError("from_month", "outside_term", _("%(month)s不在享受津贴的期间内。") % label)
                )
                continue
            if month in paid:
                errors.append(
                    FieldError("from_month", "already_given", _("%(month)s的荣誉津贴已发放。") % label)
                )
                continue
            rule = due.rule_for(
                spans.get((worker.awarding_node_id, worker.level), ()),
                node_id=worker.awarding_node_id,
                level=worker.level,
                on=month,
            )
            if rule is None or rule.monthly_amount_fen == 0:
                errors.append(
                    FieldError("from_month", "no_rule", _("%(month)s没有适用的荣誉津贴标准。") % label)
                )
                continue
            rows.append(
                BenefitGrant(
                    worker=worker,
                    kind=BenefitKind.ALLOWANCE,
                    year=month.year,
                    month=month,
                    given_on=given_on,
                    amount_fen=rule.monthly_amount_fen,
                    rule_id=rule.rule_id,
                    union=worker.employing_union,
                    node_path=worker.awarding_node.path,
                    note=note,
                    recorded_by_id=registry.actor_id_of(actor),
                )
            )
        if errors:
            raise DomainValidationError(errors[:5])
        try:
            with transaction.atomic():
                rows = BenefitGrant.objects.bulk_create(rows)
        except IntegrityError:
            raise _error("from_month", "already_given", _("所选月份的荣誉津贴已发放。")) from None
        _facts(worker, given_on, sum(row.amount_fen for row in rows))
    return rows


def benefit_give(
    *,
    worker: ModelWorker,
    kind: str,
    given_on: date,
    amount_fen: int,
    year: int | None = None,
    note: str = "",
    actor=None,
) -> BenefitGrant:
    """Record the year's health check (体检) or rest/study stay (疗休养/参观学习), once per calendar year of the
    term (`year`, default the year given), or a hardship relief payment (困难救助金, amount above 0, any number)."""
    if kind == BenefitKind.ALLOWANCE:
        raise _error("kind", "use_allowance_pay", _("荣誉津贴请按月份登记发放。"))
    if kind not in BenefitKind.values:
        raise _error("kind", "invalid_choice", _("请选择待遇类别。"))
    given_on = _check_given_on(given_on)
    amount = _clean_amount(amount_fen, positive=kind == BenefitKind.HARDSHIP)
    note = _clean_text(note, "note", _("备注"), 500)
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise _error("year", "invalid", _("年度无效。"))
    with transaction.atomic():
        worker = _locked_worker(worker)
        until = _entitled(worker, "worker")
        if kind == BenefitKind.HARDSHIP:
            year = given_on.year
            if not worker.awarded_on < given_on <= until:
                raise _error(
                    "given_on",
                    "outside_term",
                    _("发放日期不在享受劳模待遇的期间内（%(from)s至%(to)s）。")
                    % {"from": (worker.awarded_on + timedelta(days=1)).isoformat(), "to": until.isoformat()},
                )
        else:
            year = given_on.year if year is None else year
            if not due.year_in_term(awarded_on=worker.awarded_on, last_day=until, year=year):
                raise _error(
                    "year",
                    "outside_term",
                    _("%(year)s年不在享受劳模待遇的期间内（%(from)s至%(to)s）。")
                    % {
                        "year": year,
                        "from": (worker.awarded_on + timedelta(days=1)).isoformat(),
                        "to": until.isoformat(),
                    },
                )
            if BenefitGrant.objects.filter(worker=worker, kind=kind, year=year).exists():
                raise _error(
                    "year",
                    "already_given",
                    _("%(year)s年度的%(kind)s已登记。") % {"year": year, "kind": BenefitKind(kind).label},
                )
        grant = BenefitGrant(
            worker=worker,
            kind=kind,
            year=year,
            given_on=given_on,
            amount_fen=amount,
            union=worker.employing_union,
            node_path=worker.awarding_node.path,
            note=note,
            recorded_by_id=registry.actor_id_of(actor),
        )
        try:
            with transaction.atomic():
                grant.save(force_insert=True)
        except IntegrityError:
            raise _error("year", "already_given", _("该年度的待遇已登记。")) from None
        _facts(worker, given_on, amount)
    return grant


__all__ = [
    "ANNUAL_BENEFIT_KINDS",
    "allowance_pay",
    "allowance_rule_create",
    "assessment_sign",
    "benefit_give",
    "life_event_record",
    "rule_spans",
    "terms_end_run",
]
