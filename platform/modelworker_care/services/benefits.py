"""Benefits given: allowances paid and annual benefits, with the benefits fact."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modelworkers import services as registry
from modelworkers.models import (
    ModelWorker,
    WorkerStatus,
)
from rollup.facts import facts_apply
from rollup.indicators import MW_BENEFITS_FEN, reporting_year
from unionhub.errors import DomainValidationError, FieldError

from .. import due
from ..models import (
    BenefitGrant,
    BenefitKind,
)
from .allowances import rule_spans
from .common import _clean_amount, _clean_text, _error, _locked_worker

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
