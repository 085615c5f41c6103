"""Model-worker care objects for the schema walks (tests/audit/test_mutation_audit.py and
tests/isolation/test_isolation.py)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from graphql_relay import to_global_id

_rule_months = itertools.count(0)


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def _month_start() -> str:
    return _today().replace(day=1).isoformat()


def _next_rule_start() -> str:
    """A first-of-month after every rule the walks create: each rule the walk adds starts later than the last."""
    n = next(_rule_months)
    return date(2040 + n // 12, n % 12 + 1, 1).isoformat()


# Value hints for the care mutations (merged into VALUE_HINTS by the walks that use these worlds).
CARE_VALUE_HINTS = {
    "fromMonth": _month_start,
    "toMonth": _month_start,
    "givenOn": lambda: _today().isoformat(),
    "occurredOn": lambda: _today().isoformat(),
    "effectiveFrom": _next_rule_start,
    # Only transfers name a new employer; the walk's life event is the first kind (retirement).
    "toEmployerName": lambda: "",
}


def _worker(*, node, union, name: str):
    from tests.support.modelworker_care import register_worker

    # In continuation management this year and month (the walks' hints), whatever today is.
    return register_worker(
        node=node, union=union, awarded_on=_today() - timedelta(days=400), name=name, today=_today()
    )


def care_audit_objects(union, *, county) -> list[str]:
    """For the audit walk on `union`'s host (platform admin): a model worker awarded by `county` working in
    `union`, under an allowance rule of its level, so each care mutation finds something to act on:
    modelWorkerAssessmentSign (federation side of this year), modelWorkerLifeEventRecord (retirement),
    modelWorkerAllowancePay (this month), modelWorkerBenefitGive (this year's health check), and
    modelWorkerAllowanceRuleCreate (a new rule on the county, hinted to start after every other)."""
    from modelworker_care.services.allowances import allowance_rule_create

    worker = _worker(node=county, union=union, name="审计劳模")
    allowance_rule_create(
        node=county, level=worker.level, effective_from=date(2020, 1, 1), monthly_amount_fen=13000
    )
    return [to_global_id("ModelWorker", worker.pk)]


def care_victim_objects(*, union, county, victim_admin) -> tuple[list[str], list[str]]:
    """For the isolation walk: a model worker of the victim county working in the victim union, with an assessment,
    a life event, benefits given, an allowance rule and a reminder in the victim admin's inbox. Returns (global
    ids, strings only the victim's side may see)."""
    from modelworker_care.models import Notification
    from modelworker_care.reminders import reminders_send
    from modelworker_care.services.allowances import allowance_rule_create
    from modelworker_care.services.assessments import assessment_sign
    from modelworker_care.services.benefits import allowance_pay, benefit_give
    from modelworker_care.services.life_events import life_event_record

    today = _today()
    worker = _worker(node=county, union=union, name="受害者劳模")
    rule = allowance_rule_create(
        node=county,
        level=worker.level,
        effective_from=date(2020, 1, 1),
        monthly_amount_fen=13000,
        note="受害县津贴文件",
    )
    assessment = assessment_sign(
        worker=worker, year=today.year, side="federation", result="pass", notes="受害者考核意见"
    )
    event = life_event_record(worker=worker, kind="retirement", occurred_on=today, note="受害者退休备案")
    [allowance] = allowance_pay(
        worker=worker, from_month=today.replace(day=1), given_on=today, note="受害者津贴"
    )
    hardship = benefit_give(
        worker=worker, kind="hardship", given_on=today, amount_fen=100000, note="受害者困难救助"
    )
    # On 1 December the year's open items (assessment, health check, rest stay) are 30 days ahead.
    reminders_send(today=date(today.year, 12, 1))
    notification = Notification.objects.get(user=victim_admin, reminder__kind="assessment")
    ids = [
        to_global_id("ModelWorker", worker.pk),
        to_global_id("ModelWorkerAssessment", assessment.pk),
        to_global_id("ModelWorkerLifeEvent", event.pk),
        to_global_id("ModelWorkerBenefit", allowance.pk),
        to_global_id("ModelWorkerBenefit", hardship.pk),
        to_global_id("ModelWorkerAllowanceRule", rule.pk),
        to_global_id("ModelWorkerNotification", notification.pk),
    ]
    strings = [worker.name, rule.note, assessment.federation_notes, event.note, allowance.note, hardship.note]
    return ids, [*strings, notification.title]
